// The triggers source against real PostgreSQL: writes TypeORM never sees (raw SQL, TRUNCATE, FK cascade
// deletes, a write straight into a partition) refresh; the listener survives pg_terminate_backend and
// catches up; triggers install idempotently and are removed. Waits on 'refresh' events, never on time.
import type { DataSource } from 'typeorm';
import { ViewColumn } from 'typeorm';
import {
  enableAutoRefresh,
  installAutoRefreshTriggers,
  MaterializedView,
  removeAutoRefreshTriggers,
  syncViews,
  type AutoRefreshEvent,
} from '../../src';
import type { AutoRefresh } from '../../src/refresh/auto/engine';
import { LISTENER_APPLICATION_NAME } from '../../src/refresh/auto/listener';
import { useTestDatabase } from '../support/database';
import { autoRefreshEntities, Customer, Purchase } from '../support/auto-refresh-fixture';

/** Over a partitioned table created by the test. */
@MaterializedView({
  name: 'reading_counts',
  expression: 'SELECT sensor, count(*)::int AS readings FROM readings GROUP BY sensor',
  autoRefresh: { debounceMs: 10, maxWaitMs: 50 },
})
class ReadingCounts {
  @ViewColumn() sensor!: string;
  @ViewColumn() readings!: number;
}

const db = useTestDatabase();
let ds: DataSource;
let auto: AutoRefresh;
const events: AutoRefreshEvent[] = [];
let customer: Customer;

/** Resolves at the next refresh of `view`. */
function nextRefresh(view: string): Promise<AutoRefreshEvent> {
  return new Promise((resolve) => {
    const listener = (e: AutoRefreshEvent) => {
      if (e.view.name !== view) return;
      auto.off('refresh', listener);
      resolve(e);
    };
    auto.on('refresh', listener);
  });
}

const totalsQuery = `SELECT customer_id, count(*)::int AS purchases, sum(amount)::int AS total
                       FROM purchases WHERE deleted_at IS NULL GROUP BY customer_id ORDER BY 1`;
async function expectTotalsFresh(): Promise<void> {
  expect(await ds.query('SELECT * FROM purchase_totals ORDER BY 1')).toEqual(await ds.query(totalsQuery));
}

beforeAll(async () => {
  ds = await db.connect({ entities: [...autoRefreshEntities, ReadingCounts], synchronize: true });
  await ds.query(`CREATE TABLE readings (sensor text NOT NULL, taken date NOT NULL) PARTITION BY RANGE (taken)`);
  await ds.query(`CREATE TABLE readings_2026 PARTITION OF readings FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')`);
  await ds.query(
    'ALTER TABLE purchases ADD CONSTRAINT purchases_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE',
  );
  await syncViews(ds);
  customer = await ds.getRepository(Customer).save({ name: 'Ada' });
  auto = await enableAutoRefresh(ds, { source: 'triggers' });
  auto.on('refresh', (e) => events.push(e));
});

afterAll(async () => {
  await auto.stop();
});

