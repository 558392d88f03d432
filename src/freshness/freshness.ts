// getFreshness: how fresh each materialized view is. The figures come from the state table every refresh
// writes (readRefreshStates, read once per call), `populated` from the catalog, `stale` from this process's
// running auto-refresh (which knows the changes it has not refreshed yet), and the staleness bound from
// the declaration. getStatus shows the same figures (freshnessOf).
import type { DataSource } from 'typeorm';
import {
  MATVIEW_POPULATED_QUERY,
  readRefreshStates,
  type LastRefresh,
  type PopulatedRow,
  type RefreshFailure,
  type RefreshState,
} from '../catalog/status-queries';
import { STATE_TABLE_NAME } from '../ddl/auto-refresh';
import { displayName, relationKey, type QualifiedName } from '../ddl/identifiers';
import { dataSourceOf, withQueryRunner, type Target } from '../db/target';
import { ViewNotFoundError } from '../errors';
import { collectViews, defaultSchemaOf } from '../metadata/collect';
import type { ViewDefinition } from '../metadata/definition';
import { runningAutoRefresh } from '../refresh/auto/registry';
import { resolveView, type ViewTarget } from '../refresh/refresh';

/** How fresh a materialized view's data is: what its last refresh recorded, and what is known since. */
export interface Freshness {
  /** The last successful refresh (manual or automatic), or null when none was recorded. */
  readonly lastRefresh: LastRefresh | null;
  /** The last refresh that failed since that one, or null. */
  readonly lastError: RefreshFailure | null;
  /**
   * How old the data may be: the server's clock now minus `lastRefresh.startedAt`, in milliseconds; null
   * when no refresh was recorded.
   */
  readonly ageMs: number | null;
  /**
   * Whether changes were committed to what the view reads since its last refresh started, as the
   * auto-refresh running in this process knows; undefined when none running here covers the view.
   */
  readonly stale: boolean | undefined;
  /** While stale: when the oldest of those changes was seen (ISO 8601, this process's clock). */
  readonly staleSince: string | null | undefined;
  /** The declared `maxStalenessMs`, or null. */
  readonly maxStalenessMs: number | null;
  /**
   * Whether the bound is broken: not populated; stale for longer than `maxStalenessMs` (when auto-refresh
   * knows), else (when it cannot tell) `ageMs` beyond it. Undefined when that cannot be told (no refresh
   * recorded and no auto-refresh here); false without `maxStalenessMs`.
   */
  readonly breached: boolean | undefined;
}

/** One materialized view's freshness (getFreshness). */
export interface ViewFreshness extends QualifiedName, Freshness {
  /** Where it is declared (`class UserStats`), or null when it is not declared. */
  readonly declaredBy: string | null;
  /** Whether it exists in the database. */
  readonly exists: boolean;
  /** Whether it holds data (false: created or refreshed WITH NO DATA); null when it does not exist. */
  readonly populated: boolean | null;
}

/** @internal The figures of one view, from one reading of the state table (getFreshness and getStatus). */
export function freshnessOf(
  dataSource: DataSource,
  view: QualifiedName,
  facts: {
    populated: boolean | null;
    state: RefreshState | undefined;
    serverNow: number;
    definition: ViewDefinition | undefined;
  },
): Freshness {
  const lastRefresh = facts.state?.lastRefresh ?? null;
  const ageMs = lastRefresh ? Math.max(0, facts.serverNow - Date.parse(lastRefresh.startedAt)) : null;
  const engine = runningAutoRefresh(dataSource);
  const since = engine && !engine.stopped ? engine.pendingSince(view) : undefined;
  const max = facts.definition?.maxStalenessMs ?? null;
  let breached: boolean | undefined = false;
  if (max !== null) {
    if (facts.populated !== true) breached = true;
    else if (since !== undefined) breached = since !== null && Date.now() - since.getTime() > max;
    else breached = ageMs === null ? undefined : ageMs > max;
  }
  return {
    lastRefresh,
    lastError: facts.state?.lastError ?? null,
    ageMs,
    stale: since === undefined ? undefined : since !== null,
    staleSince: since === undefined ? undefined : since === null ? null : since.toISOString(),
    maxStalenessMs: max,
    breached,
  };
}

/** @internal The state table every refresh writes, beside the DataSource's default schema. */
export function stateTableOf(dataSource: DataSource): QualifiedName {
  return { schema: defaultSchemaOf(dataSource), name: STATE_TABLE_NAME };
}

/**
 * How fresh one materialized view is (a declared class, a `defineMaterializedView` schema, or
 * `'schema.name'`), or, without `view`, every materialized view declared in the DataSource (by schema,
 * then name). Reads the state table every refresh writes, the catalog, and this process's auto-refresh;
 * changes nothing.
 *
 * @example
 * const f = await getFreshness(dataSource, UserStats);
 * if (f.breached) console.warn(`user_stats is ${f.ageMs} ms old`, f.lastError?.message);
 */
export function getFreshness(target: Target, view: ViewTarget): Promise<ViewFreshness>;
export function getFreshness(target: Target): Promise<ViewFreshness[]>;
export async function getFreshness(target: Target, view?: ViewTarget): Promise<ViewFreshness | ViewFreshness[]> {
  const dataSource = dataSourceOf(target);
  const definitions = new Map(
    collectViews(dataSource)
      .filter((d) => d.kind === 'materialized')
      .map((d) => [relationKey(d), d]),
  );
  const wanted = view === undefined ? undefined : resolveView(target, view);
  const { rows, states } = await withQueryRunner(target, async (queryRunner) => ({
    rows: (await queryRunner.query(MATVIEW_POPULATED_QUERY)) as PopulatedRow[],
    states: await readRefreshStates(queryRunner, stateTableOf(dataSource)),
  }));
  const existing = new Map(rows.map((r) => [relationKey(r), r]));
  const one = (name: QualifiedName): ViewFreshness => {
    const key = relationKey(name);
    const row = existing.get(key);
    const definition = definitions.get(key);
    return {
      schema: name.schema,
      name: name.name,
      declaredBy: definition?.source ?? null,
      exists: row !== undefined,
      populated: row ? row.populated === true : null,
      ...freshnessOf(dataSource, name, {
        populated: row ? row.populated === true : null,
        state: states.views.get(key),
        serverNow: states.serverNow,
        definition,
      }),
    };
  };
  if (wanted) {
    if (!existing.has(relationKey(wanted)) && !definitions.has(relationKey(wanted)))
      throw new ViewNotFoundError(
        `getFreshness: ${displayName(wanted)} is neither a materialized view in the database nor declared with @MaterializedView in this DataSource. Check the name, or run syncViews (or your migrations) first.`,
      );
    return one(wanted);
  }
  return [...definitions.values()]
    .map((d) => one({ schema: d.schema, name: d.name }))
    .sort((a, b) => (displayName(a) < displayName(b) ? -1 : displayName(a) > displayName(b) ? 1 : 0));
}
