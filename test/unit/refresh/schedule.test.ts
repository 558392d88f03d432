// Scheduled refresh, pure parts: the interval of a view, the wake and retry delays, the no-table rule
// (src/refresh/auto/slots.ts), and the due check's statements as exact strings (src/ddl/schedule.ts).
import { slotClockSql, slotServedSql } from '../../../src/ddl/schedule';
import {
  busyRetryMs,
  MAX_BUSY_RETRY_MS,
  MAX_JITTER_MS,
  MIN_WAKE_MS,
  scheduleIntervalMs,
  servedLocally,
  wakeDelayMs,
} from '../../../src/refresh/auto/slots';

describe('scheduled refresh timing', () => {
  it('a view is scheduled on refreshEvery, shortened to maxStalenessMs, never under 1 s', () => {
    expect(scheduleIntervalMs({})).toBeUndefined();
    expect(scheduleIntervalMs({ maxStalenessMs: 5000 })).toBeUndefined();
    expect(scheduleIntervalMs({ refreshEveryMs: 300_000 })).toBe(300_000);
    expect(scheduleIntervalMs({ refreshEveryMs: 300_000, maxStalenessMs: 60_000 })).toBe(60_000);
    expect(scheduleIntervalMs({ refreshEveryMs: 60_000, maxStalenessMs: 300_000 })).toBe(60_000);
    expect(scheduleIntervalMs({ refreshEveryMs: 2000, maxStalenessMs: 10 })).toBe(1000);
  });

  it('wakes at the next slot plus a jitter bounded by 250 ms and a twentieth of the interval', () => {
    expect(wakeDelayMs(700, 300_000, 0)).toBe(700);
    expect(wakeDelayMs(700, 300_000, 0.999)).toBeCloseTo(700 + 0.999 * MAX_JITTER_MS);
    expect(wakeDelayMs(700, 2000, 0.5)).toBe(750);
    // the slot began already (a timer that fired early, a slow answer): never a busy loop
    expect(wakeDelayMs(-30, 2000, 0)).toBe(MIN_WAKE_MS);
  });

  it('retries a busy lock soon, then less often, within an eighth of the interval', () => {
    expect([1, 2, 3, 4].map((n) => busyRetryMs(n, 300_000))).toEqual([100, 200, 400, 800]);
    expect(busyRetryMs(20, 300_000)).toBe(MAX_BUSY_RETRY_MS);
    expect([1, 2, 3, 4].map((n) => busyRetryMs(n, 2000))).toEqual([100, 200, 250, 250]);
    expect(busyRetryMs(3, 1000)).toBe(125);
  });

  it('without the state table, only a refresh this process began inside the current slot serves it', () => {
    expect(servedLocally(undefined, 10_000, 1500)).toBe(false);
    expect(servedLocally(9000, 10_000, 1500)).toBe(true); // began 1000 ms ago, the slot 1500 ms ago
    expect(servedLocally(8000, 10_000, 1500)).toBe(false); // began before the slot
  });
});

describe('scheduled refresh statements', () => {
  const clock = `SELECT floor(c.ms / $1::float8) AS slot, c.ms, c.at
          FROM (SELECT t.at, extract(epoch FROM t.at)::float8 * 1000 AS ms FROM (SELECT clock_timestamp() AS at) t) c`;

  it('the slot clock reads clock_timestamp() once', () => {
    expect(slotClockSql(300_000)).toEqual({
      sql: `SELECT n.slot::bigint::text AS slot, n.ms - n.slot * $1::float8 AS elapsed_ms, (n.slot + 1) * $1::float8 - n.ms AS next_in_ms
  FROM (${clock}) n`,
      parameters: [300_000],
    });
  });

  it("the due check reads the view's recorded start from the state table, names quoted", () => {
    const table = { schema: 'My "App"', name: 'typeorm_pgview_refresh_state' };
    expect(slotServedSql(table, { schema: 'public', name: 'Ticks' }, 2000)).toEqual({
      sql: `SELECT n.slot::bigint::text AS slot, n.ms - n.slot * $1::float8 AS elapsed_ms, (n.slot + 1) * $1::float8 - n.ms AS next_in_ms,
       coalesce(floor(extract(epoch FROM s.started_at)::float8 * 1000 / $1::float8) = n.slot AND s.started_at <= n.at, false) AS served
  FROM (${clock}) n
  LEFT JOIN "My ""App"""."typeorm_pgview_refresh_state" s ON s.view_schema = $2 AND s.view_name = $3`,
      parameters: [2000, 'public', 'Ticks'],
    });
  });
});
