// refreshMaterializedView / refreshAllMaterializedViews on real PostgreSQL.
import { ViewColumn } from 'typeorm';
import {
  MaterializedView,
  PgView,
  RefreshError,
  ViewNotFoundError,
  refreshAllMaterializedViews,
  refreshMaterializedView,
  syncViews,
} from '../../src';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

@MaterializedView({
  name: 'totals',
  expression: 'SELECT k, sum(v)::int AS total FROM facts GROUP BY k',
  indexes: [{ columns: ['k'], unique: true }],
})
class Totals {
  @ViewColumn() k!: string;
  @ViewColumn() total!: number;
}
@PgView({ name: 'big_totals', expression: 'SELECT k, total FROM totals WHERE total > 1' })
class BigTotals {}
@MaterializedView({ name: 'grand_total', expression: 'SELECT sum(total)::int AS total FROM big_totals' })
class GrandTotal {
  @ViewColumn() total!: number;
}
@MaterializedView({
  name: 'empty_at_first',
  expression: 'SELECT k FROM facts GROUP BY k',
  withData: false,
  indexes: [{ columns: ['k'], unique: true }],
})
class EmptyAtFirst {}
@MaterializedView({ name: 'undeclared_here', expression: 'SELECT 1 AS one' })
class NotInEntities {}
class NotDecorated {}

const entities = [GrandTotal, EmptyAtFirst, BigTotals, Totals];
const total = async () => (await db.query<{ total: number }>('SELECT total FROM grand_total'))[0]!.total;
const populated = async (name: string) =>
  (await db.query<{ p: boolean }>('SELECT ispopulated AS p FROM pg_matviews WHERE matviewname = $1', [name]))[0]!.p;

beforeAll(async () => {
  await db.query('CREATE TABLE facts (k text NOT NULL, v int NOT NULL)');
  await db.query("INSERT INTO facts VALUES ('a', 1), ('b', 2)");
  await syncViews(await db.connect({ entities }));
});

describe('refresh', () => {
  it('refreshes concurrently with a unique index, through a DataSource, an EntityManager or a QueryRunner', async () => {
    const ds = await db.connect({ entities });
    await db.query("INSERT INTO facts VALUES ('c', 5)");
    expect(await refreshMaterializedView(ds, Totals, { concurrently: true })).toMatchObject({
      concurrently: true,
      withData: true,
    });
    expect(await ds.getRepository(Totals).count()).toBe(3);
    await ds.transaction((manager) => refreshMaterializedView(manager, 'public.totals'));
    const qr = ds.createQueryRunner();
    try {
      expect((await refreshMaterializedView(qr, Totals, { concurrently: 'auto' })).concurrently).toBe(true);
    } finally {
      await qr.release();
    }
  });

  it('refuses CONCURRENTLY without a usable unique index, before running anything', async () => {
    const ds = await db.connect({ entities });
    await expect(refreshMaterializedView(ds, GrandTotal, { concurrently: true })).rejects.toThrow(
      /Cannot refresh public\.grand_total CONCURRENTLY: it needs a unique index on plain columns, with no WHERE clause\. Declare one/,
    );
    const auto = await refreshMaterializedView(ds, GrandTotal, { concurrently: 'auto' });
    expect(auto).toMatchObject({ concurrently: false, note: 'no usable unique index: a plain refresh ran' });
  });

  it('runs a plain refresh on an unpopulated view asked for CONCURRENTLY, and says so', async () => {
    const ds = await db.connect({ entities });
    expect(await populated('empty_at_first')).toBe(false);
    const result = await refreshMaterializedView(ds, EmptyAtFirst, { concurrently: true });
    expect(result).toMatchObject({ concurrently: false, note: expect.stringMatching(/^not populated yet/) });
    expect(await populated('empty_at_first')).toBe(true);
  });

  it('empties a view WITH NO DATA and rejects it combined with CONCURRENTLY', async () => {
    const ds = await db.connect({ entities });
    await refreshMaterializedView(ds, EmptyAtFirst, { withData: false });
    expect(await populated('empty_at_first')).toBe(false);
    await expect(
      refreshMaterializedView(ds, EmptyAtFirst, { concurrently: true, withData: false } as never),
    ).rejects.toThrow(RefreshError);
  });

  it('gives clear errors for plain views, undeclared classes and unknown names', async () => {
    const ds = await db.connect({ entities });
    await expect(refreshMaterializedView(ds, BigTotals)).rejects.toThrow(
      /class BigTotals is declared with @PgView, a plain view: only materialized views can be refreshed/,
    );
    await expect(refreshMaterializedView(ds, NotInEntities)).rejects.toThrow(
      /class NotInEntities is not in this DataSource's entities/,
    );
    await expect(refreshMaterializedView(ds, NotDecorated)).rejects.toThrow(
      /class NotDecorated is not declared with @MaterializedView/,
    );
    await expect(refreshMaterializedView(ds, 'public.nope')).rejects.toThrow(ViewNotFoundError);
    await expect(refreshMaterializedView(ds, 'big_totals')).rejects.toThrow(
      /public\.big_totals is not a materialized view/,
    );
  });

  it('refreshes all declared materialized views, those reading others after them, and cascades on request', async () => {
    const ds = await db.connect({ entities });
    await db.query("INSERT INTO facts VALUES ('d', 10)");
    const results = await refreshAllMaterializedViews(ds);
    const order = results.map((r) => r.view.name);
    expect([...order].sort()).toEqual(['empty_at_first', 'grand_total', 'totals']);
    expect(order.indexOf('totals')).toBeLessThan(order.indexOf('grand_total')); // declared first in entities
    expect(await total()).toBe(2 + 5 + 10);
    await db.query("INSERT INTO facts VALUES ('e', 100)");
    const cascade = await refreshMaterializedView(ds, Totals, { cascade: true });
    expect(cascade.view.name).toBe('totals');
    expect(await total()).toBe(117);
  });
});
