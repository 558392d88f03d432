// Refreshes that never stall the database: lockTimeoutMs and statementTimeoutMs (declared and per call)
// against a lock held by another connection, under auto-refresh too (an error event, retried, the
// writer's save() never blocked), their transaction-local scope, and ANALYZE after a refresh.
import { Column, Entity, PrimaryGeneratedColumn, ViewColumn, type DataSource, type QueryRunner } from 'typeorm';
import {
  AutoRefreshError,
  MaterializedView,
  RefreshTimeoutError,
  enableAutoRefresh,
  getFreshness,
  refreshMaterializedView,
  syncViews,
} from '../../src';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

@Entity({ name: 'items' })
class Item {
  @PrimaryGeneratedColumn() id!: number;
  @Column('int') size!: number;
}

@MaterializedView({ name: 'item_total', expression: 'SELECT count(*)::int AS n FROM items', lockTimeoutMs: 200 })
class ItemTotal {
  @ViewColumn() n!: number;
}

@MaterializedView({ name: 'item_sizes', expression: 'SELECT size, count(*)::int AS n FROM items GROUP BY size' })
class ItemSizes {}

@MaterializedView({
  name: 'item_auto',
  expression: 'SELECT count(*)::int AS n FROM items',
  autoRefresh: { debounceMs: 10, maxWaitMs: 50 },
  lockTimeoutMs: 300,
})
class ItemAuto {}

@MaterializedView({ name: 'item_analyzed', expression: 'SELECT id, size FROM items', analyze: true })
class ItemAnalyzed {}

const entities = [Item, ItemTotal, ItemSizes, ItemAuto, ItemAnalyzed];
let ds: DataSource;

/**
 * Another connection reading `relation` in an open transaction (so holding ACCESS SHARE on it, which a
 * plain REFRESH must wait for: LOCK TABLE does not take materialized views), until `release()`.
 */
async function holdReadLock(relation: string): Promise<{ release(): Promise<void> }> {
  const runner: QueryRunner = ds.createQueryRunner();
  await runner.connect();
  await runner.query('BEGIN');
  await runner.query(`SELECT FROM ${relation} LIMIT 1`);
  return {
    async release() {
      await runner.query('COMMIT');
      await runner.release();
    },
  };
}

/** Polls until `check` holds (the condition is on catalog state, never on elapsed time). */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never happened: ${what}`);
}

const refreshWaitingOnLock = async (view: string) =>
  Number(
    (
      await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity
          WHERE wait_event_type = 'Lock' AND query LIKE 'REFRESH MATERIALIZED VIEW%' AND query LIKE $1`,
        [`%${view}%`],
      )
    )[0]!.n,
  ) > 0;

beforeAll(async () => {
  ds = await db.connect({ entities, synchronize: true });
  await db.query('INSERT INTO items (size) SELECT g % 3 FROM generate_series(1, 30) g');
  await syncViews(ds);
});