describe('auto-refresh through triggers', () => {
  it('installs one statement trigger per watched table, partitions included', async () => {
    const rows = await ds.query<{ table: string }[]>(
      `SELECT tgrelid::regclass::text AS table FROM pg_trigger WHERE tgname = 'typeorm_pgview_auto_refresh' ORDER BY 1`,
    );
    expect(rows.map((r) => r.table)).toEqual([
      'customers',
      'fractions',
      'notes',
      'purchase_tags',
      'purchases',
      'readings',
      'readings_2026',
      'shipments',
    ]);
    expect(await installAutoRefreshTriggers(ds, { definitions: auto.views })).toEqual({ installed: [], removed: [] });
  });

  it('raw SQL refreshes the views that read the table', async () => {
    const refreshed = nextRefresh('customer_ranks');
    await ds.query('INSERT INTO purchases (customer_id, amount) VALUES ($1, 10), ($1, 5)', [customer.id]);
    expect((await refreshed).changedTables).toContain('public.purchases');
    await auto.flush();
    await expectTotalsFresh();
    expect(await ds.query('SELECT total FROM customer_ranks')).toEqual([{ total: 15 }]);
  });

  it('a bulk transaction notifies once: one refresh', async () => {
    await auto.flush();
    events.length = 0;
    const refreshed = nextRefresh('purchase_totals');
    await ds.transaction(async (m) => {
      for (let i = 0; i < 20; i++)
        await m.query('INSERT INTO purchases (customer_id, amount) VALUES ($1, 1)', [customer.id]);
    });
    await refreshed;
    await auto.flush();
    expect(events.filter((e) => e.view.name === 'purchase_totals')).toHaveLength(1);
    await expectTotalsFresh();
  });

  it('a rolled-back raw write notifies nothing', async () => {
    await auto.flush();
    events.length = 0;
    await ds
      .transaction(async (m) => {
        await m.query('INSERT INTO notes (body) VALUES ($1)', ['never']);
        throw new Error('abort');
      })
      .catch(() => undefined);
    // A later committed write to another table: its refresh proves the earlier notification, had there
    // been one, was delivered first (notifications arrive in commit order on one connection).
    const marker = nextRefresh('shipment_counts');
    await ds.query('INSERT INTO shipments (customer_id) VALUES ($1)', [customer.id]);
    await marker;
    await auto.flush();
    expect(events.map((e) => e.view.name)).toEqual(['shipment_counts']);
  });

  it('TRUNCATE refreshes', async () => {
    await ds.query(`INSERT INTO notes (body) VALUES ('a'), ('b')`);
    await auto.flush();
    const refreshed = nextRefresh('note_count');
    await ds.query('TRUNCATE notes');
    await refreshed;
    expect(await ds.query('SELECT notes FROM note_count')).toEqual([{ notes: 0 }]);
  });

  it('an ON DELETE CASCADE delete refreshes the view over the child table', async () => {
    const other = await ds.getRepository(Customer).save({ name: 'Bob' });
    await ds.getRepository(Purchase).insert({ customerId: other.id, amount: 3 });
    await auto.flush();
    await expectTotalsFresh();
    const refreshed = nextRefresh('purchase_totals');
    await ds.query('DELETE FROM customers WHERE id = $1', [other.id]);
    expect((await refreshed).changedTables).toContain('public.purchases');
    await auto.flush();
    await expectTotalsFresh();
  });

  it('a write straight into a partition refreshes the view over the partitioned table', async () => {
    const refreshed = nextRefresh('reading_counts');
    await ds.query(`INSERT INTO readings_2026 VALUES ('s1', '2026-03-01')`);
    await refreshed;
    const again = nextRefresh('reading_counts');
    await ds.query(`INSERT INTO readings VALUES ('s1', '2026-04-01')`);
    await again;
    expect(await ds.query('SELECT * FROM reading_counts')).toEqual([{ sensor: 's1', readings: 2 }]);
  });

  it('after its backend is terminated, the listener reconnects, catches up, and later writes still refresh', async () => {
    const before = auto.listenerPid!;
    expect(before).toEqual(expect.any(Number));
    const [row] = await ds.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1 AND application_name = $2',
      [before, LISTENER_APPLICATION_NAME],
    );
    expect(row!.n).toBe(1);
    await ds.query('SELECT pg_terminate_backend($1)', [before]);
    // Written while the listener may be down: the catch-up refresh after reconnecting covers it.
    await ds.query('INSERT INTO purchases (customer_id, amount) VALUES ($1, 100)', [customer.id]);
    for (let i = 0; i < 200 && (auto.listenerPid === undefined || auto.listenerPid === before); i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(auto.listenerPid).not.toBe(before);
    expect(auto.listenerPid).toEqual(expect.any(Number));
    await auto.flush();
    await expectTotalsFresh();

    const refreshed = nextRefresh('purchase_totals');
    await ds.query('INSERT INTO purchases (customer_id, amount) VALUES ($1, 1000)', [customer.id]);
    await refreshed;
    await auto.flush();
    await expectTotalsFresh();
  });

  it('removeAutoRefreshTriggers removes them all; installAutoRefreshTriggers puts them back', async () => {
    const removed = await removeAutoRefreshTriggers(ds);
    expect(removed.removed).toHaveLength(8);
    const count = async () =>
      (
        await ds.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM pg_trigger WHERE tgname = 'typeorm_pgview_auto_refresh'`,
        )
      )[0]!.n;
    expect(await count()).toBe(0);
    const installed = await installAutoRefreshTriggers(ds);
    expect(installed.installed).toHaveLength(8);
    expect(await count()).toBe(8);
  });
});
