// The one place identifiers and literals become SQL text. Every schema, view, index, column and
// tablespace name in generated SQL goes through `quoteIdentifier` or `qualifiedName`.

/** A relation name with schema and name kept apart, exactly as PostgreSQL stores them (no quoting). */
export interface QualifiedName {
  readonly schema: string;
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
  if (name.includes('\0')) return 'contains a NUL character';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_IDENTIFIER_BYTES) return `is ${bytes} bytes long; PostgreSQL allows ${MAX_IDENTIFIER_BYTES}`;
  return undefined;
}

/**
 * Parses `name`, `schema.name`, `"Mixed Case".name` into its parts, applying PostgreSQL's rules: unquoted
 * parts are folded to lower case, quoted parts are kept as written with `""` read as `"`.
 * Returns undefined for text that is not one or two identifiers.
 */
export function parseQualifiedName(text: string, defaultSchema: string): QualifiedName | undefined {
  const parts: string[] = [];
  let i = 0;
  const s = text.trim();
  while (i < s.length) {
    if (s[i] === '"') {
      let part = '';
      i++;
      for (;;) {
        if (i >= s.length) return undefined;
        if (s[i] === '"') {
          if (s[i + 1] === '"') {
            part += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        part += s[i++];
      }
      parts.push(part);
    } else {
      const match = /^[^".\s]+/.exec(s.slice(i));
      if (!match) return undefined;
      parts.push(match[0].toLowerCase());
      i += match[0].length;
    }
    if (i < s.length) {
      if (s[i] !== '.') return undefined;
      i++;
      if (i >= s.length) return undefined;
    }
  }
  if (parts.length === 1) return { schema: defaultSchema, name: parts[0]! };
  if (parts.length === 2) return { schema: parts[0]!, name: parts[1]! };
  return undefined;
}

/** A stable map key for a relation (not SQL). */
export function relationKey(relation: QualifiedName): string {
  return JSON.stringify([relation.schema, relation.name]);
}

export function sameRelation(a: QualifiedName, b: QualifiedName): boolean {
  return a.schema === b.schema && a.name === b.name;
}
