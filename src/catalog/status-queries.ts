// Catalog SQL of getStatus: what each view is in the database (size, rows, indexes), and when the
// auto-refresh engine last refreshed it. The refresh-state table belongs to the auto-refresh engine and
// changes with it: it is read in exactly one place, readLastRefreshes, which tolerates it being absent.
import { qualifiedName, relationKey, type QualifiedName } from '../ddl/identifiers';
import type { Queryable } from './reader';

// The same schema filter as the other catalog queries: user schemas only.
const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;

/**
 * Every view and materialized view in user schemas, one row each: `schema`, `name`, `kind` (relkind),
 * `populated`, `reltuples` (-1 or 0 until the relation is analyzed), `size` (pg_total_relation_size, a
 * bigint as text) and `indexes` (a json array of `name`, `unique`, `definition`).
 */
export const VIEW_STATUS_QUERY = `
SELECT n.nspname AS schema,
       c.relname AS name,
       c.relkind::text AS kind,
       c.relispopulated AS populated,
       c.reltuples::float8 AS reltuples,
       pg_total_relation_size(c.oid)::text AS size,
       coalesce((SELECT json_agg(json_build_object('name', ic.relname,
                                                   'unique', i.indisunique,
                                                   'definition', pg_get_indexdef(i.indexrelid))
                                 ORDER BY ic.relname)
                   FROM pg_index i
                   JOIN pg_class ic ON ic.oid = i.indexrelid     -- the index's own relation, for its name
                  WHERE i.indrelid = c.oid), '[]'::json) AS indexes
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace                  -- the view's schema
 WHERE c.relkind IN ('v', 'm') AND ${USER_SCHEMAS}
 ORDER BY n.nspname, c.relname`;

/** A row of VIEW_STATUS_QUERY. */
export interface ViewStatusRow {
  schema: string;
  name: string;
  kind: string;
  populated: boolean;
  reltuples: number;
  size: string;
  indexes: { name: string; unique: boolean; definition: string }[] | string;
}

/** When the auto-refresh engine last began refreshing a view, and how long it took when recorded. */
export interface LastRefresh {
  /** ISO 8601, server clock. */
  readonly startedAt: string;
  /** Not recorded by the engine's state table today: always null. */
  readonly durationMs: number | null;
}

/**
 * The last auto-refresh of each view, by `relationKey`, from the engine's state table `table`. An absent
 * table (auto-refresh never coordinated a refresh here) gives an empty map; so does one whose columns are
 * not those expected.
 */
export async function readLastRefreshes(db: Queryable, table: QualifiedName): Promise<Map<string, LastRefresh>> {
  const found = new Map<string, LastRefresh>();
  const [exists] = (await db.query('SELECT to_regclass($1) IS NOT NULL AS present', [qualifiedName(table)])) as {
    present: boolean;
  }[];
  if (!exists?.present) return found;
  let rows: { view_schema: string; view_name: string; started_at: string }[];
  try {
    rows = (await db.query(
      `SELECT view_schema::text, view_name::text, to_json(started_at)#>>'{}' AS started_at FROM ${qualifiedName(table)}`,
    )) as typeof rows;
  } catch {
    // Another layout of the table (a newer or older engine): unknown, not an error. Outside a transaction
    // (getStatus reads on a connection of its own), so the failed statement costs nothing else.
    return found;
  }
  for (const r of rows)
    found.set(relationKey({ schema: r.view_schema, name: r.view_name }), {
      startedAt: new Date(r.started_at).toISOString(),
      durationMs: null,
    });
  return found;
}
