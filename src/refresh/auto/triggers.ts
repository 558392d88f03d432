// The `triggers` change source, database side: one statement-level trigger per watched table calls
// pg_notify on the library's channel with the table's name. PostgreSQL delivers a notification at commit
// only (never on rollback) and folds identical ones within a transaction, so a bulk write costs one
// message. Partitions and inheritance children get their own trigger, because a statement that targets a
// partition directly fires that partition's triggers, not the parent's.
import type { DataSource } from 'typeorm';
import {
  FUNCTION_EXISTS_QUERY,
  INSTALLED_TRIGGERS_QUERY,
  TRIGGERABLE_TABLES_QUERY,
  type PresentRow,
  type TableRow,
} from '../../catalog/auto-refresh-queries';
import {
  createTriggerSql,
  dropNotifyFunctionSql,
  dropTriggerSql,
  notifyFunctionSignature,
  notifyFunctionSql,
  TRIGGER_NAME,
} from '../../ddl/auto-refresh';
import { relationKey, type QualifiedName } from '../../ddl/identifiers';
import { collectViews, defaultSchemaOf } from '../../metadata/collect';
import type { ViewDefinition } from '../../metadata/definition';
import { dataSourceOf, inTransaction, withQueryRunner, type Target } from '../../db/target';
import { loadWatchGraph, type WatchGraph } from './graph';

/** Options of installAutoRefreshTriggers and removeAutoRefreshTriggers. */
export interface TriggerOptions {
  /** The views whose tables to watch. Default: the DataSource's declared views with `autoRefresh`. */
  definitions?: readonly ViewDefinition[];
  /** Drop our trigger from tables no view watches any more. Default: `true`. */
  prune?: boolean;
}

/** What installAutoRefreshTriggers or removeAutoRefreshTriggers changed. */
export interface TriggerChanges {
  /** Tables that got the trigger. */
  readonly installed: readonly QualifiedName[];
  /** Tables it was removed from. */
  readonly removed: readonly QualifiedName[];
}

export type Query = (sql: string, parameters?: unknown[]) => Promise<unknown>;

/**
 * Tables the given views watch that can carry a trigger, partitions and children included (`graph`: a
 * watch graph of the same views already loaded, so the catalog is not read again).
 */
export async function watchedTables(
  query: Query,
  definitions: readonly ViewDefinition[],
  graph?: WatchGraph,
): Promise<QualifiedName[]> {
  graph ??= await loadWatchGraph(query, definitions);
  const all = new Map<string, QualifiedName>();
  for (const tables of graph.tablesByView.values()) for (const t of tables) all.set(relationKey(t), t);
  const list = [...all.values()];
  const rows = (await query(TRIGGERABLE_TABLES_QUERY, [
    list.map((t) => t.schema),
    list.map((t) => t.name),
  ])) as TableRow[];
  return rows.map((r) => ({ schema: r.schema, name: r.name }));
}

/** What bringing the triggers up to date takes: the statements, and the statements that undo them. */
export interface TriggerPlan extends TriggerChanges {
  readonly statements: readonly string[];
  /** In the order to run them (for a migration's down()). */
  readonly undo: readonly string[];
}

/**
 * Works out, from the catalog, the trigger changes that make the set of tables carrying our trigger equal
 * to the tables the given views watch (`prune: false`: only add). Reads only; the caller runs `statements`.
 */
export async function planAutoRefreshTriggers(
  query: Query,
  definitions: readonly ViewDefinition[],
  functionSchema: string,
  prune = true,
  graph?: WatchGraph,
): Promise<TriggerPlan> {
  const wanted = await watchedTables(query, definitions, graph);
  const present = (await query(INSTALLED_TRIGGERS_QUERY, [TRIGGER_NAME])) as TableRow[];
  const presentKeys = new Set(present.map(relationKey));
  const wantedKeys = new Set(wanted.map(relationKey));
  const installed = wanted.filter((t) => !presentKeys.has(relationKey(t))).map((t) => ({ ...t }));
  const removed = prune ? present.filter((t) => !wantedKeys.has(relationKey(t))).map((t) => ({ ...t })) : [];
  if (installed.length === 0 && removed.length === 0) return { installed, removed, statements: [], undo: [] };
  const [fn] = (await query(FUNCTION_EXISTS_QUERY, [notifyFunctionSignature(functionSchema)])) as PresentRow[];
  const newFunction = installed.length > 0 && !fn?.present;
  return {
    installed,
    removed,
    statements: [
      ...(installed.length > 0 ? [notifyFunctionSql(functionSchema)] : []),
      ...installed.map((t) => createTriggerSql(t, functionSchema)),
      ...removed.map(dropTriggerSql),
    ],
    undo: [
      ...removed.map((t) => createTriggerSql(t, functionSchema)),
      ...installed.map(dropTriggerSql),
      ...(newFunction ? [dropNotifyFunctionSql(functionSchema)] : []),
    ],
  };
}

/**
 * Installs (or brings up to date) the notify triggers the `triggers` auto-refresh source needs: the
 * function, and a statement-level trigger on every table an auto-refreshed view reads. Idempotent; runs
 * in one transaction (a savepoint inside the caller's), so a migration can call it with its query runner.
 * `syncViews` and generated migrations keep the triggers current once some table carries one.
 *
 * @example
 * // in a migration's up(): await installAutoRefreshTriggers(queryRunner);
 */
export function installAutoRefreshTriggers(target: Target, options: TriggerOptions = {}): Promise<TriggerChanges> {
  const definitions = options.definitions ?? collectViews(dataSourceOf(target));
  return installTriggers(target, definitions, options.prune !== false);
}

/** installAutoRefreshTriggers with a watch graph already loaded (`graph`, the engine's), or read here. */
function installTriggers(
  target: Target,
  definitions: readonly ViewDefinition[],
  prune: boolean,
  graph?: WatchGraph,
): Promise<TriggerChanges> {
  const schema = defaultSchemaOf(dataSourceOf(target));
  return withQueryRunner(target, (queryRunner) =>
    inTransaction(queryRunner, async () => {
      const query: Query = (sql, p) => queryRunner.query(sql, p);
      const plan = await planAutoRefreshTriggers(query, definitions, schema, prune, graph);
      for (const sql of plan.statements) await query(sql);
      return { installed: plan.installed, removed: plan.removed };
    }),
  );
}

/**
 * Removes every auto-refresh trigger and the trigger function (the inverse of
 * `installAutoRefreshTriggers`, e.g. in a migration's `down()`).
 */
export async function removeAutoRefreshTriggers(target: Target): Promise<TriggerChanges> {
  const schema = defaultSchemaOf(dataSourceOf(target));
  return withQueryRunner(target, (queryRunner) =>
    inTransaction(queryRunner, async () => {
      const present = (await queryRunner.query(INSTALLED_TRIGGERS_QUERY, [TRIGGER_NAME])) as TableRow[];
      for (const table of present) await queryRunner.query(dropTriggerSql(table));
      await queryRunner.query(dropNotifyFunctionSql(schema));
      return { installed: [], removed: present.map((t) => ({ schema: t.schema, name: t.name })) };
    }),
  );
}

/** Used by the engine: adds the missing triggers, removes none (no DDL when all are present). */
export function ensureAutoRefreshTriggers(
  dataSource: DataSource,
  definitions: readonly ViewDefinition[],
  graph?: WatchGraph,
): Promise<TriggerChanges> {
  return installTriggers(dataSource, definitions, false, graph);
}
