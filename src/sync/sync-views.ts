// syncViews: make the database's views match the declarations, in one transaction.
import type { DataSource, QueryRunner } from 'typeorm';
import { SYNC_LOCK_QUERY } from '../catalog/queries';
import { readDatabaseState, type DatabaseState, type Queryable } from '../catalog/reader';
import { describeView, displayName, relationKey, type QualifiedName } from '../ddl/identifiers';
import {
  createRegistrySql,
  deleteRegistrySql,
  REGISTRY_TABLE,
  upsertRegistrySql,
  type RegistryEntry,
} from '../ddl/registry';
import { isPgViewError, SyncError, ViewDeclarationError } from '../errors';
import { collectViews, defaultSchemaOf } from '../metadata/collect';
import type { ViewDefinition } from '../metadata/definition';
import { dataSourceOf, inRolledBackTransaction, inTransaction, withQueryRunner, type Target } from '../db/target';
import { planAutoRefreshTriggers, type TriggerChanges } from '../refresh/auto/triggers';
import { catalogHash, declaredHash } from '../plan/fingerprints';
import { planSync, viewsToProbe, type PlanStep } from '../plan/plan';
import { runProbes } from './probe';

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
}

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

/** The registry table of a DataSource: `typeorm_pgview_views` in its default schema. */
export function registryOf(dataSource: DataSource): QualifiedName {
  return { schema: defaultSchemaOf(dataSource), name: REGISTRY_TABLE };
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
  const rows = (await db.query(
    'SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))',
    [unknown.map((u) => u.r.schema), unknown.map((u) => u.r.name)],
  )) as { schema: string; name: string }[];
  const found = new Set(rows.map((r) => relationKey(r)));
  const missing = unknown.find((u) => !found.has(relationKey(u.r)));
  if (missing)
    throw new ViewDeclarationError(
      `${missing.d.source} (${describeView(missing.d)}): option \`dependsOn\` names ${displayName(missing.r)}, which is neither a declared view nor an existing relation. Declare it, list its class in the DataSource's entities, or fix the name.`,
    );
}

/**
 * Registry rows for every managed view whose fingerprints (declaration, and catalog state in `state`) differ
 * from the registry rows `state` was read with. Shared by syncViews and the migration generator.
 */
export function registryEntries(definitions: readonly ViewDefinition[], state: DatabaseState): RegistryEntry[] {
  const entries: RegistryEntry[] = [];
  for (const d of definitions) {
    if (!d.synchronize) continue;
    const view = state.views.get(relationKey(d));
    if (!view) continue;
    const entry = {
      schema: d.schema,
      name: d.name,
      kind: d.kind,
      declaredHash: declaredHash(d),
      catalogHash: catalogHash(state, view),
    };
    const row = state.registry.get(relationKey(d));
    if (
      !row ||
      row.declaredHash !== entry.declaredHash ||
      row.catalogHash !== entry.catalogHash ||
      row.kind !== entry.kind
    )
      entries.push(entry);
  }
  return entries;
}

function explain(step: PlanStep, index: number, error: unknown): SyncError {
  const pg = error as { message?: string; code?: string };
  const where = step.source ? `${step.source} (${describeView(step.view)})` : describeView(step.view);
  const hint =
    step.action === 'create-index' && pg.code === '42703'
      ? ' An index in option `indexes` names a column the view does not have: index one of its columns.'
      : step.action === 'create' || step.action === 'replace'
        ? " Check the view's `expression` against the current tables and views."
        : '';
  return new SyncError(
    `syncViews failed at step ${index + 1} (${step.action} ${where}; ${step.reason}): ${pg.message ?? String(error)}.${hint} Nothing was changed: the transaction was rolled back.`,
    step.sql,
    { cause: error },
  );
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
  await db.query(SYNC_LOCK_QUERY);
  let state = await readDatabaseState(db, registry);
  await checkDependsOn(db, definitions, state);
  const probes = await runProbes(db, viewsToProbe(definitions, state));
  const plan = planSync({ definitions, state, probes, dropUndeclared: options.dropUndeclared ?? true });
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

  for (const [i, step] of plan.steps.entries()) {
    try {
      await db.query(step.sql);
    } catch (error) {
      throw explain(step, i, error);
    }
  }
  if (plan.steps.length > 0) state = await readDatabaseState(db, registry);
  const entries = registryEntries(definitions, state);
  if ((entries.length || plan.unregister.length) && !state.registryExists) await db.query(createRegistrySql(registry));
  if (plan.unregister.length) await db.query(deleteRegistrySql(registry, plan.unregister));
  if (entries.length) await db.query(upsertRegistrySql(registry, entries));
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
 * with every dependent view, managed or not), drops what this library created and is no longer declared.
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
