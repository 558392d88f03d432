// The table and materialized view of the auto-refresh scenarios (1, 2 and 5): `bench_orders` rows
// grouped by `k` into `bench_order_totals`, 5000 groups with a unique index, so REFRESH ... CONCURRENTLY
// applies. Also the hand-written refresh subscriber users write today, the baseline of scenarios 1 and 2.
import { EntitySchema, type DataSource, type EntitySubscriberInterface, type TransactionCommitEvent } from 'typeorm';
import { MaterializedView, type AutoRefreshOptions } from '../../src';
import type { Client } from 'pg';
import type { BenchDatabase } from './database';

export const GROUPS = 5000;
const EXPRESSION = 'SELECT k, count(*) AS n, sum(v) AS total FROM bench_orders GROUP BY k';

export interface Order {
  id?: number;
  k: number;
  v: number;
}

export const Orders = new EntitySchema<Order>({
  name: 'bench_orders',
  columns: { id: { type: 'int', primary: true, generated: true }, k: { type: 'int' }, v: { type: 'int' } },
});

/**
 * A fresh class declaring `bench_order_totals`, with `autoRefresh` timing or without. Each DataSource
 * lists its own class, so several declarations of the one view can coexist in a run.
 */
export function orderTotalsView(autoRefresh?: AutoRefreshOptions): Function {
  class OrderTotals {}
  MaterializedView({
    name: 'bench_order_totals',
    expression: EXPRESSION,
    indexes: [{ columns: ['k'], unique: true }],
    ...(autoRefresh ? { autoRefresh } : {}),
  })(OrderTotals);
  return OrderTotals;
}

/** Creates `bench_orders` with `rows` rows spread over GROUPS groups. */
export async function createOrders(db: BenchDatabase, rows: number): Promise<void> {
  await db.query(
    `CREATE TABLE bench_orders (id serial PRIMARY KEY, k int NOT NULL, v int NOT NULL);
     INSERT INTO bench_orders (k, v) SELECT g % ${GROUPS}, g % 1000 FROM generate_series(1, ${rows}) g;
     ANALYZE bench_orders;`,
  );
}

/** One new order in a random group (single-row commit through `repository.save()`). */
export const saveOrder = (ds: DataSource) =>
  ds.getRepository(Orders).save({ k: Math.floor(Math.random() * GROUPS), v: 1 });

/** How many source rows `bench_order_totals` counts (all of them once it is current: orders are only added). */
export const rowsInView = async (client: Client) =>
  Number((await client.query('SELECT coalesce(sum(n), 0)::bigint AS rows FROM bench_order_totals')).rows[0].rows);

/** True when `bench_order_totals` counts every row of `bench_orders` and agrees with it group by group. */
export const VIEW_IS_CURRENT_QUERY = `
  SELECT NOT EXISTS (
    (SELECT k, n, total FROM bench_order_totals EXCEPT SELECT k, count(*), sum(v) FROM bench_orders GROUP BY k)
    UNION ALL
    (SELECT k, count(*), sum(v) FROM bench_orders GROUP BY k EXCEPT SELECT k, n, total FROM bench_order_totals)
  ) AS current`;

/** What users write today (TypeORM #4971): refresh after every real commit, awaited. */
export class NaiveRefreshSubscriber implements EntitySubscriberInterface {
  refreshes = 0;
  async afterTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    if (event.queryRunner.isTransactionActive) return; // a savepoint release, not a commit
    this.refreshes++;
    await event.manager.connection.query('REFRESH MATERIALIZED VIEW CONCURRENTLY bench_order_totals');
  }
}
