// Materialized views on a refreshEvery schedule, for test/integration/auto-refresh-schedule*.test.ts, and
// the SQL that makes their refreshes observable: a gate the test can hold to keep a refresh running, and
// a log of every committed refresh start (a trigger on the state table: a rolled-back refresh leaves none).
import { Column, Entity, PrimaryGeneratedColumn, ViewColumn } from 'typeorm';
import { MaterializedView } from '../../src';

/** The interval of the multi-process test, in milliseconds. */
export const TICK_MS = 2000;
/** The advisory lock key schedule_gate() waits on (shared): a test holding it keeps refreshes running. */
export const GATE_KEY = 4242;

/** `schedule_gate()` and the refresh log with its trigger on the state table `state` (already created). */
export function scheduleLogSql(state: string): string[] {
  return [
    `CREATE FUNCTION schedule_gate() RETURNS int LANGUAGE plpgsql VOLATILE AS $$
       BEGIN PERFORM pg_advisory_xact_lock_shared(${GATE_KEY}); RETURN 1; END $$`,
    `CREATE TABLE refresh_log (view_name name NOT NULL, started_at timestamptz NOT NULL, app text NOT NULL)`,
    `CREATE FUNCTION log_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         -- A refresh writes its row twice (its start, then its figures): log the start only.
         IF TG_OP = 'INSERT' OR OLD.started_at IS DISTINCT FROM NEW.started_at THEN
           INSERT INTO refresh_log VALUES (NEW.view_name, NEW.started_at, current_setting('application_name'));
         END IF;
         RETURN NULL;
       END $$`,
    `CREATE TRIGGER log_refresh AFTER INSERT OR UPDATE ON ${state} FOR EACH ROW EXECUTE FUNCTION log_refresh()`,
  ];
}

/** Refreshed every TICK_MS by every process; its query passes the gate. */
@MaterializedView({
  name: 'sched_ticks',
  expression: 'SELECT schedule_gate() AS gate, clock_timestamp() AS at',
  refreshEvery: TICK_MS,
})
export class Ticks {
  @ViewColumn() gate!: number;
  @ViewColumn() at!: Date;
}

@Entity({ name: 'sched_items' })
export class Item {
  @PrimaryGeneratedColumn() id!: number;
  @Column('int') divisor!: number;
}

const countItems = 'SELECT count(*)::int AS n, sum(100 / divisor)::int AS total FROM sched_items';

/** Refreshed after changes and daily: the schedule's first check finds the day served by a change. */
@MaterializedView({
  name: 'sched_counts',
  expression: countItems,
  autoRefresh: { debounceMs: 10, maxWaitMs: 50 },
  refreshEvery: '1d',
})
export class Counts {
  @ViewColumn() n!: number;
  @ViewColumn() total!: number;
}

/** The same view refreshed after changes only (another deployment's declaration of it). */
@MaterializedView({ name: 'sched_counts', expression: countItems, autoRefresh: { debounceMs: 10, maxWaitMs: 50 } })
export class CountsOnChange {
  @ViewColumn() n!: number;
  @ViewColumn() total!: number;
}

/** Scheduled only (no autoRefresh): still refreshed by a running auto-refresh. */
@MaterializedView({ name: 'sched_daily', expression: 'SELECT clock_timestamp() AS at', refreshEvery: '1d' })
export class Daily {
  @ViewColumn() at!: Date;
}

/** Fails to refresh while an item's divisor is 0. */
@MaterializedView({ name: 'sched_fragile', expression: countItems, refreshEvery: '1d' })
export class Fragile {
  @ViewColumn() n!: number;
  @ViewColumn() total!: number;
}
