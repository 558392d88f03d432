// syncViews: make the database's views match the declarations, in one transaction.
import { batchSql, statementAt, undoSavepointSql } from '../ddl/transaction';
import type { DataSource, QueryRunner } from 'typeorm';
import { EXISTING_RELATIONS_QUERY, SYNC_LOCK_REGISTRY_QUERY } from '../catalog/queries';
import { readDatabaseState, type DatabaseState, type Queryable } from '../catalog/reader';
import { describeView, displayName, qualifiedName, relationKey, type QualifiedName } from '../ddl/identifiers';
import { createRegistrySql, deleteRegistrySql, upsertRegistrySql } from '../ddl/registry';
import { isPgViewError, SyncError, ViewDeclarationError } from '../errors';
import { collectViews, defaultSchemaOf } from '../metadata/collect';
import type { ViewDefinition } from '../metadata/definition';
import type { RebuildStrategy } from '../decorators/options';
import { dataSourceOf, inRolledBackTransaction, inTransaction, withQueryRunner, type Target } from '../db/target';
import { planAutoRefreshTriggers, type TriggerChanges } from '../refresh/auto/triggers';
import { checkRestored } from './restore-check';
import { planSync, viewsToProbe, type PlanStep } from '../plan/plan';
import { runProbes } from './probe';
import { registryEntries, registryOf } from './registry';

/** Options of syncViews. */
export interface SyncOptions {
  /** Compute and return the plan without changing anything. Default: false. */
  dryRun?: boolean;
  /**
   * Drop views that typeorm-pgview created earlier and that are no longer declared in this DataSource.
   * Set false when several DataSources with different entity lists share one database. Default: true.
   */
  dropUndeclared?: boolean;
  /**
   * Keep the statement-level triggers of the auto-refresh `triggers` source current: one on every table an
   * auto-refreshed view reads, none elsewhere (none removed when `dropUndeclared` is false). Default: only
   * when some table already carries one (they were installed once, e.g. by
   * `enableAutoRefresh({ source: 'triggers' })`); `true` installs them; `false` leaves them alone.
   */
  autoRefreshTriggers?: boolean;
  /**
   * How a changed materialized view that declares no `rebuild` of its own is rebuilt. `'side-by-side'`:
   * the new definition is built and indexed under a temporary name while readers keep using the old one,
   * then swapped in (readers wait only for the swap, at the end of the transaction); it needs room for
   * both copies during the build. `'in-place'`: dropped and created again (readers wait for the whole
   * build). See docs/production.md. Default: `'in-place'`.
   */
  rebuild?: RebuildStrategy;
}

/** What syncViews did (or, with `dryRun`, would do). */
export interface SyncResult {
  /** The statements run (or, with dryRun, that would run), in order, each with the reason. */
  readonly steps: readonly PlanStep[];
  /** Whether the steps were executed (false for dryRun). */
  readonly executed: boolean;
  /** Declared views that needed nothing. */
  readonly unchanged: readonly QualifiedName[];
  /** Views dropped because they were created by us and are no longer declared. */
  readonly dropped: readonly QualifiedName[];
  /** Auto-refresh triggers added and removed (see `autoRefreshTriggers`; not worked out in a dry run). */
  readonly triggers: TriggerChanges;
  /** Round trips to the database, catalog reads and probes included (BEGIN/COMMIT excluded). */
  readonly queries: number;
}

/** Counts round trips; used for the result's `queries` and by the benchmarks. */
export function counting(queryRunner: QueryRunner): Queryable & { count: number } {
  const counter = {
    count: 0,
    query(sql: string, parameters?: unknown[]) {
      counter.count++;
      return queryRunner.query(sql, parameters);
    },
  };
  return counter;
}

/** Checks that every `dependsOn` names a declared view or an existing relation. */
async function checkDependsOn(
  db: Queryable,
  definitions: readonly ViewDefinition[],
  state: DatabaseState,
): Promise<void> {
  const declared = new Set(definitions.map(relationKey));
  const unknown = definitions.flatMap((d) =>
    d.dependsOn.filter((r) => !declared.has(relationKey(r)) && !state.views.has(relationKey(r))).map((r) => ({ d, r })),
  );
  if (unknown.length === 0) return;
  const rows = (await db.query(EXISTING_RELATIONS_QUERY, [
    unknown.map((u) => u.r.schema),
    unknown.map((u) => u.r.name),
  ])) as { schema: string; name: string }[];
  const found = new Set(rows.map((r) => relationKey(r)));
  const missing = unknown.find((u) => !found.has(relationKey(u.r)));
  if (missing)
    throw new ViewDeclarationError(
      `${missing.d.source} (${describeView(missing.d)}): option \`dependsOn\` names ${displayName(missing.r)}, which is neither a declared view nor an existing relation. Declare it, list its class in the DataSource's entities, or fix the name.`,
    );
}

function explain(step: PlanStep, index: number, error: unknown): SyncError {
  const pg = error as { message?: string; code?: string };
  const where = step.source ? `${step.source} (${describeView(step.view)})` : describeView(step.view);
  const hint =
    step.action === 'create-index' && pg.code === '42703'
      ? ' An index in option `indexes` names a column the view does not have: index one of its columns.'
      : step.action === 'create' ||
          step.action === 'replace' ||
          (step.action === 'build' && step.sql.startsWith('CREATE MATERIALIZED'))
        ? " Check the view's `expression` against the current tables and views."
        : '';
  return new SyncError(
    `syncViews failed at step ${index + 1} (${step.action} ${where}; ${step.reason}): ${pg.message ?? String(error)}.${hint} Nothing was changed: the transaction was rolled back.`,
    step.sql,
    { cause: error },
  );
}

const STEPS_SAVEPOINT = 'typeorm_pgview_steps';

