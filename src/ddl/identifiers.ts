// The one place identifiers and literals become SQL text. Every schema, view, index, column and
// tablespace name in generated SQL goes through `quoteIdentifier` or `qualifiedName`.

/** A relation name with schema and name kept apart, exactly as PostgreSQL stores them (no quoting). */
export interface QualifiedName {
  /** The schema, exactly as PostgreSQL stores it (not folded). */
  readonly schema: string;
  /** The relation's name, exactly as PostgreSQL stores it (not folded). */
  readonly name: string;
}

/** PostgreSQL truncates identifiers longer than NAMEDATALEN - 1 bytes; we reject them instead. */
export const MAX_IDENTIFIER_BYTES = 63;

/**
 * Quotes one identifier: always double-quoted, embedded `"` doubled, so any name (mixed case, spaces,
 * reserved words, quotes) round-trips exactly.
 *
 * @example quoteIdentifier('user "stats"') === '"user ""stats"""'
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."name"`. */
export function qualifiedName(relation: QualifiedName): string {
  return `${quoteIdentifier(relation.schema)}.${quoteIdentifier(relation.name)}`;
}

/** A SQL string literal (standard_conforming_strings on, the default since PostgreSQL 9.1). */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('a SQL literal cannot contain a NUL character');
  return `'${value.replace(/'/g, "''")}'`;
}

/** `schema.name` for messages and keys; not SQL. */
export function displayName(relation: QualifiedName): string {
  return `${relation.schema}.${relation.name}`;
}

/** A view named for a person, with its kind: `view public.active_users`, `materialized view public.user_stats`. */
export function describeView(view: QualifiedName & { readonly kind: 'view' | 'materialized' }): string {
  return `${view.kind === 'materialized' ? 'materialized view' : 'view'} ${displayName(view)}`;
}

/** Why `name` is not a usable identifier, or undefined when it is. */
export function identifierProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.trim().length === 0) return 'is only white space';
  if (name.includes('\0')) return 'contains a NUL character';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_IDENTIFIER_BYTES) return `is ${bytes} bytes long; PostgreSQL allows ${MAX_IDENTIFIER_BYTES}`;
  return undefined;
}

// The one identifier scanner: PostgreSQL's lexer rules (scan.l) for identifiers, used wherever we read
// names out of text (`parseQualifiedName`, the SQL tokenizer, the DDL TypeORM generates).

/** PostgreSQL's white space: ASCII only (a no-break space is part of an identifier, as any non-ASCII character). */
const SPACE = /[ \t\n\r\f\v]/;
/** A bare identifier: a letter, `_` or any non-ASCII character, then those, digits and `$`. */
const BARE = /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/y;

/**
 * The index after the white space and comments (`-- ...` and nested `/* ... *\/`) starting at `text[i]`, as
 * PostgreSQL's lexer skips them between tokens; `text.length` inside an unterminated comment.
 */
export function skipBlanks(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    if (SPACE.test(text[i]!)) i++;
    else if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
    } else if (text.startsWith('/*', i)) {
      let depth = 0; // block comments nest in PostgreSQL
      do {
        const pair = text.slice(i, i + 2);
        depth += pair === '/*' ? 1 : pair === '*/' ? -1 : 0;
        i += pair === '/*' || pair === '*/' ? 2 : 1;
      } while (depth > 0 && i < n);
    } else break;
  }
  return i;
}

/** The body of a `"..."` whose opening quote is `text[i]`, `""` read as `"`, and the index after it. */
function quotedAt(text: string, i: number): { body: string; end: number } | undefined {
  let body = '';
  for (let j = i + 1; j < text.length;) {
    const close = text.indexOf('"', j);
    if (close < 0) return undefined;
    body += text.slice(j, close);
    if (text[close + 1] !== '"') return { body, end: close + 1 };
    body += '"';
    j = close + 2;
  }
  return undefined;
}

