// refreshMaterializedView / refreshAllMaterializedViews. The rules for CONCURRENTLY and WITH NO DATA are
// decided here, once, before any statement runs; the limits (a view's declaration, overridden by the call)
// too. Every refresh is recorded in the state table (one-refresh.ts), which a first refresh creates.
import type { DataSource, EntitySchema } from 'typeorm';
import { STATE_TABLE_ACCESS_QUERY, type AccessRow } from '../catalog/auto-refresh-queries';
import { REFRESH_INFO_QUERY, DEPENDENCIES_QUERY } from '../catalog/queries';
import { STATE_TABLE_NAME, stateSequenceOf } from '../ddl/auto-refresh';
import { displayName, qualifiedName, relationKey, type QualifiedName } from '../ddl/identifiers';
import { RefreshError, ViewNotFoundError } from '../errors';
import { defaultSchemaOf } from '../metadata/collect';
import type { ViewDefinition } from '../metadata/definition';
import { ensureStateTable } from './auto/coordinator';
import { refreshOne } from './one-refresh';
import { nameOfKey, RelationGraph } from '../catalog/graph';
import { toEdge } from '../catalog/reader';
import { collectViews } from '../metadata/collect';
import { resolveTarget } from '../metadata/resolve-target';
import { isEntitySchema, schemaLabel, viewArgsOfSchema } from '../metadata/entity-schema';
import { viewArgsOf } from '../metadata/store';
import { dataSourceOf, withQueryRunner, type Target } from '../db/target';
import type { QueryRunner } from 'typeorm';

/**
 * How to refresh. `concurrently: true` needs a populated view and a unique index on plain columns with no
 * WHERE (else: an error before anything runs; on an unpopulated view a plain refresh runs instead and the
 * result says so). `'auto'`: concurrent when possible, plain otherwise. `withData: false` empties the view
 * (`WITH NO DATA`) and cannot be combined with `concurrently`.
 */
export type RefreshOptions = (
  | {
      /** Plain `REFRESH MATERIALIZED VIEW` (the default): readers wait for it. */
      concurrently?: false;
      /** `false`: `WITH NO DATA` (the view is emptied and unpopulated). Default: `true`. */
      withData?: boolean;
      /** Then refresh the materialized views that read it, in dependency order. Default: `false`. */
      cascade?: boolean;
    }
  | {
      /** `CONCURRENTLY` (readers are not blocked; needs a unique index), or `'auto'`: when possible. */
      concurrently: true | 'auto';
      /** A concurrent refresh always fills the view. */
      withData?: true;
      /** Then refresh the materialized views that read it, in dependency order. Default: `false`. */
      cascade?: boolean;
    }
) & {
  /**
   * `lock_timeout` of each refresh, in milliseconds (set for its transaction only): a refresh that would
   * wait longer for a lock (a long reader of a plain refresh, another refresh) gives up with a
   * `RefreshTimeoutError` and changes nothing. Default: the view's `lockTimeoutMs`, else the server's.
   */
  lockTimeoutMs?: number;
  /** `statement_timeout` of each refresh, in milliseconds, like `lockTimeoutMs`. Default: the view's, else the server's. */
  statementTimeoutMs?: number;
  /** `ANALYZE` each view after it is refreshed with data. Default: the view's `analyze` (false). */
  analyze?: boolean;
  /**
   * Called as each refresh starts and ends (after every view was checked), e.g. to show progress. A
   * failing refresh has a `start` and no `done`.
   */
  onProgress?: (event: RefreshProgress) => void;
};

/** A refresh starting (`start`) or finished (`done`, with its result): the `index`-th (from 1) of `total`. */
export type RefreshProgress =
  | {
      /** The refresh is starting. */
      readonly phase: 'start';
      /** The materialized view. */
      readonly view: QualifiedName;
      /** Its place in the run, from 1. */
      readonly index: number;
      /** How many refreshes the run has. */
      readonly total: number;
    }
  | {
      /** The refresh finished. */
      readonly phase: 'done';
      /** The materialized view. */
      readonly view: QualifiedName;
      /** Its place in the run, from 1. */
      readonly index: number;
      /** How many refreshes the run has. */
      readonly total: number;
      /** What ran. */
      readonly result: RefreshResult;
    };