/**
 * Runs the plan's statements in one round trip. If one fails at run time, the savepoint is rolled back and
 * the statements run again one at a time, so the error names the failing step. A syntax error fails the
 * text before anything runs (PostgreSQL parses a multi-statement query whole): the transaction is then
 * lost, and the error's position names the step.
 */
async function execute(db: Queryable, steps: readonly PlanStep[]): Promise<void> {
  if (steps.length > 1) {
    try {
      await db.query(
        batchSql(
          steps.map((s) => s.sql),
          STEPS_SAVEPOINT,
        ),
      );
      return;
    } catch (error) {
      const recovered = await db.query(undoSavepointSql(STEPS_SAVEPOINT)).then(
        () => true,
        () => false,
      );
      if (!recovered) {
        const position = Number((error as { position?: unknown }).position);
        const i = Number.isFinite(position)
          ? statementAt(
              steps.map((s) => s.sql),
              position,
              STEPS_SAVEPOINT,
            )
          : -1;
        throw i >= 0 ? explain(steps[i]!, i, error) : error;
      }
    }
  }
  for (const [i, step] of steps.entries()) {
    try {
      await db.query(step.sql);
    } catch (error) {
      throw explain(step, i, error);
    }
  }
}

/** Plans (and, unless dryRun, applies) inside the caller's open transaction on `queryRunner`. */
export async function syncInTransaction(
  dataSource: DataSource,
  queryRunner: QueryRunner,
  definitions: readonly ViewDefinition[],
  options: SyncOptions = {},
): Promise<SyncResult> {
  const db = counting(queryRunner);
  const registry = registryOf(dataSource);
  // The lock, and whether the registry exists: then the one catalog statement reads the registry too.
  const [lock] = (await db.query(SYNC_LOCK_REGISTRY_QUERY, [qualifiedName(registry)])) as {
    registry_exists?: boolean;
  }[];
  let state = await readDatabaseState(db, registry, { registryExists: lock?.registry_exists === true });
  await checkDependsOn(db, definitions, state);
  const probes = await runProbes(db, viewsToProbe(definitions, state));
  const plan = planSync({
    definitions,
    state,
    probes,
    dropUndeclared: options.dropUndeclared ?? true,
    ...(options.rebuild ? { rebuild: options.rebuild } : {}),
  });
  const dropped = plan.steps
    .filter(
      (s) => s.action === 'drop' && plan.unregister.some((u) => u.schema === s.view.schema && u.name === s.view.name),
    )
    .map((s) => ({ schema: s.view.schema, name: s.view.name }));
  const result = (executed: boolean, triggers: TriggerChanges = { installed: [], removed: [] }): SyncResult => ({
    steps: plan.steps,
    executed,
    unchanged: plan.unchanged,
    dropped,
    triggers,
    queries: db.count,
  });
  if (options.dryRun) return result(false);
  const keepTriggers = options.autoRefreshTriggers ?? state.autoRefreshTriggers;

  await execute(db, plan.steps);
  if (plan.steps.length > 0) {
    const before = state;
    state = await readDatabaseState(db, registry, { registryExists: state.registryExists });
    const created = new Set(
      plan.steps.filter((s) => s.action === 'create' || s.action === 'swap').map((s) => relationKey(s.view)),
    );
    const restored = plan.steps.filter((s) => s.action === 'restore' && !created.has(relationKey(s.view)));
    checkRestored('syncViews', new Set(restored.map((s) => relationKey(s.view))), before, state);
  }
  const entries = registryEntries(definitions, state);
  const writes = [
    ...((entries.length || plan.unregister.length) && !state.registryExists ? [createRegistrySql(registry)] : []),
    ...(plan.unregister.length ? [deleteRegistrySql(registry, plan.unregister)] : []),
    ...(entries.length ? [upsertRegistrySql(registry, entries)] : []),
  ];
  if (writes.length) await db.query(batchSql(writes)); // one round trip
  if (!keepTriggers) return result(true);
  // After the views: the tables to watch are found through the catalog, new views included.
  const triggers = await planAutoRefreshTriggers(
    (sql, parameters) => db.query(sql, parameters),
    definitions,
    defaultSchemaOf(dataSource),
    options.dropUndeclared ?? true,
  );
  for (const sql of triggers.statements) await db.query(sql);
  return result(true, { installed: triggers.installed, removed: triggers.removed });
}

/**
 * Makes the database's views match the views declared in `dataSource`'s entities: creates what is
 * missing, changes what changed (CREATE OR REPLACE where PostgreSQL allows, otherwise drop and re-create
 * with every dependent view, managed or not; a materialized view can instead be built side by side, see
 * `rebuild`), drops what this library created and is no longer declared.
 * All in one transaction: on error nothing changes. Returns what it did.
 *
 * @example
 * const { steps } = await syncViews(dataSource);
 * for (const s of steps) console.log(s.action, s.view.name, s.reason);
 */
export async function syncViews(target: Target, options: SyncOptions = {}): Promise<SyncResult> {
  return withQueryRunner(target, async (queryRunner) => {
    const dataSource = dataSourceOf(queryRunner);
    const definitions = collectViews(dataSource);
    try {
      if (options.dryRun) {
        // A dry run never writes, but probes need a transaction to roll back: use one and roll it back.
        return await inRolledBackTransaction(queryRunner, () =>
          syncInTransaction(dataSource, queryRunner, definitions, options),
        );
      }
      return await inTransaction(queryRunner, () => syncInTransaction(dataSource, queryRunner, definitions, options));
    } catch (error) {
      if (isPgViewError(error)) throw error;
      throw new SyncError(
        `syncViews failed: ${error instanceof Error ? error.message : String(error)}. Nothing was changed.`,
        undefined,
        { cause: error },
      );
    }
  });
}
