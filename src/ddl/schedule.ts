// Scheduled refresh's statements, pure: names and an interval in, SQL text and parameters out. Intervals
// are slots of the server's clock (slot = floor(epoch ms of clock_timestamp() / interval)), so the clocks of
// the processes never matter: only one clock, the server's, decides which slot it is and whether the view
// was refreshed in it. Every name goes through qualifiedName.
import type { ParameterisedStatement } from './auto-refresh';
import { qualifiedName, type QualifiedName } from './identifiers';

/** The server's time once (`at`, and `ms` since the epoch) and its slot of `$1` ms: one read of `clock_timestamp()`. */
const SLOT_CLOCK = `SELECT floor(c.ms / $1::float8) AS slot, c.ms, c.at
          FROM (SELECT t.at, extract(epoch FROM t.at)::float8 * 1000 AS ms FROM (SELECT clock_timestamp() AS at) t) c`;

/**
 * The server's slot clock, for a schedule without the state table (`coordinate: false`): one row, `slot`,
 * `elapsed_ms`, `next_in_ms`.
 */
export function slotClockSql(intervalMs: number): ParameterisedStatement {
  return {
    sql: `SELECT n.slot::bigint::text AS slot, n.ms - n.slot * $1::float8 AS elapsed_ms, (n.slot + 1) * $1::float8 - n.ms AS next_in_ms
  FROM (${SLOT_CLOCK}) n`,
    parameters: [intervalMs],
  };
}

/**
 * Whether the view's current slot is served, read under its refresh lock: one row with the slot clock of
 * `slotClockSql` and `served`, true when the recorded start of its last refresh (of any kind: scheduled,
 * change-triggered, or any other that records its start) lies in the current slot and not after now. A
 * start recorded in the future (the server clock was stepped back) serves nothing, so the schedule goes on
 * and the refresh it runs records a current time. No state row: never refreshed, not served.
 */
export function slotServedSql(table: QualifiedName, view: QualifiedName, intervalMs: number): ParameterisedStatement {
  return {
    sql: `SELECT n.slot::bigint::text AS slot, n.ms - n.slot * $1::float8 AS elapsed_ms, (n.slot + 1) * $1::float8 - n.ms AS next_in_ms,
       coalesce(floor(extract(epoch FROM s.started_at)::float8 * 1000 / $1::float8) = n.slot AND s.started_at <= n.at, false) AS served
  FROM (${SLOT_CLOCK}) n
  LEFT JOIN ${qualifiedName(table)} s ON s.view_schema = $2 AND s.view_name = $3`,
    parameters: [intervalMs, view.schema, view.name],
  };
}