/** After `U&"..."`: an optional `UESCAPE 'c'` clause, giving the escape character. */
function uescapeAt(text: string, i: number): { escape: string; end: number } | undefined {
  const at = skipBlanks(text, i);
  const keyword = /uescape(?![A-Za-z0-9_$\u0080-\uffff])/iy;
  keyword.lastIndex = at;
  if (!keyword.test(text)) return { escape: '\\', end: i };
  const literal = /'([^'])'/y;
  literal.lastIndex = skipBlanks(text, keyword.lastIndex);
  const m = literal.exec(text);
  // PostgreSQL refuses hex digits, +, quotes and white space as the escape character.
  if (!m || /[0-9A-Fa-f+'"]/.test(m[1]!) || SPACE.test(m[1]!)) return undefined;
  return { escape: m[1]!, end: literal.lastIndex };
}

/** Decodes the `\XXXX` / `\+XXXXXX` escapes (with `escape` for `\`) of a `U&"..."` body. */
function unicodeEscapes(body: string, escape: string): string | undefined {
  let out = '';
  for (let j = 0; j < body.length;) {
    if (body[j] !== escape) {
      out += body[j++];
      continue;
    }
    if (body[j + 1] === escape) {
      out += escape;
      j += 2;
      continue;
    }
    const m = /^(?:\+([0-9A-Fa-f]{6})|([0-9A-Fa-f]{4}))/.exec(body.slice(j + 1));
    if (!m) return undefined;
    const code = parseInt((m[1] ?? m[2])!, 16);
    if (code === 0 || code > 0x10ffff) return undefined;
    out += m[1] ? String.fromCodePoint(code) : String.fromCharCode(code);
    j += 1 + m[0].length;
  }
  // A surrogate must come as a pair (two \XXXX escapes), as in PostgreSQL.
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(out) ? undefined : out;
}

/**
 * The identifier starting at `text[i]` and the index after it, PostgreSQL's way: `"quoted"` kept as
 * written with `""` read as `"`; `U&"d\0061ta"` with its escapes (and an optional `UESCAPE '!'`); bare
 * (letters, `_`, any non-ASCII character, then also digits and `$`) folded to lower case, ASCII letters
 * only, as PostgreSQL folds in UTF-8. Undefined when no identifier starts there, or a quoted one is
 * unterminated, empty or badly escaped. Keywords are identifiers here: the caller knows its grammar.
 *
 * @example identifierAt('FROM Daily_Sales d', 5) // { name: 'daily_sales', end: 16 }
 */
export function identifierAt(text: string, i: number): { name: string; end: number } | undefined {
  if (text[i] === '"') {
    const quoted = quotedAt(text, i);
    return quoted && quoted.body !== '' ? { name: quoted.body, end: quoted.end } : undefined;
  }
  if ((text[i] === 'U' || text[i] === 'u') && text[i + 1] === '&' && text[i + 2] === '"') {
    const quoted = quotedAt(text, i + 2);
    if (!quoted || quoted.body === '') return undefined;
    const uescape = uescapeAt(text, quoted.end);
    const name = uescape && unicodeEscapes(quoted.body, uescape.escape);
    return uescape && name ? { name, end: uescape.end } : undefined;
  }
  BARE.lastIndex = i;
  const m = BARE.exec(text);
  if (!m) return undefined;
  return { name: m[0].replace(/[A-Z]+/g, (upper) => upper.toLowerCase()), end: i + m[0].length };
}

/**
 * The relation name starting at `text[i]`: `name` (in `defaultSchema`) or `schema.name`, with white space
 * and comments allowed around the dot as PostgreSQL allows, and the index after it. Undefined when no
 * identifier starts there or the dot is not followed by one. A third part (`db.schema.name`) is left to
 * the caller, at `end`.
 *
 * @example relationAt('ALTER TABLE Sales . "Orders" ADD x int', 12, 'public')
 * // { relation: { schema: 'sales', name: 'Orders' }, end: 28 }
 */
export function relationAt(
  text: string,
  i: number,
  defaultSchema: string,
): { relation: QualifiedName; end: number } | undefined {
  const first = identifierAt(text, i);
  if (!first) return undefined;
  const dot = skipBlanks(text, first.end);
  if (text[dot] !== '.') return { relation: { schema: defaultSchema, name: first.name }, end: first.end };
  const second = identifierAt(text, skipBlanks(text, dot + 1));
  return second && { relation: { schema: first.name, name: second.name }, end: second.end };
}

/**
 * Parses `name`, `schema.name`, `"Mixed Case".name` into its parts with `relationAt`'s rules, the whole
 * text being the name (blanks around it allowed). Returns undefined for text that is not one or two
 * identifiers.
 *
 * @example parseQualifiedName('Reporting."Daily Sales"', 'public') // { schema: 'reporting', name: 'Daily Sales' }
 */
export function parseQualifiedName(text: string, defaultSchema: string): QualifiedName | undefined {
  const found = relationAt(text, skipBlanks(text, 0), defaultSchema);
  return found && skipBlanks(text, found.end) === text.length ? found.relation : undefined;
}

/**
 * How a user writes `relation` in a `'schema.name'` string: each part bare when it reads back as itself
 * (`parseQualifiedName` inverts it), else quoted. For messages.
 *
 * @example writtenName({ schema: 'Reports', name: 'big "spenders"' }) === '"Reports"."big ""spenders"""'
 */
export function writtenName(relation: QualifiedName): string {
  const part = (p: string) => (/^[a-z_\u0080-\uffff][a-z0-9_$\u0080-\uffff]*$/.test(p) ? p : quoteIdentifier(p));
  return `${part(relation.schema)}.${part(relation.name)}`;
}

/** A stable map key for a relation (not SQL). */
export function relationKey(relation: QualifiedName): string {
  return JSON.stringify([relation.schema, relation.name]);
}
