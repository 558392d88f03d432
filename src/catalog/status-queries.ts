// Catalog SQL of getStatus and getFreshness: what each view is in the database (size, rows, indexes), and
// its recorded refreshes. The state table is written by every refresh (src/refresh/one-refresh.ts) and
// read in exactly one place, readRefreshStates, which tolerates it being absent or of an older layout.
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

/**
 * Every materialized view in user schemas, one row each: `schema`, `name`, `populated` (getFreshness: no
 * sizes or indexes, so it stays cheap).
 */
export const MATVIEW_POPULATED_QUERY = `
SELECT n.nspname AS schema, c.relname AS name, c.relispopulated AS populated
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace                  -- the view's schema
 WHERE c.relkind = 'm' AND ${USER_SCHEMAS}`;

/** A row of MATVIEW_POPULATED_QUERY. */
export interface PopulatedRow {
  schema: string;
  name: string;
  populated: boolean;
}

/** The last successful refresh of a view, as recorded in the state table (manual and automatic alike). */
export interface LastRefresh {
  /** When it began, ISO 8601, server clock: the view holds every change committed before this. */
  readonly startedAt: string;
  /** How long its REFRESH statement took, in milliseconds; null when an older version recorded it. */
  readonly durationMs: number | null;
  /** How it ran: `plain`, `concurrent`, or `no-data` (WITH NO DATA); null when an older version recorded it. */
  readonly method: 'plain' | 'concurrent' | 'no-data' | null;
  /** The process that ran it, `host:pid`; null when an older version recorded it. */
  readonly by: string | null;
  /** The `application_name` of its connection, or null when unset. */
  readonly applicationName: string | null;
}

/** The last refresh of a view that failed since its last successful one. */
export interface RefreshFailure {
  /** The error's message. */
  readonly message: string;
  /** When it failed, ISO 8601, server clock. */
  readonly at: string;
}

/** What the state table says of one view. */
export interface RefreshState {
  readonly lastRefresh: LastRefresh | null;
  readonly lastError: RefreshFailure | null;
}

/** The state table's rows, by `relationKey`, and the server's clock when they were read (ms since the epoch). */
export interface RefreshStates {
  readonly views: ReadonlyMap<string, RefreshState>;
  readonly serverNow: number;
}

/**
 * Reads the state table `table` once: each row as json (so a table of an older layout, lacking the newer
 * columns, reads as nulls), and the server's clock. One row per recorded view.
 */
const STATE_ROWS_QUERY = (table: QualifiedName) => `
SELECT to_jsonb(s) AS state, (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS server_now
  FROM ${qualifiedName(table)} s
 UNION ALL
SELECT NULL, (extract(epoch FROM clock_timestamp()) * 1000)::float8`;

interface StateJson {
  view_schema: string;
  view_name: string;
  started_at?: string | null;
  duration_ms?: number | null;
  method?: LastRefresh['method'];
  refreshed_by?: string | null;
  application_name?: string | null;
  last_error?: string | null;
  last_error_at?: string | null;
}

const iso = (text: string) => new Date(text).toISOString();

/**
 * Every view's recorded refreshes (getStatus and getFreshness), from the state table `table`. An absent
 * table (nothing was ever recorded here) gives an empty map.
 */
export async function readRefreshStates(db: Queryable, table: QualifiedName): Promise<RefreshStates> {
  const views = new Map<string, RefreshState>();
  const [exists] = (await db.query('SELECT to_regclass($1) IS NOT NULL AS present', [qualifiedName(table)])) as {
    present: boolean;
  }[];
  if (!exists?.present) return { views, serverNow: Date.now() };
  const rows = (await db.query(STATE_ROWS_QUERY(table))) as { state: StateJson | string | null; server_now: number }[];
  let serverNow = Date.now();
  for (const row of rows) {
    serverNow = Number(row.server_now);
    if (row.state === null) continue;
    const r = typeof row.state === 'string' ? (JSON.parse(row.state) as StateJson) : row.state;
    views.set(relationKey({ schema: r.view_schema, name: r.view_name }), {
      lastRefresh: r.started_at
        ? {
            startedAt: iso(r.started_at),
            durationMs: r.duration_ms ?? null,
            method: r.method ?? null,
            by: r.refreshed_by ?? null,
            applicationName: r.application_name ?? null,
          }
        : null,
      lastError: r.last_error ? { message: r.last_error, at: iso(r.last_error_at ?? r.started_at!) } : null,
    });
  }
  return { views, serverNow };
}
