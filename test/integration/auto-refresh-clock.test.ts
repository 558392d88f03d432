// Skips are decided by one counter, never by clocks (issue 13, defect 3), and what destroy() does to a
// running refresh (defect 8), against real PostgreSQL. A clock stepped back is simulated by what it leaves
// in the state table (a start time in the future); process clock skew by shifting performance.now() and
// Date.now(). No assertion reads a clock.
import { Column, Entity, PrimaryGeneratedColumn, type DataSource } from 'typeorm';
import {
  enableAutoRefresh,
  MaterializedView,
  syncViews,
  type AutoRefreshError,
  type AutoRefreshWarning,
} from '../../src';
import { Coordination } from '../../src/refresh/auto/coordinator';
import type { AutoRefresh } from '../../src/refresh/auto/engine';
import type { AutoRefreshStopEvent } from '../../src/refresh/auto/events';
import { useTestDatabase } from '../support/database';
import { typeormVersion } from '../support/typeorm-version';

@Entity({ name: 'ticks' })
class Tick {
  @PrimaryGeneratedColumn() id!: number;
  @Column('int') amount!: number;
}

@Entity({ name: 'slow_ticks' })
class SlowTick {
  @PrimaryGeneratedColumn() id!: number;
}

@MaterializedView({
  name: 'tick_totals',
  expression: 'SELECT count(*)::int AS n FROM ticks',
  autoRefresh: { debounceMs: 10, maxWaitMs: 50, concurrently: false },
})
class TickTotals {}

/** Its refresh takes half a second: long enough to stop or destroy under it. */
@MaterializedView({
  name: 'slow_totals',
  expression: 'SELECT count(*)::int AS n, pg_sleep(0.5)::text AS slept FROM slow_ticks',
  autoRefresh: { debounceMs: 10, maxWaitMs: 50, concurrently: false },
})
class SlowTotals {}

const entities = [Tick, SlowTick, TickTotals, SlowTotals];
const db = useTestDatabase();
const started: AutoRefresh[] = [];
/** Every 'error' of the engines started here: none is expected. */
const errors: AutoRefreshError[] = [];
const table = { schema: 'public', name: 'typeorm_pgview_refresh_state' };
const view = { schema: 'public', name: 'tick_totals' };

async function engine(): Promise<{ ds: DataSource; auto: AutoRefresh; warnings: AutoRefreshWarning[] }> {
  const ds = await db.connect({ entities });
  const auto = await enableAutoRefresh(ds);
  started.push(auto);
  const warnings: AutoRefreshWarning[] = [];
  auto.on('warning', (w) => warnings.push(w));
  auto.on('error', (e: AutoRefreshError) => errors.push(e));
  return { ds, auto, warnings };
}

