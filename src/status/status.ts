// getStatus: every view and materialized view of the database (and every declared one that is missing),
// with what the catalog says of it and whether it matches its declaration. Drift comes from checkDrift,
// so `status` and `check` cannot disagree.
import { INSTALLED_TRIGGERS_QUERY, type TableRow } from '../catalog/auto-refresh-queries';
import { AUTO_REFRESH_TRIGGER_NAME } from '../catalog/queries';
import { readRefreshStates, VIEW_STATUS_QUERY, type LastRefresh, type ViewStatusRow } from '../catalog/status-queries';
import { freshnessOf, stateTableOf, type Freshness } from '../freshness/freshness';
import { relationKey, type QualifiedName } from '../ddl/identifiers';
import { dataSourceOf, withQueryRunner, type Target } from '../db/target';
import { collectViews } from '../metadata/collect';
import type { ViewKind } from '../metadata/definition';
import { loadWatchGraph } from '../refresh/auto/graph';
import { checkDrift, type DriftItem, type DriftKind } from './drift';

export type { LastRefresh, RefreshFailure } from '../catalog/status-queries';

/** An index of a materialized view. */
export interface ViewStatusIndex {
  /** The index name. */
  readonly name: string;
  /** A UNIQUE index. */
  readonly unique: boolean;
  /** `CREATE [UNIQUE] INDEX ...` as PostgreSQL renders it (pg_get_indexdef). */
  readonly definition: string;
}

/** A table an auto-refreshed view watches, and whether it carries the auto-refresh trigger. */
export interface WatchedTable extends QualifiedName {
  /** Whether the table carries the auto-refresh trigger (the `triggers` source hears it). */
  readonly trigger: boolean;
}

/**
 * One view's status. The shape of `typeorm-pgview status --json` (whose top level is
 * `{ "version": 1, "views": ViewStatus[] }`): fields are only ever added, never renamed or removed, within a
 * version.
 */
export interface ViewStatus extends QualifiedName {
  /** A view or a materialized view. */
  readonly kind: ViewKind;
  /** Whether it exists in the database (false: declared, not created yet). */
  readonly exists: boolean;
  /** Declared in the DataSource and kept in sync by typeorm-pgview (not `synchronize: false`). */
  readonly managed: boolean;
  /** Where it is declared (`class UserStats`), or null when it is not declared. */
  readonly declaredBy: string | null;
  /**
   * `in-sync`: managed and matching its declaration; `drifted`: syncViews would change it (see `drift`);
   * `unmanaged`: not declared (or `synchronize: false`) and nothing would touch it.
   */
  readonly state: 'in-sync' | 'drifted' | 'unmanaged';
  /** What syncViews would do to it, and why; empty unless drifted. */
  readonly drift: readonly {
    /** What syncViews would do (its step's action). */
    readonly what: DriftKind;
    /** Why, e.g. `its query changed`. */
    readonly detail: string;
  }[];
  /** Materialized views: whether it holds data. Null for plain views and missing ones. */
  readonly populated: boolean | null;
  /** pg_class.reltuples of a materialized view; null for plain views and before its first ANALYZE. */
  readonly rowEstimate: number | null;
  /** pg_total_relation_size in bytes (indexes included); null when missing. */
  readonly sizeBytes: number | null;
  /** Its indexes (materialized views; plain views have none). */
  readonly indexes: readonly ViewStatusIndex[];
  /** The last successful refresh recorded (manual or automatic), or null when unknown. */
  readonly lastRefresh: LastRefresh | null;
  /** Materialized views: how fresh it is (as getFreshness tells it; `lastRefresh` is the same). Null for plain views. */
  readonly freshness: Freshness | null;
  /** Declared auto-refresh, with the tables it watches; null when not auto-refreshed. */
  readonly autoRefresh: {
    /** As declared: quiet time before a refresh, in milliseconds. */
    readonly debounceMs: number;
    /** As declared: the longest a change waits for its refresh, in milliseconds. */
    readonly maxWaitMs: number;
    /** As declared: how it is refreshed. */
    readonly concurrently: boolean | 'auto';
    /** Found through the catalog: empty while the view does not exist. */
    readonly watches: readonly WatchedTable[];
  } | null;
}

/** Options of getStatus. */
export interface StatusOptions {
  /** Only views in this schema (exact name). Default: every user schema. */
  schema?: string;
}