/** One refresh that ran. */
export interface RefreshResult {
  /** The materialized view refreshed. */
  readonly view: QualifiedName;
  /** Whether CONCURRENTLY was used. */
  readonly concurrently: boolean;
  /** Whether it was filled (`false`: `WITH NO DATA`). */
  readonly withData: boolean;
  /** How long the statement took, in milliseconds. */
  readonly durationMs: number;
  /** Whether `ANALYZE` ran after it. */
  readonly analyzed: boolean;
  /**
   * Whether it was recorded in the state table (read by getFreshness). False when the table could not be
   * created or the role may not write it: the refresh still ran.
   */
  readonly recorded: boolean;
  /** Why the refresh differs from what was asked, e.g. plain because the view was not populated. */
  readonly note?: string;
}

/**
 * A view to refresh: a declared class, a `defineMaterializedView` schema, or a `'name'` / `'schema.name'` of
 * an existing materialized view.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type, @typescript-eslint/no-explicit-any
export type ViewTarget = Function | EntitySchema<any> | string;

/** @internal A view to refresh as a name, refusing plain views and classes not declared as materialized. */
export function resolveView(target: Target, view: ViewTarget): QualifiedName {
  if (isEntitySchema(view)) {
    const args = viewArgsOfSchema(view);
    if (!args)
      throw new ViewNotFoundError(
        `${schemaLabel(view)} was not made by defineMaterializedView. Make it with defineMaterializedView, or pass the view's name.`,
      );
    if (args.kind !== 'materialized')
      throw new RefreshError(
        `${schemaLabel(view)} is made by definePgView, a plain view: only materialized views can be refreshed.`,
      );
  }
  if (typeof view === 'function') {
    const args = viewArgsOf(view);
    if (!args)
      throw new ViewNotFoundError(
        `class ${view.name} is not declared with @MaterializedView. Decorate it, or pass the view's name.`,
      );
    if (args.kind !== 'materialized')
      throw new RefreshError(
        `class ${view.name} is declared with @PgView, a plain view: only materialized views can be refreshed.`,
      );
  }
  return resolveTarget(dataSourceOf(target), view, { error: ViewNotFoundError });
}

interface RefreshPlan {
  view: QualifiedName;
  concurrently: boolean;
  withData: boolean;
  note?: string;
}

/** How the coordinator runs a refresh: in its transaction, under the view's lock, recording in its table. */
interface Coordinated {
  /** The state table, or undefined: not recorded. */
  readonly stateTable: QualifiedName | undefined;
}

async function decide(
  query: (sql: string, p?: unknown[]) => Promise<unknown>,
  view: QualifiedName,
  options: RefreshOptions,
): Promise<RefreshPlan> {
  const withData = options.withData ?? true;
  if (options.concurrently && !withData)
    throw new RefreshError(
      `Cannot refresh ${displayName(view)} CONCURRENTLY WITH NO DATA: PostgreSQL does not allow it. Use one or the other.`,
    );
  const [info] = (await query(REFRESH_INFO_QUERY, [view.schema, view.name])) as {
    kind: string;
    populated: boolean;
    has_unique_index: boolean;
  }[];
  if (!info)
    throw new ViewNotFoundError(
      `Materialized view ${displayName(view)} does not exist. Run syncViews (or your migrations) first, or check the name.`,
    );
  if (info.kind !== 'm')
    throw new RefreshError(
      `${displayName(view)} is not a materialized view (relkind ${info.kind}): only materialized views can be refreshed.`,
    );
  if (!options.concurrently) return { view, concurrently: false, withData };
  if (!info.populated)
    return {
      view,
      concurrently: false,
      withData,
      note: 'not populated yet: CONCURRENTLY is not allowed there, so a plain refresh ran',
    };
  if (!info.has_unique_index) {
    if (options.concurrently === 'auto')
      return { view, concurrently: false, withData, note: 'no usable unique index: a plain refresh ran' };
    throw new RefreshError(
      `Cannot refresh ${displayName(view)} CONCURRENTLY: it needs a unique index on plain columns, with no WHERE clause. Declare one (indexes: [{ columns: ['id'], unique: true }]) or refresh without concurrently.`,
    );
  }
  return { view, concurrently: true, withData };
}