const count = async (relation: string) =>
  (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${relation}`))[0]!.n;
const viewCount = async (name: string) => (await db.query<{ n: number }>(`SELECT n FROM ${name}`))[0]!.n;
const recorded = async () =>
  (
    await db.query<{ seq: string; last: string }>(
      `SELECT s.started_seq::text AS seq, q.last_value::text AS last FROM typeorm_pgview_refresh_state s, typeorm_pgview_refresh_seq q WHERE s.view_name = 'tick_totals'`,
    )
  )[0]!;

/** Polls (without reading any clock) until `view`'s REFRESH statement is running on the server. */
async function refreshRunning(name: string): Promise<void> {
  for (;;) {
    const [row] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'REFRESH MATERIALIZED VIEW %${name}%'`,
    );
    if (row!.n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

beforeAll(async () => {
  const setup = await db.connect({ entities, synchronize: true });
  await syncViews(setup);
});

afterEach(async () => {
  jest.restoreAllMocks();
  await Promise.all(started.splice(0).map((auto) => auto.stop()));
  expect(errors.splice(0)).toEqual([]);
});

describe('a clock that steps back does not silence auto-refresh', () => {
  it('a last refresh start recorded an hour in the future (server clock stepped back) no longer skips the refresh', async () => {
    const { ds, auto, warnings } = await engine();
    await ds.getRepository(Tick).save({ amount: 1 });
    await auto.flush();
    await db.query(`UPDATE typeorm_pgview_refresh_state SET started_at = clock_timestamp() + interval '1 hour'`);
    await ds.getRepository(Tick).save({ amount: 2 });
    await auto.flush();
    expect(await viewCount('tick_totals')).toBe(await count('ticks'));
    expect(warnings).toEqual([]);
  });

  it("a recorded start beyond the sequence cannot be decided: refreshed anyway, one 'warning', then decided normally", async () => {
    const { ds, auto, warnings } = await engine();
    await ds.getRepository(Tick).save({ amount: 1 });
    await auto.flush();
    await db.query(
      `UPDATE typeorm_pgview_refresh_state SET started_seq = (SELECT last_value FROM typeorm_pgview_refresh_seq) + 1000000`,
    );
    await ds.getRepository(Tick).save({ amount: 2 });
    await auto.flush();
    expect(await viewCount('tick_totals')).toBe(await count('ticks'));
    expect(warnings).toEqual([
      {
        code: 'state-undecidable',
        view,
        message: expect.stringContaining('cannot be decided; refreshing anyway') as string,
      },
    ]);
    const after = await recorded();
    expect(BigInt(after.seq)).toBeLessThanOrEqual(BigInt(after.last));
    await ds.getRepository(Tick).save({ amount: 3 });
    await auto.flush();
    expect(await viewCount('tick_totals')).toBe(await count('ticks'));
    expect(warnings).toHaveLength(1);
  });

  it('a state table an older version made (started_at only, a future time in it) is upgraded and refreshes', async () => {
    await db.query(
      'DROP TABLE IF EXISTS typeorm_pgview_refresh_state; DROP SEQUENCE IF EXISTS typeorm_pgview_refresh_seq',
    );
    await db.query(`CREATE TABLE typeorm_pgview_refresh_state (
      view_schema name NOT NULL, view_name name NOT NULL, started_at timestamptz NOT NULL,
      PRIMARY KEY (view_schema, view_name))`);
    await db.query(
      `INSERT INTO typeorm_pgview_refresh_state VALUES ('public', 'tick_totals', clock_timestamp() + interval '1 hour')`,
    );
    const { ds, auto, warnings } = await engine();
    await ds.getRepository(Tick).save({ amount: 4 });
    await auto.flush();
    expect(await viewCount('tick_totals')).toBe(await count('ticks'));
    expect(BigInt((await recorded()).seq)).toBeGreaterThan(0n);
    expect(warnings).toEqual([]);
  });
});

describe('skips are decided by the sequence only: process clocks have no say', () => {
  const fail = (what: string) => () => {
    throw new Error(`unexpected ${what}`);
  };
  const coordination = (ds: DataSource) =>
    new Coordination(ds, table, { unavailable: fail('unavailable'), undecided: fail('undecided') });
  const shiftClocks = (ms: number) => {
    const perf = performance.now.bind(performance);
    const date = Date.now.bind(Date);
    jest.spyOn(performance, 'now').mockImplementation(() => perf() + ms);
    jest.spyOn(Date, 'now').mockImplementation(() => date() + ms);
  };

  it('a process clock jumping an hour ahead does not make an older refresh cover a new change', async () => {
    const ds = await db.connect();
    const mine = coordination(ds);
    expect((await mine.refresh(view, false, performance.now())).kind).toBe('refreshed');
    await db.query('INSERT INTO ticks (amount) VALUES (5)');
    const seenAt = performance.now();
    shiftClocks(3_600_000);
    expect((await mine.refresh(view, false, seenAt)).kind).toBe('refreshed');
    expect(await viewCount('tick_totals')).toBe(await count('ticks'));
    await mine.stop();
  });

  it.each([
    ['an hour ahead', 3_600_000],
    ['an hour behind', -3_600_000],
  ])("another process's later refresh covers the change whatever this one's clock says (%s)", async (_, skew) => {
    const [a, b] = [coordination(await db.connect()), coordination(await db.connect())];
    await db.query('INSERT INTO ticks (amount) VALUES (6)');
    const seenAt = performance.now();
    await a.seen();
    expect((await b.refresh(view, false, performance.now())).kind).toBe('refreshed');
    shiftClocks(skew);
    expect(await a.refresh(view, false, seenAt)).toEqual({ kind: 'covered' });
    expect(await viewCount('tick_totals')).toBe(await count('ticks'));
    await Promise.all([a.stop(), b.stop()]);
  });

  it('a refresh that began before the change was seen never covers it', async () => {
    const [a, b] = [coordination(await db.connect()), coordination(await db.connect())];
    expect((await b.refresh(view, false, performance.now())).kind).toBe('refreshed');
    await db.query('INSERT INTO ticks (amount) VALUES (7)');
    const seenAt = performance.now();
    await a.seen();
    expect((await a.refresh(view, false, seenAt)).kind).toBe('refreshed');
    expect(await viewCount('tick_totals')).toBe(await count('ticks'));
    await Promise.all([a.stop(), b.stop()]);
  });
});

describe(`shutdown under a running refresh (TypeORM ${typeormVersion})`, () => {
  it('stop() resolves only after the running refresh has committed; destroy() after it cuts nothing off', async () => {
    const { ds, auto, warnings } = await engine();
    await ds.getRepository(SlowTick).save({});
    await refreshRunning('slow_totals');
    await auto.stop();
    expect(
      await count("pg_stat_activity WHERE query LIKE 'REFRESH MATERIALIZED VIEW %slow_totals%' AND state = 'active'"),
    ).toBe(0);
    expect(await viewCount('slow_totals')).toBe(await count('slow_ticks'));
    await ds.destroy();
    expect(warnings).toEqual([]);
  });

  it('flush(), stop(), destroy(): pending changes are in the view', async () => {
    const { ds, auto, warnings } = await engine();
    await ds.getRepository(Tick).save({ amount: 8 });
    await auto.flush();
    await auto.stop();
    await ds.destroy();
    expect(await viewCount('tick_totals')).toBe(await count('ticks'));
    expect(warnings).toEqual([]);
  });

  it("destroy() under a running refresh cuts nothing off: it commits on auto-refresh's own connection, then 'stop', no warning", async () => {
    const { ds, auto, warnings } = await engine();
    const stopped = new Promise<AutoRefreshStopEvent>((resolve) => auto.once('stop', resolve));
    await ds.getRepository(SlowTick).save({});
    await refreshRunning('slow_totals');
    await ds.destroy(); // ends the application's pool only: the refresh's connection is not in it
    expect(await stopped).toEqual({ reason: 'destroyed' });
    await auto.stop(); // resolves once the running refresh has committed and its pool is closed
    expect(warnings).toEqual([]);
    expect(await viewCount('slow_totals')).toBe(await count('slow_ticks'));
  });
});
