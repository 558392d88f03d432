// Listing views and reading PostgreSQL's rendering of one: for every view in the database, declared or not.
import { displayName, type QualifiedName } from '../ddl/identifiers';
import { ViewNotFoundError } from '../errors';
import { withQueryRunner, type Target } from '../db/target';
import { VIEW_DEFINITION_QUERY } from './queries';
import { nameOf, readRelations, type RelationRef } from './relations';

/** A view or materialized view of the database. */
export interface ViewInfo extends QualifiedName {
  /** A view or a materialized view. */
  readonly kind: 'view' | 'materialized';
  /** Materialized views only: whether it holds data (false after WITH NO DATA until refreshed). */
  readonly populated?: boolean;
}

/** Options of getAllViews. */
export interface GetAllViewsOptions {
  /** Only views in this schema (exact name, not folded). Default: all user schemas. */
  schema?: string;
  /** Include materialized views. Default: true. */
  includeMaterialized?: boolean;
}

/**
 * Every view (and materialized view) in the database's user schemas, by schema then name, in one query.
 *
 * @example
 * await getAllViews(ds, { schema: 'public' });
 * // [{ schema: 'public', name: 'active_users', kind: 'view' }, { ..., kind: 'materialized', populated: true }]
 */
export async function getAllViews(target: Target, options: GetAllViewsOptions = {}): Promise<ViewInfo[]> {
  const includeMaterialized = options.includeMaterialized ?? true;
  return withQueryRunner(target, async (queryRunner) =>
    (await readRelations(queryRunner))
      .filter((r) => r.kind === 'view' || (includeMaterialized && r.kind === 'materialized'))
      .filter((r) => options.schema === undefined || r.schema === options.schema)
      .map((r) =>
        r.kind === 'materialized'
          ? { schema: r.schema, name: r.name, kind: 'materialized' as const, populated: r.populated }
          : { schema: r.schema, name: r.name, kind: 'view' as const },
      ),
  );
}

/**
 * PostgreSQL's rendering of a view's query (`pg_get_viewdef`): what the database runs, which differs in
 * layout from the declared text and between PostgreSQL majors.
 *
 * @example
 * const sql = await getViewDefinition(ds, 'public.user_stats'); // " SELECT u.id AS user_id, ..."
 */
export async function getViewDefinition(target: Target, view: RelationRef): Promise<string> {
  return withQueryRunner(target, async (queryRunner) => {
    const name = nameOf(queryRunner, view);
    const [row] = (await queryRunner.query(VIEW_DEFINITION_QUERY, [name.schema, name.name])) as {
      kind: string;
      definition: string | null;
    }[];
    if (!row)
      throw new ViewNotFoundError(
        `View ${displayName(name)} does not exist. Check the schema and the name (a name with capitals or spaces must be quoted: '"MyView"', or pass { schema, name }).`,
      );
    if (row.definition === null)
      throw new ViewNotFoundError(`${displayName(name)} is not a view or materialized view. Pass a view's name.`);
    return row.definition;
  });
}
