// Turns a relation's ACL (relacl items such as `app=r/owner`) back into GRANT statements, so a view that
// has to be dropped and re-created keeps the privileges users granted on it.
import { qualifiedName, quoteIdentifier, type QualifiedName } from './identifiers';

const PRIVILEGES: Record<string, string> = {
  r: 'SELECT',
  a: 'INSERT',
  w: 'UPDATE',
  d: 'DELETE',
  D: 'TRUNCATE',
  x: 'REFERENCES',
  t: 'TRIGGER',
  m: 'MAINTAIN',
};

/** Parses one aclitem's text form. Grantee names may be double-quoted there. */
export function parseAclItem(
  item: string,
): { grantee: string | null; privileges: { name: string; grantOption: boolean }[] } | undefined {
  const eq = lastUnquoted(item, '=');
  if (eq < 0) return undefined;
  const grantee = unquoteRole(item.slice(0, eq));
  const rest = item.slice(eq + 1);
  const slash = lastUnquoted(rest, '/');
  const letters = slash < 0 ? rest : rest.slice(0, slash);
  const privileges: { name: string; grantOption: boolean }[] = [];
  for (let i = 0; i < letters.length; i++) {
    const name = PRIVILEGES[letters[i]!];
    if (!name) continue;
    const grantOption = letters[i + 1] === '*';
    if (grantOption) i++;
    privileges.push({ name, grantOption });
  }
  return { grantee: grantee === '' ? null : grantee, privileges };
}

function lastUnquoted(text: string, char: string): number {
  let quoted = false;
  let found = -1;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (text[i] === char && !quoted) found = i;
  }
  return found;
}

function unquoteRole(text: string): string {
  return text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1).replace(/""/g, '"') : text;
}

/** The grantor of one aclitem's text form (after the last unquoted `/`), or undefined if it has none. */
export function grantorOf(item: string): string | undefined {
  const eq = lastUnquoted(item, '=');
  const rest = item.slice(eq + 1);
  const slash = lastUnquoted(rest, '/');
  return slash < 0 ? undefined : unquoteRole(rest.slice(slash + 1));
}

/**
 * GRANT statements that give back what `acl` granted to roles other than `owner` (the owner's own
 * privileges come with ownership). `acl` null means default privileges: nothing to grant. With `column`,
 * the acl is that column's (attacl) and the grants are column-level: `GRANT SELECT ("c") ON ...`.
 */
export function grantStatements(
  relation: QualifiedName,
  acl: readonly string[] | null,
  owner: string,
  column?: string,
): string[] {
  if (!acl) return [];
  const columns = column === undefined ? '' : ` (${quoteIdentifier(column)})`;
  const statements: string[] = [];
  for (const item of acl) {
    const parsed = parseAclItem(item);
    if (!parsed || parsed.grantee === owner) continue;
    const grantee = parsed.grantee === null ? 'PUBLIC' : quoteIdentifier(parsed.grantee);
    for (const grantOption of [false, true]) {
      const names = parsed.privileges.filter((p) => p.grantOption === grantOption).map((p) => `${p.name}${columns}`);
      if (names.length)
        statements.push(
          `GRANT ${names.join(', ')} ON ${qualifiedName(relation)} TO ${grantee}${grantOption ? ' WITH GRANT OPTION' : ''}`,
        );
    }
  }
  return statements;
}

/** `ALTER [MATERIALIZED] VIEW ... OWNER TO role`. */
export function ownerSql(relation: QualifiedName & { kind: 'view' | 'materialized' }, owner: string): string {
  return `ALTER ${relation.kind === 'materialized' ? 'MATERIALIZED VIEW' : 'VIEW'} ${qualifiedName(relation)} OWNER TO ${quoteIdentifier(owner)}`;
}