describe('lockTimeoutMs and statementTimeoutMs', () => {
  it('a manual refresh gives up at the declared lockTimeoutMs, or the call’s, and changes nothing', async () => {
    await db.query('INSERT INTO items (size) VALUES (7)');
    const lock = await holdReadLock('item_total');
    try {
      const error = (await refreshMaterializedView(ds, ItemTotal).catch((e: unknown) => e)) as RefreshTimeoutError;
      expect(error).toBeInstanceOf(RefreshTimeoutError);
      expect(error).toMatchObject({ view: 'public.item_total', timeout: 'lockTimeoutMs', timeoutMs: 200 });
      expect(error.message).toBe(
        'Refresh of public.item_total (class ItemTotal) waited 200 ms (lockTimeoutMs) for a lock another transaction holds on it or on a table it reads, and gave up: it was rolled back and the view keeps its previous contents. Find the blocking transaction (pg_stat_activity, pg_locks) and refresh again, or raise lockTimeoutMs.',
      );
      expect((error.cause as { code: string }).code).toBe('55P03');
      await expect(refreshMaterializedView(ds, ItemTotal, { lockTimeoutMs: 50 })).rejects.toMatchObject({
        timeout: 'lockTimeoutMs',
        timeoutMs: 50,
      });
      expect((await getFreshness(ds, ItemTotal)).lastError?.message).toMatch(/^Refresh of public\.item_total .*50 ms/);
    } finally {
      await lock.release();
    }
    expect(await db.query('SELECT n FROM item_total')).toEqual([{ n: 30 }]);
    await refreshMaterializedView(ds, ItemTotal);
    expect(await db.query('SELECT n FROM item_total')).toEqual([{ n: 31 }]);
  });

  it('statementTimeoutMs cancels a refresh that waits or runs too long', async () => {
    const lock = await holdReadLock('item_sizes');
    try {
      const error = (await refreshMaterializedView(ds, ItemSizes, { statementTimeoutMs: 100 }).catch(
        (e: unknown) => e,
      )) as RefreshTimeoutError;
      expect(error).toMatchObject({ timeout: 'statementTimeoutMs', timeoutMs: 100 });
      expect(error.message).toMatch(
        /^Refresh of public\.item_sizes \(class ItemSizes\) ran longer than 100 ms \(statementTimeoutMs\) and was cancelled: .* Raise statementTimeoutMs, or make the query cheaper\.$/,
      );
      expect((error.cause as { code: string }).code).toBe('57014');
    } finally {
      await lock.release();
    }
    await expect(refreshMaterializedView(ds, ItemSizes, { lockTimeoutMs: 0 })).rejects.toThrow(
      'Refresh option lockTimeoutMs must be a whole number of milliseconds >= 1, got 0.',
    );
  });

  it('inside a caller’s transaction the limits hold for the refresh only', async () => {
    await ds.transaction(async (manager) => {
      await manager.query("SET LOCAL lock_timeout = '5s'");
      await refreshMaterializedView(manager, ItemTotal, { lockTimeoutMs: 100, statementTimeoutMs: 1000 });
      expect(
        await manager.query("SELECT current_setting('lock_timeout') AS l, current_setting('statement_timeout') AS s"),
      ).toEqual([{ l: '5s', s: '0' }]);
    });
  });

  it('under auto-refresh: the writer’s save() completes while the refresh waits; the timeout is an error event, retried', async () => {
    const lock = await holdReadLock('item_auto');
    const auto = await enableAutoRefresh(ds, { retry: { initialMs: 50, maxMs: 100 } });
    const errors: AutoRefreshError[] = [];
    auto.on('error', (e) => errors.push(e));
    try {
      await ds.getRepository(Item).save({ size: 1 });
      await until(() => refreshWaitingOnLock('item_auto'), 'the auto-refresh waits for the lock');
      // Still waiting on the lock, a second write goes through.
      await ds.getRepository(Item).save({ size: 2 });
      await until(async () => errors.length >= 2, 'two failed attempts');
      expect(errors[0]).toBeInstanceOf(AutoRefreshError);
      expect(errors[0]!.cause).toBeInstanceOf(RefreshTimeoutError);
      expect(errors[0]!.cause).toMatchObject({ timeout: 'lockTimeoutMs', timeoutMs: 300 });
      expect(errors.map((e) => e.attempt).slice(0, 2)).toEqual([1, 2]);
      const refreshed = new Promise((resolve) => auto.once('refresh', resolve));
      await lock.release();
      await refreshed;
      const [{ n }] = (await db.query<{ n: number }>('SELECT n FROM item_auto')) as [{ n: number }];
      expect(n).toBe(Number((await db.query<{ c: string }>('SELECT count(*) AS c FROM items'))[0]!.c));
      expect((await getFreshness(ds, ItemAuto)).lastError).toBeNull();
    } finally {
      await auto.stop();
      await lock.release().catch(() => undefined);
    }
  });
});

describe('analyze', () => {
  const reltuples = async () =>
    Number(
      (await db.query<{ r: number }>("SELECT reltuples AS r FROM pg_class WHERE relname = 'item_analyzed'"))[0]!.r,
    );

  it('ANALYZEs after a refresh when declared (or asked), not otherwise', async () => {
    const count = async () => Number((await db.query<{ c: string }>('SELECT count(*) AS c FROM items'))[0]!.c);
    await db.query('INSERT INTO items (size) SELECT 5 FROM generate_series(1, 40)');
    expect(await refreshMaterializedView(ds, ItemAnalyzed, { analyze: false })).toMatchObject({ analyzed: false });
    expect(await reltuples()).not.toBe(await count());
    expect(await refreshMaterializedView(ds, ItemAnalyzed)).toMatchObject({ analyzed: true });
    expect(await reltuples()).toBe(await count());
    await db.query('INSERT INTO items (size) SELECT 6 FROM generate_series(1, 10)');
    expect(await refreshMaterializedView(ds, ItemAnalyzed, { withData: false })).toMatchObject({ analyzed: false });
  });
});
