// The migration generator. Everything is worked out by doing it, inside a transaction that is always
// rolled back: drop the views a table change breaks, run TypeORM's table changes, plan the views with the
// same planner as syncViews, run that, record the registry, then run the computed down() and check that the
// catalog is back exactly as it was. Only statements that worked in that trial end up in the file.
import type { DataSource, QueryRunner } from 'typeorm';
import { readDatabaseState, type DatabaseState } from '../catalog/reader';
import { displayName, relationKey } from '../ddl/identifiers';
import { createRegistrySql, deleteRegistrySql, upsertRegistrySql } from '../ddl/registry';
import { assertRestorable, restoreStatements } from '../ddl/restore';
import { dropViewSql } from '../ddl/statements';
import { graphOf } from '../catalog/graph';
import { PlanError, SyncError } from '../errors';
import { collectViews, defaultSchemaOf } from '../metadata/collect';
import type { RebuildStrategy } from '../decorators/options';
import { leavingViews } from '../plan/closure';
import { planSync, viewsToProbe, WITH_NEW_VIEW, type PlanStep } from '../plan/plan';
import { tableImpact } from '../plan/table-impact';
import { viewEntityKeys, withoutViewForeignKeys } from '../plan/table-statements';
import { ensureMetadataTable } from '../sync/metadata-table';
import { runProbes } from '../sync/probe';
import { registryEntries, registryOf } from '../sync/registry';
import { planAutoRefreshTriggers } from '../refresh/auto/triggers';
import { downStatements } from './down';
import { stateDifferences } from './state-diff';
import { migrationClassName, migrationFileName, migrationSource, type MigrationStatement } from './writer';

/** The statements of a migration that brings the database to the declarations, both ways. */
/** The statements of a migration, in order. */
export interface GeneratedStatements {
  /** What brings the database to the declarations. */
  readonly up: readonly MigrationStatement[];
  /** What takes it back exactly (checked by the trial run). */
  readonly down: readonly MigrationStatement[];
}

const VERBS: Record<PlanStep['action'], string> = {
  create: 'created',
  replace: 'changed (CREATE OR REPLACE)',
  drop: 'dropped',
  restore: 'restored as it was',
  'create-index': 'changed',
  'drop-index': 'changed',
  comment: 'changed',
  alter: 'changed',
  build: 'built side by side under a temporary name',
  swap: 'swapped in for the old one',
};

function stepComment(step: PlanStep, rebuiltBecause: string | undefined): string {
  const name = `${displayName(step.view)}${step.source ? ` (${step.source})` : ''}`;
  if (rebuiltBecause && step.action !== 'drop') return `${name}: rebuilt because ${rebuiltBecause}`;
  if (step.reason === WITH_NEW_VIEW)
    return `${name}: ${step.action === 'comment' ? 'comment' : 'index'} created with the view`;
  const reason = step.reason.replace(/^rebuilt( side by side)?: /, '');
  const verb = step.action === 'create' && step.reason.startsWith('rebuilt') ? 'rebuilt' : VERBS[step.action];
  return `${name}: ${verb} because ${reason}`;
}

/** Options of the migration generator. */
export interface GenerateOptions {
  /**
   * Keep the auto-refresh triggers current, as `syncViews` does: by default only when some table already
   * carries one; `true` installs them; `false` leaves them alone.
   */
  autoRefreshTriggers?: boolean;
  /**
   * How a changed materialized view that declares no `rebuild` is rebuilt in up(), as `syncViews`'s
   * option: `'side-by-side'` builds the new one under a temporary name first and swaps it in at the end
   * (the file shows each step). down() restores the old view exactly. Default: `'in-place'`.
   */
  rebuild?: RebuildStrategy;
}

