// synchronizeSchema: TypeORM's table sync and the view sync in one transaction, with the views that stand
// in the way of a table change dropped first and put back after.
import type { DataSource, QueryRunner } from 'typeorm';
import { readDatabaseState, type DatabaseState } from '../catalog/reader';
import { AUTO_REFRESH_TRIGGERS_QUERY, CURRENT_SCHEMA_QUERY, SYNC_LOCK_QUERY } from '../catalog/queries';
import { displayName, relationKey, type QualifiedName } from '../ddl/identifiers';
import { assertRestorable, restoreStatements, accessStatements } from '../ddl/restore';
import { createViewStatements, dropViewSql } from '../ddl/statements';
import { isPgViewError, SyncError } from '../errors';
import { collectViews } from '../metadata/collect';
import type { ViewDefinition } from '../metadata/definition';
import type { RebuildStrategy } from '../decorators/options';
import { dataSourceOf, inRolledBackTransaction, inTransaction, withQueryRunner, type Target } from '../db/target';
import { leavingViews } from '../plan/closure';
import { tableImpact, type RebuiltView, type TableImpact } from '../plan/table-impact';
import { ensureMetadataTable } from './metadata-table';
import { collidesWithViews, tableChanges, viewEntityKeys, withoutViewForeignKeys } from '../plan/table-statements';
import { registryOf } from './registry';
import { checkRestored } from './restore-check';
import { syncInTransaction, type SyncResult } from './sync-views';

export type { RebuiltView } from '../plan/table-impact';

/** Options of synchronizeSchema. */
export interface SchemaSyncOptions {
  /** Passed to the view sync: drop views this library created that are no longer declared. Default: true. */
  dropUndeclared?: boolean;
  /**
   * Passed to the view sync. By default, auto-refresh triggers present before TypeORM's changes are kept
   * current after them (a table TypeORM re-creates gets its trigger back).
   */
  autoRefreshTriggers?: boolean;
  /**
   * Do it all in a transaction that is rolled back, and return what it did: TypeORM's statements, the views
   * rebuilt, the view sync. Nothing changes. Default: false.
   */
  dryRun?: boolean;
  /**
   * Passed to the view sync: how a materialized view whose definition changed is rebuilt when it declares
   * no `rebuild` (see SyncOptions.rebuild). Views rebuilt because TypeORM changes a table they read are
   * always dropped before the table change and created after it. Default: `'in-place'`.
   */
  rebuild?: RebuildStrategy;
}

/** What synchronizeSchema did (or, with `dryRun`, would do). */
export interface SchemaSyncResult {
  /** False for a dry run: everything below happened in a transaction that was rolled back. */
  readonly executed: boolean;
  /** TypeORM's schema statements, in the order they ran. */
  readonly tableStatements: readonly string[];
  /** Tables whose changes collide with views (a dropped or retyped column, a dropped table). */
  readonly changedTables: readonly QualifiedName[];
  /**
   * Views dropped before the table statements and re-created after them, in creation order (views created
   * by this library and no longer declared stay dropped).
   */
  readonly rebuiltViews: readonly RebuiltView[];
  /** What the view sync did afterwards (creates, replaces, registry). */
  readonly views: SyncResult;
}

interface PendingQuery {
  query: string;
  parameters?: unknown[];
}

/** The statements that put one view back: from its declaration, or exactly as the catalog had it. */
function recreateStatements(view: RebuiltView, state: DatabaseState, definitions: readonly ViewDefinition[]): string[] {
  const key = relationKey(view);
  const existing = state.views.get(key)!;
  const declared = view.managed ? definitions.find((d) => relationKey(d) === key) : undefined;
  if (!declared) return restoreStatements(existing, state.indexes.get(key) ?? [], state.currentUser);
  // Populated state as it was: a matview that held data holds it again, one never refreshed stays empty.
  const withData =
    declared.kind === 'materialized' ? existing.kind === 'materialized' && existing.populated : undefined;
  return [
    ...createViewStatements(declared, withData === undefined ? {} : { withData }),
    ...accessStatements(existing, state.currentUser),
  ];
}

function failure(view: RebuiltView, error: unknown, sql: string): SyncError {
  const message = (error as { message?: string }).message ?? String(error);
  const what = view.managed ? 'from its declaration' : 'from its definition captured before the change';
  const reads = view.readsChanged.length
    ? ` It reads ${view.readsChanged.join(', ')}, changed by TypeORM's schema sync.`
    : '';
  return new SyncError(
    `synchronizeSchema could not re-create view ${displayName(view)} ${what}: ${message}.${reads} ${view.managed ? "Fix the view's `expression` for the new columns." : `Change or drop ${displayName(view)} first.`} Nothing was changed: the transaction was rolled back.`,
    sql,
    { cause: error },
  );
}

