// Scheduled refresh in one process: the schedule's check counts a change-triggered refresh in the current
// interval as that interval's, a view with refreshEvery and no autoRefresh is scheduled too, coordinate:
// false gives each process its own schedule, a failing refresh is reported and retried, and stop() leaves
// no timer. Intervals of a day: every check here is the first of its interval, so nothing waits on a clock.
import {
  enableAutoRefresh,
  refreshMaterializedView,
  syncViews,
  type AutoRefreshError,
  type AutoRefreshEvent,
} from '../../src';
import type { AutoRefresh } from '../../src/refresh/auto/engine';
import { useTestDatabase } from '../support/database';
import { Counts, CountsOnChange, Daily, Fragile, Item } from '../support/schedule-fixture';

const db = useTestDatabase();

beforeAll(async () => {
  const ds = await db.connect({ entities: [Item, Counts, Daily, Fragile], synchronize: true });
  await syncViews(ds);
});

function record(auto: AutoRefresh): AutoRefreshEvent[] {
  const events: AutoRefreshEvent[] = [];
  auto.on('refresh', (e) => events.push(e));
  return events;
}

const startedAt = async (view: string) =>
  (
    await db.query<{ started_at: Date }>(
      'SELECT started_at FROM typeorm_pgview_refresh_state WHERE view_schema = $1 AND view_name = $2',
      ['public', view],
    )
  )[0]?.started_at;

describe('scheduled refresh', () => {
  it('skips an interval a change-triggered refresh served, and schedules a view that has no autoRefresh', async () => {
    // Another deployment refreshes sched_counts after a change (it does not schedule it).
    const writer = await db.connect({ entities: [Item, CountsOnChange] });
    const onChange = await enableAutoRefresh(writer);
    const changeEvents = record(onChange);
    await writer.getRepository(Item).save({ divisor: 4 });
    await onChange.flush();
    expect(changeEvents.map((e) => [e.view.name, e.reason, e.changedTables])).toEqual([
      ['sched_counts', 'change', ['public.sched_items']],
    ]);
    await onChange.stop();
    const changeStart = await startedAt('sched_counts');

    // This one schedules both daily: sched_counts' day is served by that refresh, sched_daily's is not.
    const ds = await db.connect({ entities: [Item, Counts, Daily] });
    const auto = await enableAutoRefresh(ds);
    const events = record(auto);
    await auto.schedule.settled();
    expect(events).toEqual([
      expect.objectContaining({
        view: { schema: 'public', name: 'sched_daily' },
        reason: 'schedule',
        changedTables: [],
        commitsCoalesced: 0,
      }),
    ]);
    expect(await startedAt('sched_counts')).toEqual(changeStart);
    expect(await startedAt('sched_daily')).toBeInstanceOf(Date);

    // A second process's first check finds both served.
    const other = await db.connect({ entities: [Item, Counts, Daily] });
    const second = await enableAutoRefresh(other);
    const secondEvents = record(second);
    await second.schedule.settled();
    expect(secondEvents).toEqual([]);

    // Both wait for tomorrow: one timer per view; stop() clears them.
    expect(auto.schedule.armed).toBe(2);
    await Promise.all([auto.stop(), second.stop()]);
    expect(auto.schedule.armed).toBe(0);
    expect(second.schedule.armed).toBe(0);
  });

  it('with coordinate: false, each process runs its own schedule', async () => {
    const [a, b] = await Promise.all([db.connect({ entities: [Daily] }), db.connect({ entities: [Daily] })]);
    const before = await startedAt('sched_daily');
    // Each listens as soon as it has its handle; one may find the lock busy first and retry.
    const started = await Promise.all(
      [a, b].map(async (ds) => {
        const auto = await enableAutoRefresh(ds, { coordinate: false });
        return { auto, refreshed: new Promise<AutoRefreshEvent>((resolve) => auto.once('refresh', resolve)) };
      }),
    );
    const autos = started.map((s) => s.auto);
    // Both refresh: a process remembers only its own refreshes.
    const refreshes = await Promise.all(started.map((s) => s.refreshed));
    expect(refreshes.map((e) => e.reason)).toEqual(['schedule', 'schedule']);
    await Promise.all(autos.map((auto) => auto.schedule.settled()));
    expect(await startedAt('sched_daily')).toEqual(before); // nothing recorded
    await Promise.all(autos.map((auto) => auto.stop()));
  });

  it('reports a failing scheduled refresh through error, retries it, and serves the interval once fixed', async () => {
    await db.query('INSERT INTO sched_items (divisor) VALUES (0)');
    const ds = await db.connect({ entities: [Item, Fragile] });
    const auto = await enableAutoRefresh(ds, { retry: { initialMs: 20, maxMs: 100 } });
    const errors: AutoRefreshError[] = [];
    const refreshed = new Promise<AutoRefreshEvent>((resolve) => auto.on('refresh', resolve));
    const failedTwice = new Promise<void>((resolve) =>
      auto.on('error', (e) => {
        errors.push(e);
        if (errors.length === 2) resolve();
      }),
    );
    await failedTwice;
    await db.query('UPDATE sched_items SET divisor = 1 WHERE divisor = 0');
    expect((await refreshed).reason).toBe('schedule');
    expect(errors.slice(0, 2).map((e) => [e.view?.name, e.attempt, e.retryInMs])).toEqual([
      ['sched_fragile', 1, 20],
      ['sched_fragile', 2, 40],
    ]);
    expect(errors[0]!.message).toMatch(
      /^Scheduled refresh of public\.sched_fragile failed \(attempt 1, retrying in 20 ms\): division by zero\./,
    );
    expect(await db.query('SELECT n FROM sched_fragile')).toEqual([{ n: 2 }]);
    await auto.stop();
    expect(auto.schedule.armed).toBe(0);
  });
});

describe('scheduled refresh after a manual one', () => {
  it('counts a manual refreshMaterializedView in the interval as its refresh', async () => {
    await db.query('DELETE FROM typeorm_pgview_refresh_state WHERE view_name = $1', ['sched_daily']);
    const ds = await db.connect({ entities: [Item, Daily] });
    const manual = await refreshMaterializedView(ds, Daily);
    expect(manual.recorded).toBe(true);
    const manualStart = await startedAt('sched_daily');
    const auto = await enableAutoRefresh(ds);
    const events = record(auto);
    await auto.schedule.settled();
    expect(events).toEqual([]);
    expect(await startedAt('sched_daily')).toEqual(manualStart);
    await auto.stop();
  });
});