/** The trial run on an open transaction; returns undefined when there is nothing to do. */
async function trial(
  dataSource: DataSource,
  qr: QueryRunner,
  options: GenerateOptions,
): Promise<GeneratedStatements | undefined> {
  const registry = registryOf(dataSource);
  const defaultSchema = defaultSchemaOf(dataSource);
  const definitions = collectViews(dataSource);
  const managed = new Map(definitions.filter((d) => d.synchronize).map((d) => [relationKey(d), d]));
  const builder = dataSource.driver.createSchemaBuilder();
  const memory = await builder.log();
  // TypeORM adds foreign keys for relations to view entities too; PostgreSQL refuses them.
  const tables = withoutViewForeignKeys(
    memory.upQueries,
    memory.downQueries,
    viewEntityKeys(dataSource),
    defaultSchema,
  );
  const tableUp = tables.up.map((q) => ({ sql: q.query, parameters: q.parameters ?? [] }));
  const tableDown = [...tables.down].reverse().map((q) => ({ sql: q.query, parameters: q.parameters ?? [] }));

  const before = await readDatabaseState(qr, registry);
  const up: MigrationStatement[] = [];
  const run = async (comment: string, sql: string, parameters: readonly unknown[] = []) => {
    try {
      await qr.query(sql, parameters.length ? [...parameters] : undefined);
    } catch (error) {
      throw new SyncError(
        `migration:generate: a statement failed in the trial run (${comment}): ${(error as Error).message}. Fix the declaration or the entity; nothing was written.`,
        sql,
        { cause: error },
      );
    }
    up.push({ comment, sql, ...(parameters.length ? { parameters } : {}) });
  };

  // 1. Views a table change breaks: dropped first, dependents before what they read. The same analysis
  //    as synchronizeSchema's, so a view not managed here that would lose a column is refused up front.
  const leaving = leavingViews(before, definitions);
  const impact = tableImpact({
    statements: tableUp.map((q) => q.sql),
    defaultSchema,
    state: before,
    definitions,
    leaving,
  });
  const broken = new Map(impact.views.map((v) => [relationKey(v), v.reason]));
  // Refused before the trial runs anything: a view not managed here that could not be restored exactly.
  for (const view of impact.views)
    if (!managed.has(relationKey(view)) && !leaving.has(relationKey(view)))
      assertRestorable(before.views.get(relationKey(view))!);
  for (const view of [...impact.views].reverse())
    await run(`${displayName(view)}: dropped before the table changes because ${view.reason}`, dropViewSql(view));
  // 2. TypeORM's own table changes (its migration runner creates its metadata table first: so does the trial).
  await ensureMetadataTable(builder, qr, tables.up, dataSource);
  for (const q of tableUp) await run("tables: TypeORM's schema changes", q.sql, q.parameters);
  // 3. Views we do not manage come back exactly as they were; ours are left to the planner. Registered views
  //    no longer declared stay dropped. One that reads a view of ours waits until the planner has built it.
  const graph = graphOf(before);
  const unmanaged = impact.views.map(relationKey).filter((k) => !managed.has(k) && !leaving.has(k));
  const waitsForPlanner = (k: string): boolean =>
    graph.readsOf(k).some((r) => broken.has(r) && (managed.has(r) || waitsForPlanner(r)));
  const restore = async (key: string) => {
    const view = before.views.get(key)!;
    const note = `${displayName(view)}: restored as it was (not managed by typeorm-pgview) because ${broken.get(key)}`;
    for (const sql of restoreStatements(view, before.indexes.get(key) ?? [], before.currentUser)) await run(note, sql);
  };
  const later = unmanaged.filter(waitsForPlanner);
  for (const key of unmanaged) if (!later.includes(key)) await restore(key);

  // 4. The views, planned exactly as syncViews plans them.
  const state = await readDatabaseState(qr, registry);
  const probes = await runProbes(qr, viewsToProbe(definitions, state));
  const plan = planSync({ definitions, state, probes, ...(options.rebuild ? { rebuild: options.rebuild } : {}) });
  for (const step of plan.steps) await run(stepComment(step, broken.get(relationKey(step.view))), step.sql);
  for (const key of later) await restore(key);

  // 5. The auto-refresh triggers, on the tables the views now read.
  let triggerUndo: MigrationStatement[] = [];
  if (options.autoRefreshTriggers ?? before.autoRefreshTriggers) {
    const triggers = await planAutoRefreshTriggers((sql, p) => qr.query(sql, p), definitions, defaultSchema);
    const names = (ts: readonly { schema: string; name: string }[]) => ts.map(displayName).join(', ');
    const note = `auto-refresh triggers:${triggers.installed.length ? ` installed on ${names(triggers.installed)}` : ''}${triggers.removed.length ? ` removed from ${names(triggers.removed)}` : ''}`;
    for (const sql of triggers.statements) await run(note, sql);
    triggerUndo = triggers.undo.map((sql) => ({ comment: note, sql }));
  }

  if (tableUp.length === 0 && plan.steps.length === 0 && triggerUndo.length === 0) return undefined;

  // 6. The registry, so that syncViews afterwards finds nothing to do.
  const done = await readDatabaseState(qr, registry);
  // `done` was read before any registry write, so its registry rows are still those of `before`.
  const entries = registryEntries(definitions, done);
  const note = 'typeorm-pgview registry: record the views as they are now';
  if ((entries.length || plan.unregister.length) && !before.registryExists)
    await run(note, createRegistrySql(registry));
  if (plan.unregister.length) await run(note, deleteRegistrySql(registry, plan.unregister));
  if (entries.length) await run(note, upsertRegistrySql(registry, entries));

  // 7. down(), computed from the two catalog states (trigger changes undone first), then checked by running it.
  const after = await readDatabaseState(qr, registry);
  const rebuilt = new Set([...broken.keys()]);
  const changedInPlace = new Set<string>();
  for (const step of plan.steps) {
    const key = relationKey(step.view);
    if (['create', 'replace', 'drop', 'restore', 'build', 'swap'].includes(step.action)) rebuilt.add(key);
    else changedInPlace.add(key);
  }
  const down = [
    ...triggerUndo,
    ...downStatements({ before, after, rebuilt, changedInPlace, tableDown, registry, defaultSchema }),
  ];
  await checkDown(qr, down, before, registry);
  return { up, down };
}

