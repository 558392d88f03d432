// source 'both': the subscriber and the triggers hear the same commits; each commit is counted once.
import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { ViewColumn } from 'typeorm';
import { enableAutoRefresh, MaterializedView, syncViews, type AutoRefreshEvent } from '../../src';
import type { AutoRefresh } from '../../src/refresh/auto/engine';
import { autoRefreshEntities, Customer, Purchase } from '../support/auto-refresh-fixture';
import { useTestDatabase } from '../support/database';

/** A window wide enough that a burst of commits coalesces into one refresh. */
@MaterializedView({
  name: 'purchase_counts',
  expression: 'SELECT count(*)::int AS n FROM purchases',
  autoRefresh: { debounceMs: 60_000, maxWaitMs: 60_000 },
})
class PurchaseCounts {
  @ViewColumn() n!: number;
}

const db = useTestDatabase();
let ds: DataSource;
let auto: AutoRefresh;

beforeAll(async () => {
  ds = await db.connect({ entities: [...autoRefreshEntities, PurchaseCounts], synchronize: true });
  await syncViews(ds);
  auto = await enableAutoRefresh(ds, { source: 'both' });
});
afterAll(() => auto.stop());

it('counts 21 commits, made through TypeORM and as raw SQL, as 21 in commitsCoalesced', async () => {
  const customer = await ds.getRepository(Customer).save({ name: 'Ada' });
  await auto.flush();
  const events: AutoRefreshEvent[] = [];
  auto.on('refresh', (e) => events.push(e));
  for (let i = 0; i < 20; i++) await ds.getRepository(Purchase).save({ customerId: customer.id, amount: i });
  await ds.query('INSERT INTO purchases (customer_id, amount) VALUES ($1, 99)', [customer.id]);
  await auto.flush();
  const counts = events.filter((e) => e.view.name === 'purchase_counts');
  expect(counts.map((e) => e.commitsCoalesced)).toEqual([21]);
  expect(await ds.query('SELECT n FROM purchase_counts')).toEqual([{ n: 21 }]);
});