/** Materialized views that read `views` (directly or through plain views), in refresh order. */
async function cascadeOrder(
  query: (sql: string) => Promise<unknown>,
  roots: readonly QualifiedName[],
): Promise<QualifiedName[]> {
  const graph = new RelationGraph(((await query(DEPENDENCIES_QUERY)) as Record<string, unknown>[]).map(toEdge));
  return graph.creationOrder(graph.withReaders(roots.map(relationKey))).map(nameOfKey);
}

const settingsCache = new WeakMap<DataSource, Map<string, ViewDefinition>>();

/** The declared materialized views of the DataSource, by relationKey (declarations do not change once built). */
function declaredViews(dataSource: DataSource): Map<string, ViewDefinition> {
  let found = settingsCache.get(dataSource);
  if (!found) {
    found = new Map(collectViews(dataSource).map((d) => [relationKey(d), d]));
    settingsCache.set(dataSource, found);
  }
  return found;
}

const creating = new WeakMap<DataSource, Promise<boolean>>();

/**
 * The state table when refreshes can be recorded there: created (or upgraded) on first need, once per
 * DataSource; undefined when it cannot be created or this role may not write it (refreshes still run).
 */
async function stateTableFor(
  dataSource: DataSource,
  query: (sql: string, p?: unknown[]) => Promise<unknown>,
): Promise<QualifiedName | undefined> {
  const table = { schema: defaultSchemaOf(dataSource), name: STATE_TABLE_NAME };
  const access = async () =>
    (
      (await query(STATE_TABLE_ACCESS_QUERY, [
        qualifiedName(table),
        qualifiedName(stateSequenceOf(table)),
      ])) as AccessRow[]
    )[0];
  let row = await access();
  if (!row?.current) {
    let attempt = creating.get(dataSource);
    if (!attempt) {
      attempt = ensureStateTable(dataSource, table).then(
        () => true,
        () => false,
      );
      creating.set(dataSource, attempt);
    }
    if (!(await attempt)) return undefined;
    row = await access();
  }
  return row?.writable ? table : undefined;
}

async function run(
  target: Target,
  plans: RefreshPlan[],
  options: RefreshOptions,
  coordinated?: Coordinated,
): Promise<RefreshResult[]> {
  const dataSource = dataSourceOf(target);
  const declared = declaredViews(dataSource);
  return withQueryRunner(target, async (queryRunner) => {
    const stateTable = coordinated
      ? coordinated.stateTable
      : await stateTableFor(dataSource, (sql, p) => queryRunner.query(sql, p));
    const results: RefreshResult[] = [];
    for (const [i, plan] of plans.entries()) {
      const position = { view: plan.view, index: i + 1, total: plans.length };
      const definition = declared.get(relationKey(plan.view));
      options.onProgress?.({ phase: 'start', ...position });
      const lockTimeoutMs = options.lockTimeoutMs ?? definition?.lockTimeoutMs;
      const statementTimeoutMs = options.statementTimeoutMs ?? definition?.statementTimeoutMs;
      const done = await refreshOne(queryRunner, dataSource, {
        view: plan.view,
        label: definition ? `${displayName(plan.view)} (${definition.source})` : displayName(plan.view),
        concurrently: plan.concurrently,
        withData: plan.withData,
        analyze: options.analyze ?? definition?.analyze ?? false,
        ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}),
        ...(statementTimeoutMs !== undefined ? { statementTimeoutMs } : {}),
        ...(stateTable ? { stateTable } : {}),
        joined: coordinated !== undefined || queryRunner.isTransactionActive,
        lockHeld: coordinated !== undefined,
      });
      const result: RefreshResult = {
        view: plan.view,
        concurrently: plan.concurrently,
        withData: plan.withData,
        durationMs: done.durationMs,
        analyzed: done.analyzed,
        recorded: stateTable !== undefined,
        ...(plan.note ? { note: plan.note } : {}),
      };
      results.push(result);
      options.onProgress?.({ phase: 'done', ...position, result });
    }
    return results;
  });
}

