// A small lexer for the SQL text of view expressions: enough to strip a trailing semicolon, refuse a
// second statement, check that the text is a query, and list the relation names it mentions (used to
// order new views that did not declare `dependsOn`). It understands comments, string literals
// (including E'' and dollar quoting) and identifiers (read by `identifierAt`, PostgreSQL's rules, also
// used for every other name we read); it is not a SQL parser.
import { identifierAt, skipBlanks } from './identifiers';

export type Token =
  | { kind: 'word'; text: string } // unquoted identifier or keyword, lower-cased as PostgreSQL folds it
  | { kind: 'quoted'; text: string } // "quoted" or U&"quoted" identifier, unescaped
  | { kind: 'punct'; text: string }
  | { kind: 'other' }; // literals, numbers, operators: content we never need

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  const n = sql.length;
  for (let i = skipBlanks(sql, 0); i < n; i = skipBlanks(sql, i)) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'" || ((c === 'E' || c === 'e') && next === "'")) {
      const escapes = c !== "'";
      i += escapes ? 2 : 1;
      while (i < n) {
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i++;
      }
      i++;
      tokens.push({ kind: 'other' });
    } else if (c === '$' && /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(sql.slice(i))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))![0];
      const end = sql.indexOf(tag, i + tag.length);
      i = end < 0 ? n : end + tag.length;
      tokens.push({ kind: 'other' });
    } else {
      const identifier = identifierAt(sql, i);
      if (identifier) {
        const quoted = c === '"' || sql.startsWith('&"', i + 1);
        tokens.push({ kind: quoted ? 'quoted' : 'word', text: identifier.name });
        i = identifier.end;
      } else if (c === '"') {
        // Unterminated or empty: PostgreSQL rejects the text; nothing after it can be read as names.
        tokens.push({ kind: 'other' });
        i = n;
      } else if (c === '.' || c === ';' || c === '(' || c === ')' || c === ',') {
        tokens.push({ kind: 'punct', text: c });
        i++;
      } else {
        i++;
        if (tokens.at(-1)?.kind !== 'other') tokens.push({ kind: 'other' });
      }
    }
  }
  return tokens;
}

/** Trims whitespace and trailing semicolons. */
export function trimStatement(sql: string): string {
  return sql
    .trim()
    .replace(/(;\s*)+$/, '')
    .trim();
}

/** Where a text ends: in code, in a `--` line comment, or inside a literal, quoted name or block comment. */
export function endState(sql: string): 'code' | 'line comment' | 'open' {
  const closes = (suffix: string) => {
    const last = tokenize(sql + suffix).at(-1);
    return last?.kind === 'punct' && last.text === ')';
  };
  if (closes(' )')) return 'code';
  return closes('\n)') ? 'line comment' : 'open';
}

/**
 * What makes `sql` unfit to be spliced into a statement as one piece: a NUL, an unterminated literal,
 * quoted name or comment, a `;` outside quotes, or parentheses that do not balance. Undefined when fit.
 */
function pieceProblem(sql: string): string | undefined {
  if (sql.includes('\0')) return 'contains a NUL character';
  if (endState(sql) === 'open') return 'has an unterminated quote, quoted name or comment';
  let depth = 0;
  for (const t of tokenize(sql)) {
    if (t.kind !== 'punct') continue;
    if (t.text === ';') return 'contains more than one statement (a `;` outside quotes)';
    depth += t.text === '(' ? 1 : t.text === ')' ? -1 : 0;
    if (depth < 0) return 'closes a parenthesis it did not open';
  }
  return depth === 0 ? undefined : 'leaves a parenthesis open';
}

/** Why `sql` is not one query (SELECT / WITH / VALUES / TABLE), or undefined when it is. */
export function queryProblem(sql: string): string | undefined {
  const text = trimStatement(sql);
  const tokens = tokenize(text);
  if (tokens.length === 0) return 'is empty';
  const problem = pieceProblem(text);
  if (problem) return problem;
  const first = tokens.find((t) => !(t.kind === 'punct' && t.text === '('));
  const keyword = first?.kind === 'word' ? first.text : undefined;
  if (!keyword || !['select', 'with', 'values', 'table'].includes(keyword))
    return `is not a query: it must start with SELECT, WITH, VALUES or TABLE (it starts with ${JSON.stringify(text.slice(0, 30))})`;
  return undefined;
}

/** Why `sql` is not one SQL expression (an index predicate, say), or undefined when it is. */
export function expressionProblem(sql: string): string | undefined {
  if (tokenize(sql).length === 0) return 'is empty';
  return pieceProblem(sql);
}

/** `sql` with a newline after it when it ends in a `--` comment, so that text appended after it counts. */
export function closeLineComment(sql: string): string {
  return endState(sql) === 'line comment' ? `${sql}\n` : sql;
}

/**
 * The names that could be relations in `sql`: every identifier, and every `a.b` pair. Callers match
 * these against known view names; a false match only adds an ordering hint.
 */
export function mentionedNames(sql: string): { single: Set<string>; qualified: Set<string> } {
  const tokens = tokenize(sql);
  const single = new Set<string>();
  const qualified = new Set<string>();
  const ident = (t: Token | undefined) => (t && (t.kind === 'word' || t.kind === 'quoted') ? t.text : undefined);
  tokens.forEach((t, i) => {
    const a = ident(t);
    if (a === undefined) return;
    single.add(a);
    const dot = tokens[i + 1];
    const b = ident(tokens[i + 2]);
    if (dot?.kind === 'punct' && dot.text === '.' && b !== undefined) qualified.add(JSON.stringify([a, b]));
  });
  return { single, qualified };
}
