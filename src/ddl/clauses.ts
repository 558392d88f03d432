// SQL fragments and statements for the options of a view: reloptions (`WITH (...)`, `SET`/`RESET`),
// tablespace, check option, comment. Pure; names through quoteIdentifier / qualifiedName.
import type { ViewKind } from '../metadata/definition';
import { qualifiedName, quoteIdentifier, quoteLiteral, type QualifiedName } from './identifiers';

type Relation = QualifiedName & { readonly kind: ViewKind };

export const objectKeyword = (kind: ViewKind): string => (kind === 'materialized' ? 'MATERIALIZED VIEW' : 'VIEW');

/** A reloption name as PostgreSQL spells them (`fillfactor`, `toast.autovacuum_enabled`). */
export const RELOPTION_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

/** A reloption value written bare: a number, a boolean or a simple word. Anything else becomes a literal. */
export const BARE_VALUE = /^[A-Za-z0-9_.-]+$/;

/** `name = value`, the value bare when it is a simple word, else a string literal. */
export function reloptionItem(name: string, value: string): string {
  if (!RELOPTION_NAME.test(name))
    throw new Error(`unexpected reloption name ${JSON.stringify(name)} (expected e.g. fillfactor)`);
  return `${name} = ${BARE_VALUE.test(value) ? value : quoteLiteral(value)}`;
}

/** ` WITH (a = 1, b = x)`, or nothing for no items. */
export function withClause(items: readonly (readonly [string, string])[]): string {
  return items.length ? ` WITH (${items.map(([k, v]) => reloptionItem(k, v)).join(', ')})` : '';
}

/** ` TABLESPACE "ts"`, or nothing. */
export function tablespaceClause(tablespace: string | undefined): string {
  return tablespace ? ` TABLESPACE ${quoteIdentifier(tablespace)}` : '';
}

/** ` WITH LOCAL CHECK OPTION` / ` WITH CASCADED CHECK OPTION`, or nothing. */
export function checkOptionClause(checkOption: 'local' | 'cascaded' | undefined): string {
  return checkOption ? ` WITH ${checkOption.toUpperCase()} CHECK OPTION` : '';
}

/** `ALTER [MATERIALIZED] VIEW ... SET (a = 1, ...)`. */
export function setReloptionsSql(view: Relation, items: readonly (readonly [string, string])[]): string {
  return `ALTER ${objectKeyword(view.kind)} ${qualifiedName(view)} SET (${items.map(([k, v]) => reloptionItem(k, v)).join(', ')})`;
}

/** `ALTER [MATERIALIZED] VIEW ... RESET (a, ...)`. */
export function resetReloptionsSql(view: Relation, names: readonly string[]): string {
  for (const name of names)
    if (!RELOPTION_NAME.test(name)) throw new Error(`unexpected reloption name ${JSON.stringify(name)}`);
  return `ALTER ${objectKeyword(view.kind)} ${qualifiedName(view)} RESET (${names.join(', ')})`;
}

/** `ALTER MATERIALIZED VIEW ... SET TABLESPACE "ts"` (`pg_default` for none). */
export function setTablespaceSql(view: QualifiedName, tablespace: string | undefined): string {
  return `ALTER MATERIALIZED VIEW ${qualifiedName(view)} SET TABLESPACE ${quoteIdentifier(tablespace ?? 'pg_default')}`;
}

/** `COMMENT ON [MATERIALIZED] VIEW ... IS '...'` or `IS NULL` to remove it. */
export function commentSql(view: Relation, comment: string | undefined): string {
  return `COMMENT ON ${objectKeyword(view.kind)} ${qualifiedName(view)} IS ${comment === undefined ? 'NULL' : quoteLiteral(comment)}`;
}
