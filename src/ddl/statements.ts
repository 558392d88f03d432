// Pure SQL generation: a definition in, statement text out. No I/O. Every name goes through
// quoteIdentifier / qualifiedName; the user's query and index predicates are embedded as written. The
// options' clauses come from their descriptors (src/options/view-options.ts), for declarations and for
// views restored from the catalog alike.
import type { CatalogView } from '../catalog/reader';
import type { CreateClauses } from '../options/descriptor';
import { declaredValue, optionsOf } from '../options/view-options';
import type { IndexDefinition, ViewDefinition, ViewKind } from '../metadata/definition';
import { objectKeyword, tablespaceClause, withClause } from './clauses';
import { qualifiedName, quoteIdentifier, type QualifiedName } from './identifiers';
import { closeLineComment } from './sql-text';

export { commentSql } from './clauses';

function columnList(columns: readonly string[] | undefined): string {
  return columns ? ` (${columns.map(quoteIdentifier).join(', ')})` : '';
}

/** What CREATE needs besides the options: from a declaration, or from the catalog for a restore. */
export interface ViewShape extends QualifiedName {
  readonly kind: ViewKind;
  readonly columns?: readonly string[];
  readonly recursive?: boolean;
  /** The query as SQL text. */
  readonly query: string;
}

/** The clauses the options of a declaration write. */
export function declaredClauses(view: ViewDefinition): CreateClauses[] {
  return optionsOf(view.kind).map((o) => o.render(declaredValue(o, view)));
}

/** The clauses the options of a view in the catalog write (to restore it exactly). */
export function catalogClauses(view: CatalogView): CreateClauses[] {
  return optionsOf(view.kind).map((o) => o.render(o.catalog(view)));
}

/**
 * `CREATE [OR REPLACE] [RECURSIVE] VIEW` or `CREATE MATERIALIZED VIEW ... WITH [NO] DATA`, with the
 * options' clauses in place. `orReplace` applies to plain views only.
 */
export function createSql(
  shape: ViewShape,
  clauses: readonly CreateClauses[],
  options: { orReplace?: boolean; withData: boolean },
): string {
  const items = clauses.flatMap((c) => c.with ?? []);
  const tablespace = clauses.find((c) => c.tablespace)?.tablespace;
  const trailer = clauses.map((c) => c.trailer ?? '').join('');
  const name = `${qualifiedName(shape)}${columnList(shape.columns)}`;
  // A query ending in a -- comment would swallow WITH DATA or the check option written after it.
  const query = closeLineComment(shape.query);
  if (shape.kind === 'materialized')
    return `CREATE MATERIALIZED VIEW ${name}${withClause(items)}${tablespaceClause(tablespace)} AS ${query}${options.withData ? ' WITH DATA' : ' WITH NO DATA'}`;
  return `CREATE ${options.orReplace ? 'OR REPLACE ' : ''}${shape.recursive ? 'RECURSIVE ' : ''}VIEW ${name}${withClause(items)} AS ${query}${trailer}`;
}

/** The statements the options write after CREATE (comments). */
export function afterCreate(view: QualifiedName & { kind: ViewKind }, clauses: readonly CreateClauses[]): string[] {
  return clauses.flatMap((c) => c.after?.(view) ?? []);
}

/** CREATE for a declaration. `orReplace` applies to plain views only. */
export function createViewSql(view: ViewDefinition, options: { orReplace?: boolean; withData?: boolean } = {}): string {
  return createSql({ ...view, query: view.sql }, declaredClauses(view), {
    ...options,
    withData: options.withData ?? view.withData,
  });
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

/** `REFRESH MATERIALIZED VIEW [CONCURRENTLY] ... [WITH NO DATA]`; callers enforce the combination rules. */
export function refreshSql(view: QualifiedName, options: { concurrently?: boolean; withData?: boolean } = {}): string {
  return `REFRESH MATERIALIZED VIEW ${options.concurrently ? 'CONCURRENTLY ' : ''}${qualifiedName(view)}${options.withData === false ? ' WITH NO DATA' : ''}`;
}

/** All the statements that create a view from nothing: the view, its indexes, its comment. */
export function createViewStatements(view: ViewDefinition, options: { withData?: boolean } = {}): string[] {
  const statements = [createViewSql(view, options)];
  if (view.kind === 'materialized') statements.push(...view.indexes.map((index) => createIndexSql(view, index)));
  statements.push(...afterCreate(view, declaredClauses(view)));
  return statements;
}

/**
 * A throwaway session-local view with `view`'s query and columns, for PostgreSQL to render.
 *
 * A recursive view is written as what `CREATE RECURSIVE VIEW` stands for (PostgreSQL's grammar builds the
 * same tree): `WITH RECURSIVE name (cols) AS (query) SELECT cols FROM name`, with the CTE under the view's
 * own unqualified name. The query's references to itself then mean what they mean in the real view, and
 * pg_get_viewdef, which never shows the view's own name, renders the probe exactly as the real view
 * without renaming anything in the query. (A probe named like the view in pg_temp would render the same,
 * but would hide the real view from the other probes of the batch, which may read it.)
 *
 * @example
 * probeViewSql('p_0', nums) // CREATE TEMP VIEW "p_0" ("n") AS WITH RECURSIVE "nums" ("n") AS (VALUES (1) UNION ALL SELECT n + 1 FROM nums WHERE n < 5) SELECT "n" FROM "nums"
 */
export function probeViewSql(probeName: string, view: ViewDefinition): string {
  const columns = columnList(view.columns);
  const query =
    view.kind === 'view' && view.recursive && view.columns
      ? `WITH RECURSIVE ${quoteIdentifier(view.name)}${columns} AS (${closeLineComment(view.sql)}) SELECT ${view.columns.map(quoteIdentifier).join(', ')} FROM ${quoteIdentifier(view.name)}`
      : view.sql;
  return `CREATE TEMP VIEW ${quoteIdentifier(probeName)}${columns} AS ${query}`;
}
