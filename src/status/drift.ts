// What drift means, decided once: the statements the planner would run (a syncViews dry run: views,
// materialized view indexes, comments, options, undeclared views of ours), plus the auto-refresh triggers
// that would be added or removed, plus (only when asked, for migration:generate --check) TypeORM's own
// pending table changes. `typeorm-pgview check` and the generator's --check both call checkDrift.
import { INSTALLED_TRIGGERS_QUERY, type TableRow } from '../catalog/auto-refresh-queries';
import { AUTO_REFRESH_TRIGGER_NAME } from '../catalog/queries';
import { createTriggerSql, dropTriggerSql } from '../ddl/auto-refresh';
import { describeView, displayName, type QualifiedName } from '../ddl/identifiers';
import { dataSourceOf, withQueryRunner, type Target } from '../db/target';
import { collectViews, defaultSchemaOf } from '../metadata/collect';
import type { ViewKind } from '../metadata/definition';
import type { StepAction } from '../plan/plan';
import { planAutoRefreshTriggers } from '../refresh/auto/triggers';
import { syncViews } from '../sync/sync-views';

/** What kind of difference a drift item is: a planner step's action, a trigger, or TypeORM's tables. */
export type DriftKind = StepAction | 'install-trigger' | 'remove-trigger' | 'tables';

/** One difference between the database and the declarations. */
export interface DriftItem {
  /**
   * The view it concerns (for a planner step), or the table (for a trigger). Absent for TypeORM's table
   * changes, which TypeORM does not attribute to a table.
   */
  readonly relation?: QualifiedName & {
    /** A view, a materialized view, or a table. */
    readonly kind: ViewKind | 'table';
  };
  /** What would be done (a planner step's action, or a trigger to add or remove). */
  readonly what: DriftKind;
  /** Why, in words: the planner's reason, e.g. `its query changed`. */
  readonly detail: string;
  /** Where the view is declared (`class UserStats`), when it is. */
  readonly source?: string;
  /** The statement that would fix it. */
  readonly sql: string;
}

/** Options of checkDrift. */
export interface DriftOptions {
  /** As syncViews' option: views of ours no longer declared count as drift. Default: true. */
  dropUndeclared?: boolean;
  /**
   * Compare the auto-refresh triggers with the tables auto-refreshed views read: by default only when some
   * table carries one (as syncViews and the generator keep them), `true` always, `false` never.
   */
  autoRefreshTriggers?: boolean;
  /**
   * Also list TypeORM's pending table changes (what `migration:generate` would put first). When there are
   * some, only they are listed: the views are compared once the tables have changed, which is the
   * generator's trial run. Default: false.
   */
  tables?: boolean;
}

/**
 * The differences between the database and the views declared in the DataSource, empty when they match.
 * Changes nothing: the views come from a syncViews dry run (one planner, so `check`, `status`, syncViews
 * and the migration generator agree), the triggers from the catalog.
 *
 * @example
 * const drift = await checkDrift(dataSource);
 * if (drift.length) throw new Error(drift.map((d) => `${d.what}: ${d.detail}`).join('\n'));
 */
export async function checkDrift(target: Target, options: DriftOptions = {}): Promise<DriftItem[]> {
  const dataSource = dataSourceOf(target);
  const items: DriftItem[] = [];
  if (options.tables) {
    const log = await dataSource.driver.createSchemaBuilder().log();
    for (const q of log.upQueries)
      items.push({ what: 'tables', detail: `TypeORM would run: ${q.query.split('\n')[0]}`, sql: q.query });
    // Views are judged against the tables they will read: with tables about to change, a dry run on
    // today's tables could refuse a declaration that the migration's trial run (tables first) accepts.
    if (items.length > 0) return items;
  }
  const dropUndeclared = options.dropUndeclared ?? true;
  const { steps } = await syncViews(target, { dryRun: true, dropUndeclared });
  for (const step of steps)
    items.push({
      relation: step.view,
      what: step.action,
      detail: `${describeView(step.view)}: ${step.action} (${step.reason})`,
      ...(step.source ? { source: step.source } : {}),
      sql: step.sql,
    });
  const triggers = await withQueryRunner(target, async (queryRunner) => {
    const query = (sql: string, p?: unknown[]) => queryRunner.query(sql, p);
    const present = (await query(INSTALLED_TRIGGERS_QUERY, [AUTO_REFRESH_TRIGGER_NAME])) as TableRow[];
    if (!(options.autoRefreshTriggers ?? present.length > 0)) return undefined;
    return planAutoRefreshTriggers(query, collectViews(dataSource), defaultSchemaOf(dataSource), dropUndeclared);
  });
  if (triggers) {
    for (const t of triggers.installed)
      items.push({
        relation: { ...t, kind: 'table' },
        what: 'install-trigger',
        detail: `table ${displayName(t)}: an auto-refreshed view reads it, and it lacks the auto-refresh trigger`,
        sql: createTriggerSql(t, defaultSchemaOf(dataSource)),
      });
    for (const t of triggers.removed)
      items.push({
        relation: { ...t, kind: 'table' },
        what: 'remove-trigger',
        detail: `table ${displayName(t)}: carries the auto-refresh trigger, and no auto-refreshed view reads it`,
        sql: dropTriggerSql(t),
      });
  }
  return items;
}
