// The refresh budget (docs/auto-refresh.md, "The refresh budget"): refreshes run on connections of
// auto-refresh's own, at most maxConcurrentRefreshes at once, so a refresh blocked behind a lock never holds
// a connection a writer waits for. No timing: a lock held from a third connection blocks the refresh, and
// pg_stat_activity shows what waits on what.
import { Client } from 'pg';
import { Column, Entity, PrimaryGeneratedColumn, ViewColumn, type DataSource } from 'typeorm';
import { MaterializedView, PgViewError, enableAutoRefresh, syncViews, type AutoRefreshEvent } from '../../src';
import { REFRESH_APPLICATION_NAME } from '../../src/refresh/auto/connection';
import type { AutoRefresh } from '../../src/refresh/auto/engine';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

@Entity({ name: 'parcels' })
class Parcel {
  @PrimaryGeneratedColumn() id!: number;
  @Column('int') weight!: number;
}

const totals = (name: string) =>
  MaterializedView({
    name,
    expression: 'SELECT count(*)::int AS parcels, coalesce(sum(weight), 0)::int AS weight FROM parcels',
    indexes: [{ columns: ['parcels'], unique: true }],
    autoRefresh: { debounceMs: 5, maxWaitMs: 20 },
  });
@totals('parcel_totals')
class ParcelTotals {
  @ViewColumn() parcels!: number;
  @ViewColumn() weight!: number;
}
@totals('parcel_totals_again')
class ParcelTotalsAgain {
  @ViewColumn() parcels!: number;
  @ViewColumn() weight!: number;
}

const entities = [Parcel, ParcelTotals, ParcelTotalsAgain];
let holder: Client;
let auto: AutoRefresh | undefined;

beforeAll(async () => {
  const ds = await db.connect({ entities, synchronize: true });
  await syncViews(ds);
  await ds.destroy();
  holder = new Client({ connectionString: db.url });
  holder.on('error', () => undefined); // terminated when the test database is dropped
  await holder.connect();
});

afterEach(async () => {
  await holder.query('ROLLBACK').catch(() => undefined);
  await auto?.stop();
  auto = undefined;
});

afterAll(async () => {
  await holder.end();
});

/** The auto-refresh connections of this database: their state and what they wait for. */
async function refreshBackends(): Promise<{ query: string; wait: string | null }[]> {
  return db.query(
    'SELECT query, wait_event_type AS wait FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND state = $2',
    [REFRESH_APPLICATION_NAME, 'active'],
  );
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Holds the lock every refresh of `view` needs, in an open transaction of the holder. */
async function block(...views: string[]): Promise<void> {
  await holder.query('BEGIN');
  for (const view of views) await holder.query(`REFRESH MATERIALIZED VIEW ${view}`);
}

describe('the refresh budget', () => {
  it('pool of 2: a refresh blocked behind a lock holds none of it, and save() still completes, twice at once', async () => {
    const ds: DataSource = await db.connect({ entities, extra: { max: 2 } });
    auto = await enableAutoRefresh(ds);
    expect(auto.options.maxConcurrentRefreshes).toBe(1); // half of the pool's 2
    await block('parcel_totals', 'parcel_totals_again');
    await ds.getRepository(Parcel).save({ weight: 1 });
    const blocked = await until(refreshBackends, (rows) => rows.some((r) => r.wait === 'Lock'));
    expect(blocked).toEqual([{ query: expect.stringContaining('REFRESH MATERIALIZED VIEW') as string, wait: 'Lock' }]);
    // Both of the application's connections at once (a second connect() would wait for ever if the
    // refresh held one), while the refresh waits on a connection of its own.
    const writers = [ds.createQueryRunner(), ds.createQueryRunner()];
    for (const writer of writers) await writer.connect();
    try {
      for (const [i, writer] of writers.entries()) {
        await writer.startTransaction();
        await writer.manager.save(Parcel, { weight: 2 + i });
      }
      for (const writer of writers) await writer.commitTransaction();
    } finally {
      for (const writer of writers) await writer.release();
    }
    expect(await ds.getRepository(Parcel).count()).toBe(3);
    // The budget of 1 holds: the second view waits in the queue, not on another connection.
    expect(await refreshBackends()).toHaveLength(1);
    await holder.query('ROLLBACK');
    await auto.flush();
    const rows = await db.query<{ parcels: number }>(
      'SELECT (SELECT parcels FROM parcel_totals) AS parcels UNION ALL SELECT parcels FROM parcel_totals_again',
    );
    expect(rows).toEqual([{ parcels: 3 }, { parcels: 3 }]);
  });

  it("reports the queue in 'refresh' events: the view that waited saw the other running", async () => {
    const ds = await db.connect({ entities, extra: { max: 2 } });
    auto = await enableAutoRefresh(ds);
    const events: AutoRefreshEvent[] = [];
    auto.on('refresh', (e) => events.push(e));
    await block('parcel_totals', 'parcel_totals_again');
    await ds.getRepository(Parcel).save({ weight: 4 });
    await until(refreshBackends, (rows) => rows.some((r) => r.wait === 'Lock'));
    await until(
      async () => auto!.load,
      (load) => load.queued === 1,
    );
    expect(auto.pendingSince({ schema: 'public', name: 'parcel_totals_again' })).toBeInstanceOf(Date);
    await holder.query('ROLLBACK');
    await auto.flush();
    expect(events).toHaveLength(2);
    expect(events.map((e) => e.load.budget)).toEqual([1, 1]);
    // The first to finish had the other view queued behind it (it is counted as pressure on the windows).
    expect(events[0]!.load).toMatchObject({ queued: 1 });
    expect(events[0]!.load.pressure).toBe(1);
    for (const e of events) expect(e.stalenessMs).toBeGreaterThanOrEqual(e.durationMs);
  });

  it('maxConcurrentRefreshes must stay within half the pool: the error names the option and the fix', async () => {
    const ds = await db.connect({ entities, extra: { max: 4 } });
    for (const value of [3, 0, 1.5]) {
      const error = (await enableAutoRefresh(ds, { maxConcurrentRefreshes: value }).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(PgViewError);
      expect(error.message).toContain(`\`maxConcurrentRefreshes\` is ${value}. Use an integer from 1 to 2`);
      expect(error.message).toContain('raise the pool size');
    }
    auto = await enableAutoRefresh(ds, { maxConcurrentRefreshes: 2 });
    expect(auto.options.maxConcurrentRefreshes).toBe(2);
  });
});