async function checkDown(
  qr: QueryRunner,
  down: readonly MigrationStatement[],
  before: DatabaseState,
  registry: { schema: string; name: string },
): Promise<void> {
  for (const s of down) {
    try {
      await qr.query(s.sql, s.parameters?.length ? [...s.parameters] : undefined);
    } catch (error) {
      throw new SyncError(
        `migration:generate: the generated down() fails in the trial run (${s.comment}): ${(error as Error).message}. Nothing was written; write this migration's down() by hand, or change one thing at a time.`,
        s.sql,
        { cause: error },
      );
    }
  }
  const differences = stateDifferences(before, await readDatabaseState(qr, registry));
  if (differences.length)
    throw new PlanError(
      `migration:generate: the generated down() would not restore the catalog exactly: ${differences.join('; ')}. Nothing was written; write this migration's down() by hand, or change one thing at a time.`,
    );
}

/**
 * Works out the migration that brings `dataSource`'s database to its declarations: TypeORM's table
 * changes wrapped in the drop and rebuild of the views they break, then the view changes syncViews would
 * make, with a down() that restores the catalog exactly. Changes nothing (a trial run in a transaction
 * that is rolled back). Returns undefined when there is nothing to do.
 */
export async function generateMigrationStatements(
  dataSource: DataSource,
  options: GenerateOptions = {},
): Promise<GeneratedStatements | undefined> {
  const qr = dataSource.createQueryRunner();
  try {
    await qr.connect();
    await qr.startTransaction();
    try {
      return await trial(dataSource, qr, options);
    } finally {
      await qr.rollbackTransaction();
    }
  } finally {
    await qr.release();
  }
}

/** A generated migration: its class name, TypeORM-style file name and source text. */
export interface GeneratedMigration extends GeneratedStatements {
  /** The migration class name: the name and the timestamp, e.g. `AddStats1730000000000`. */
  readonly className: string;
  /** TypeORM's file name for it: `<timestamp>-<name>.ts`. */
  readonly fileName: string;
  /** The file's TypeScript source. */
  readonly source: string;
}

/**
 * generateMigrationStatements, written as a TypeORM migration class named `name` (e.g. `AddStats`), or
 * undefined when there is nothing to do.
 *
 * @example
 * const migration = await generateMigration(dataSource, { name: 'AddStats' });
 * if (migration) writeFileSync(`src/migrations/${migration.fileName}`, migration.source);
 */
export async function generateMigration(
  dataSource: DataSource,
  options: GenerateOptions & { name: string; timestamp?: number },
): Promise<GeneratedMigration | undefined> {
  const statements = await generateMigrationStatements(dataSource, options);
  if (!statements) return undefined;
  const timestamp = options.timestamp ?? Date.now();
  return {
    ...statements,
    className: migrationClassName(options.name, timestamp),
    fileName: migrationFileName(options.name, timestamp),
    source: migrationSource({ name: options.name, timestamp, ...statements }),
  };
}
