// Pure SQL generation: a definition in, statement text out. No I/O. Every name goes through
// quoteIdentifier / qualifiedName; the user's query and index predicates are embedded as written.
import type { IndexDefinition, ViewDefinition, ViewKind } from '../metadata/definition';
import { qualifiedName, quoteIdentifier, quoteLiteral, type QualifiedName } from './identifiers';

const objectKeyword = (kind: ViewKind) => (kind === 'materialized' ? 'MATERIALIZED VIEW' : 'VIEW');

function columnList(columns: readonly string[] | undefined): string {
  return columns ? ` (${columns.map(quoteIdentifier).join(', ')})` : '';
}

/** The `WITH (...)` options of a plain view, in a fixed order. */
function viewOptions(view: ViewDefinition): string[] {
  const options: string[] = [];
  if (view.securityBarrier) options.push('security_barrier = true');
  if (view.securityInvoker) options.push('security_invoker = true');
  return options;
}

/**
 * `CREATE [OR REPLACE] [RECURSIVE] VIEW` or `CREATE MATERIALIZED VIEW ... WITH [NO] DATA`.
 * `orReplace` applies to plain views only.
 */
export function createViewSql(view: ViewDefinition, options: { orReplace?: boolean; withData?: boolean } = {}): string {
  const name = qualifiedName(view);
  if (view.kind === 'materialized') {
    const params = Object.entries(view.storageParameters).map(([k, v]) => `${k} = ${v}`);
    const withData = options.withData ?? view.withData;
    return [
      `CREATE MATERIALIZED VIEW ${name}${columnList(view.columns)}`,
      params.length ? ` WITH (${params.join(', ')})` : '',
      view.tablespace ? ` TABLESPACE ${quoteIdentifier(view.tablespace)}` : '',
      ` AS ${view.sql}`,
      withData ? ' WITH DATA' : ' WITH NO DATA',
    ].join('');
  }
  const opts = viewOptions(view);
  return [
    `CREATE ${options.orReplace ? 'OR REPLACE ' : ''}${view.recursive ? 'RECURSIVE ' : ''}VIEW ${name}${columnList(view.columns)}`,
    opts.length ? ` WITH (${opts.join(', ')})` : '',
    ` AS ${view.sql}`,
    view.checkOption ? ` WITH ${view.checkOption.toUpperCase()} CHECK OPTION` : '',
  ].join('');
}

/** `DROP [MATERIALIZED] VIEW [IF EXISTS] "s"."n"` (never CASCADE: dependents are planned explicitly). */
export function dropViewSql(view: QualifiedName & { kind: ViewKind }, options: { ifExists?: boolean } = {}): string {
  return `DROP ${objectKeyword(view.kind)} ${options.ifExists ? 'IF EXISTS ' : ''}${qualifiedName(view)}`;
}

/** `CREATE [UNIQUE] INDEX "name" ON "s"."v" [USING m] ("c", ...) [WHERE ...]`. */
export function createIndexSql(view: QualifiedName, index: IndexDefinition): string {
  return [
    `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdentifier(index.name)} ON ${qualifiedName(view)}`,
    index.using !== 'btree' ? ` USING ${index.using}` : '',
    ` (${index.columns.map(quoteIdentifier).join(', ')})`,
    index.where ? ` WHERE ${index.where}` : '',
  ].join('');
}

/** `DROP INDEX "s"."name"` (an index lives in its table's schema). */
export function dropIndexSql(schema: string, indexName: string, options: { ifExists?: boolean } = {}): string {
  return `DROP INDEX ${options.ifExists ? 'IF EXISTS ' : ''}${qualifiedName({ schema, name: indexName })}`;
}

/** `COMMENT ON [MATERIALIZED] VIEW ... IS '...'` or `IS NULL` to remove it. */
export function commentSql(view: QualifiedName & { kind: ViewKind }, comment: string | undefined): string {
  return `COMMENT ON ${objectKeyword(view.kind)} ${qualifiedName(view)} IS ${comment === undefined ? 'NULL' : quoteLiteral(comment)}`;
}

/** `REFRESH MATERIALIZED VIEW [CONCURRENTLY] ... [WITH NO DATA]`; callers enforce the combination rules. */
export function refreshSql(view: QualifiedName, options: { concurrently?: boolean; withData?: boolean } = {}): string {
  return `REFRESH MATERIALIZED VIEW ${options.concurrently ? 'CONCURRENTLY ' : ''}${qualifiedName(view)}${options.withData === false ? ' WITH NO DATA' : ''}`;
}

/** `ALTER [MATERIALIZED] VIEW ... RENAME TO ...`. */
export function renameViewSql(view: QualifiedName & { kind: ViewKind }, newName: string): string {
  return `ALTER ${objectKeyword(view.kind)} ${qualifiedName(view)} RENAME TO ${quoteIdentifier(newName)}`;
}

/** All the statements that create a view from nothing: the view, its indexes, its comment. */
export function createViewStatements(view: ViewDefinition, options: { withData?: boolean } = {}): string[] {
  const statements = [createViewSql(view, options)];
  if (view.kind === 'materialized') statements.push(...view.indexes.map((index) => createIndexSql(view, index)));
  if (view.comment !== undefined) statements.push(commentSql(view, view.comment));
  return statements;
}

/** A throwaway session-local view with `view`'s query and columns, for PostgreSQL to render. */
export function probeViewSql(probeName: string, view: ViewDefinition): string {
  return `CREATE TEMP VIEW ${quoteIdentifier(probeName)}${columnList(view.columns)} AS ${view.sql}`;
}