/** The call's limits, checked before anything runs. */
function checkLimits(options: RefreshOptions): void {
  for (const option of ['lockTimeoutMs', 'statementTimeoutMs'] as const) {
    const value = options[option];
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 1))
      throw new RefreshError(
        `Refresh option ${option} must be a whole number of milliseconds >= 1, got ${JSON.stringify(value)}. Write ${option}: 5000, or leave it out.`,
      );
  }
}

/**
 * @internal The auto-refresh coordinator's refresh: on its connection, inside its READ COMMITTED
 * transaction, with the view's advisory lock already held; recorded in `stateTable` when given. The view's
 * declared limits and `analyze` apply.
 */
export async function refreshCoordinatedView(
  queryRunner: QueryRunner,
  view: QualifiedName,
  options: { concurrently: boolean | 'auto'; stateTable: QualifiedName | undefined },
): Promise<RefreshResult> {
  const refreshOptions = { concurrently: options.concurrently } as RefreshOptions;
  const [first] = await refreshMany(queryRunner, [view], refreshOptions, false, {
    stateTable: options.stateTable,
  });
  return first!;
}

/**
 * Refreshes one materialized view. With `cascade: true`, then refreshes every materialized view that
 * reads it (directly or through views), in dependency order, with the same options ('auto' concurrency
 * per view when `concurrently` is set).
 *
 * @example
 * await refreshMaterializedView(dataSource, UserStats, { concurrently: true });
 */
export async function refreshMaterializedView(
  target: Target,
  view: ViewTarget,
  options: RefreshOptions = {},
): Promise<RefreshResult> {
  const [first] = await refreshMany(target, [resolveView(target, view)], options, options.cascade === true);
  return first!;
}

/**
 * Refreshes several materialized views, those that read others after them; with `cascade: true`, then
 * every materialized view that reads one of them. Checks every view before refreshing any.
 *
 * @example
 * await refreshMaterializedViews(dataSource, [UserStats, 'reports.daily_totals'], { concurrently: 'auto' });
 */
export async function refreshMaterializedViews(
  target: Target,
  views: readonly ViewTarget[],
  options: RefreshOptions = {},
): Promise<RefreshResult[]> {
  return refreshMany(
    target,
    views.map((v) => resolveView(target, v)),
    options,
    options.cascade === true,
  );
}

/**
 * Refreshes every materialized view declared in the DataSource (listed in its entities), those that
 * read other materialized views after them. Checks every view before refreshing any.
 */
export async function refreshAllMaterializedViews(
  target: Target,
  options: RefreshOptions = {},
): Promise<RefreshResult[]> {
  const views = collectViews(dataSourceOf(target)).filter((d) => d.kind === 'materialized');
  return refreshMany(
    target,
    views.map((d) => ({ schema: d.schema, name: d.name })),
    options,
    false,
  );
}

async function refreshMany(
  target: Target,
  views: QualifiedName[],
  options: RefreshOptions,
  cascade: boolean,
  coordinated?: Coordinated,
): Promise<RefreshResult[]> {
  checkLimits(options);
  const plans = await withQueryRunner(target, async (queryRunner) => {
    const query = (sql: string, p?: unknown[]) => queryRunner.query(sql, p);
    const wanted = new Set(views.map(relationKey));
    // Ordering needs the dependency edges; one view with no cascade (every auto-refresh) does not.
    let ordered = cascade || views.length > 1 ? await cascadeOrder(query, views) : views;
    if (!cascade) ordered = ordered.filter((v) => wanted.has(relationKey(v)));
    const result: RefreshPlan[] = [];
    for (const v of ordered) {
      const isRoot = wanted.has(relationKey(v));
      if (!isRoot) {
        const [info] = (await query(REFRESH_INFO_QUERY, [v.schema, v.name])) as { kind: string }[];
        if (info?.kind !== 'm') continue; // plain views in between need no refresh
      }
      result.push(
        await decide(
          query,
          v,
          isRoot
            ? options
            : ({ ...options, ...(options.concurrently ? { concurrently: 'auto' as const } : {}) } as RefreshOptions),
        ),
      );
    }
    return result;
  });
  return run(target, plans, options, coordinated);
}