async function run(
  dataSource: DataSource,
  queryRunner: QueryRunner,
  definitions: readonly ViewDefinition[],
  options: SchemaSyncOptions,
): Promise<SchemaSyncResult> {
  await queryRunner.query(SYNC_LOCK_QUERY);
  // TypeORM computes its statements on a connection of its own, reading committed state: before any DDL here.
  const builder = dataSource.driver.createSchemaBuilder();
  const logged = (await builder.log()).upQueries as PendingQuery[];
  const [current] = (await queryRunner.query(CURRENT_SCHEMA_QUERY)) as { schema: string }[];
  const defaultSchema = current?.schema ?? 'public';
  // TypeORM adds foreign keys for relations to view entities too; PostgreSQL refuses them.
  const pending = withoutViewForeignKeys(logged, [], viewEntityKeys(dataSource), defaultSchema).up;
  const statements = pending.map((q) => q.query);
  // The catalog is read only when some statement could collide with a view.
  let state: DatabaseState | undefined;
  let impact: TableImpact | undefined;
  let leaving = new Set<string>();
  if ([...tableChanges(statements, defaultSchema).values()].some(collidesWithViews)) {
    state = await readDatabaseState(queryRunner, registryOf(dataSource));
    if (options.dropUndeclared ?? true) leaving = leavingViews(state, definitions);
    impact = tableImpact({ statements, defaultSchema, state, definitions, leaving });
  }
  const rebuilt = impact?.views ?? [];
  const changedTables = impact?.changedTables ?? [];
  // Read before TypeORM's statements: a table it drops and re-creates loses its trigger.
  const triggersBefore =
    options.autoRefreshTriggers === undefined &&
    pending.length > 0 &&
    (state?.autoRefreshTriggers ??
      ((await queryRunner.query(AUTO_REFRESH_TRIGGERS_QUERY)) as { present: boolean }[])[0]?.present === true);
  // A view not managed here comes back exactly as it was, or the change is refused before anything runs.
  const restored = new Set(rebuilt.filter((v) => !v.managed).map(relationKey));
  for (const key of restored) assertRestorable(state!.views.get(key)!);
  for (const view of [...rebuilt].reverse()) await queryRunner.query(dropViewSql(view));
  await ensureMetadataTable(builder, queryRunner, pending, dataSource);
  for (const q of pending) {
    try {
      await queryRunner.query(q.query, q.parameters);
    } catch (error) {
      throw new SyncError(
        `synchronizeSchema: TypeORM's schema statement failed: ${(error as Error).message}. Nothing was changed: the transaction was rolled back.`,
        q.query,
        { cause: error },
      );
    }
  }
  // Views created by this library and no longer declared stay dropped: the view sync unregisters them.
  for (const view of rebuilt.filter((v) => !leaving.has(relationKey(v))))
    for (const sql of recreateStatements(view, state!, definitions)) {
      try {
        await queryRunner.query(sql);
      } catch (error) {
        throw failure(view, error, sql);
      }
    }
  if (restored.size > 0)
    checkRestored('synchronizeSchema', restored, state!, await readDatabaseState(queryRunner, registryOf(dataSource)));
  const views = await syncInTransaction(dataSource, queryRunner, definitions, {
    dropUndeclared: options.dropUndeclared ?? true,
    autoRefreshTriggers: options.autoRefreshTriggers ?? (triggersBefore || undefined),
    ...(options.rebuild ? { rebuild: options.rebuild } : {}),
  });
  const executed = !options.dryRun;
  return {
    executed,
    tableStatements: pending.map((q) => q.query),
    changedTables,
    rebuiltViews: rebuilt,
    views: { ...views, executed },
  };
}

/**
 * Synchronizes tables and views together, safely: TypeORM's schema sync (the statements
 * `dataSource.synchronize()` would run) plus syncViews, in one transaction. Views that read a column
 * TypeORM drops or retypes, or a table it drops - declared here or not, and everything reading them - are
 * dropped first and re-created after: declared ones from their declarations, others exactly as they were
 * (indexes, comment, owner, grants, populated state). Use it with `synchronize: false` in the DataSource.
 * On any error the transaction is rolled back and nothing changes; a view not declared here that reads a
 * column or table about to disappear is refused up front, naming the view and the column.
 *
 * @example
 * const ds = new DataSource({ type: 'postgres', url, entities, synchronize: false });
 * await ds.initialize();
 * await synchronizeSchema(ds);
 */
export async function synchronizeSchema(target: Target, options: SchemaSyncOptions = {}): Promise<SchemaSyncResult> {
  return withQueryRunner(target, async (queryRunner) => {
    const dataSource = dataSourceOf(queryRunner);
    const definitions = collectViews(dataSource);
    try {
      const work = () => run(dataSource, queryRunner, definitions, options);
      return await (options.dryRun ? inRolledBackTransaction(queryRunner, work) : inTransaction(queryRunner, work));
    } catch (error) {
      if (isPgViewError(error)) throw error;
      throw new SyncError(
        `synchronizeSchema failed: ${error instanceof Error ? error.message : String(error)}. Nothing was changed: the transaction was rolled back.`,
        undefined,
        { cause: error },
      );
    }
  });
}