function indexesOf(row: ViewStatusRow): ViewStatusIndex[] {
  const list = typeof row.indexes === 'string' ? (JSON.parse(row.indexes) as ViewStatusRow['indexes']) : row.indexes;
  return (list as Exclude<ViewStatusRow['indexes'], string>).map((i) => ({
    name: i.name,
    unique: i.unique,
    definition: i.definition,
  }));
}

/**
 * The status of every view and materialized view in the database's user schemas, declared or not, and
 * of every declared view that does not exist yet; by schema, then name. Changes nothing (the drift is a
 * syncViews dry run, rolled back).
 *
 * @example
 * for (const v of await getStatus(dataSource, { schema: 'public' }))
 *   console.log(v.name, v.state, v.drift.map((d) => d.detail));
 * // user_stats drifted [ 'materialized view public.user_stats: replace because its query changed' ]
 */
export async function getStatus(target: Target, options: StatusOptions = {}): Promise<ViewStatus[]> {
  const dataSource = dataSourceOf(target);
  const definitions = collectViews(dataSource);
  const drift = await checkDrift(target);
  const driftOf = new Map<string, DriftItem[]>();
  for (const d of drift)
    if (d.relation && d.relation.kind !== 'table') {
      const key = relationKey(d.relation);
      driftOf.set(key, [...(driftOf.get(key) ?? []), d]);
    }
  const { rows, refreshes, triggers, watches } = await withQueryRunner(target, async (queryRunner) => {
    const query = (sql: string, p?: unknown[]) => queryRunner.query(sql, p);
    return {
      rows: (await query(VIEW_STATUS_QUERY)) as ViewStatusRow[],
      refreshes: await readRefreshStates(queryRunner, stateTableOf(dataSource)),
      triggers: new Set(
        ((await query(INSTALLED_TRIGGERS_QUERY, [AUTO_REFRESH_TRIGGER_NAME])) as TableRow[]).map(relationKey),
      ),
      watches: definitions.some((d) => d.autoRefresh)
        ? (await loadWatchGraph(query, definitions)).tablesByView
        : new Map(),
    };
  });
  const declared = new Map(definitions.map((d) => [relationKey(d), d]));
  const existing = new Map(rows.map((r) => [relationKey(r), r]));
  const keys = [...new Set([...existing.keys(), ...declared.keys()])];
  const statuses = keys.map((key): ViewStatus => {
    const row = existing.get(key);
    const d = declared.get(key);
    const items = driftOf.get(key) ?? [];
    const kind: ViewKind = row ? (row.kind === 'm' ? 'materialized' : 'view') : d!.kind;
    const materialized = kind === 'materialized';
    const reltuples = row ? Number(row.reltuples) : -1;
    const auto = d?.kind === 'materialized' ? d.autoRefresh : undefined;
    return {
      schema: row?.schema ?? d!.schema,
      name: row?.name ?? d!.name,
      kind,
      exists: row !== undefined,
      managed: d?.synchronize === true,
      declaredBy: d?.source ?? null,
      state: items.length > 0 ? 'drifted' : d?.synchronize ? 'in-sync' : 'unmanaged',
      drift: items.map((i) => ({ what: i.what, detail: i.detail })),
      populated: row && materialized ? row.populated === true : null,
      rowEstimate: row && materialized && reltuples > 0 ? reltuples : null,
      sizeBytes: row ? Number(row.size) : null,
      indexes: row ? indexesOf(row) : [],
      lastRefresh: refreshes.views.get(key)?.lastRefresh ?? null,
      freshness: materialized
        ? freshnessOf(
            dataSource,
            { schema: row?.schema ?? d!.schema, name: row?.name ?? d!.name },
            {
              populated: row ? row.populated === true : null,
              state: refreshes.views.get(key),
              serverNow: refreshes.serverNow,
              definition: d,
            },
          )
        : null,
      autoRefresh: auto
        ? {
            debounceMs: auto.debounceMs,
            maxWaitMs: auto.maxWaitMs,
            concurrently: auto.concurrently,
            watches: ((watches.get(key) ?? []) as QualifiedName[]).map((t) => ({
              schema: t.schema,
              name: t.name,
              trigger: triggers.has(relationKey(t)),
            })),
          }
        : null,
    };
  });
  return statuses
    .filter((s) => options.schema === undefined || s.schema === options.schema)
    .sort((a, b) =>
      a.schema < b.schema ? -1 : a.schema > b.schema ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
}
