// syncViews and materialized views: index changes in place, rebuilds keep the populated state,
// WITH NO DATA stays unpopulated, view <-> materialized view, comments, removed declarations.
import { ViewColumn } from 'typeorm';
import { MaterializedView, PgView, syncViews } from '../../src';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();
const SQL = 'SELECT id, amount FROM sales';

@MaterializedView({ name: 'sales_mv', expression: SQL, indexes: [{ columns: ['id'], unique: true }] })
class SalesV1 {
  @ViewColumn() id!: number;
}
@MaterializedView({
  name: 'sales_mv',
  expression: SQL,
  comment: 'sales, materialized',
  indexes: [
    { columns: ['id'], unique: true },
    { columns: ['amount'], where: 'amount > 10' },
  ],
})
class SalesV2Indexes {}
@MaterializedView({
  name: 'sales_mv',
  expression: SQL,
  comment: 'sales, materialized',
  indexes: [
    { columns: ['id'], unique: true },
    { columns: ['amount'], where: 'amount > 20' },
  ],
})
class SalesV3Predicate {}
@MaterializedView({
  name: 'sales_mv',
  expression: 'SELECT id, amount, amount * 2 AS doubled FROM sales',
  indexes: [{ columns: ['id'], unique: true }],
})
class SalesV4Query {}
@MaterializedView({
  name: 'sales_mv',
  expression: 'SELECT id, amount, amount * 3 AS tripled FROM sales',
  withData: false,
})
class SalesV5NoData {}
@PgView({ name: 'sales_mv', expression: SQL })
class SalesAsView {}
@PgView({ name: 'sales_big', expression: 'SELECT id FROM sales_mv WHERE amount > 10' })
class SalesBig {}

const info = async () =>
  (
    await db.query<{ kind: string; populated: boolean; indexes: string[] | null; comment: string | null }>(`
      SELECT c.relkind::text AS kind, c.relispopulated AS populated, obj_description(c.oid, 'pg_class') AS comment,
             (SELECT array_agg(indexname::text ORDER BY indexname) FROM pg_indexes WHERE tablename = 'sales_mv') AS indexes
        FROM pg_class c WHERE c.relname = 'sales_mv'`)
  )[0];

const sync = async (...entities: Function[]) => syncViews(await db.connect({ entities }));
const actions = (r: Awaited<ReturnType<typeof syncViews>>) => r.steps.map((s) => `${s.action} ${s.view.name}`);

beforeAll(async () => {
  await db.query('CREATE TABLE sales (id int PRIMARY KEY, amount int NOT NULL)');
  await db.query('INSERT INTO sales SELECT g, g FROM generate_series(1, 30) g');
});

describe('syncViews with materialized views', () => {
  it('creates it populated with its unique index', async () => {
    expect(actions(await sync(SalesV1, SalesBig))).toEqual([
      'create sales_mv',
      'create-index sales_mv',
      'create sales_big',
    ]);
    expect(await info()).toEqual({ kind: 'm', populated: true, indexes: ['sales_mv_id_key'], comment: null });
  });

  it('adds an index and a comment in place, without a rebuild', async () => {
    const result = await sync(SalesV2Indexes, SalesBig);
    expect(result.steps.map((s) => s.sql)).toEqual([
      `COMMENT ON MATERIALIZED VIEW "public"."sales_mv" IS 'sales, materialized'`,
      'CREATE INDEX "sales_mv_amount_idx" ON "public"."sales_mv" ("amount") WHERE amount > 10',
    ]);
    expect((await sync(SalesV2Indexes, SalesBig)).steps).toEqual([]);
  });

  it("sees a changed index predicate through PostgreSQL's rendering and recreates only that index", async () => {
    const result = await sync(SalesV3Predicate, SalesBig);
    expect(result.steps.map((s) => s.sql)).toEqual([
      'DROP INDEX "public"."sales_mv_amount_idx"',
      'CREATE INDEX "sales_mv_amount_idx" ON "public"."sales_mv" ("amount") WHERE amount > 20',
    ]);
  });

  it('rebuilds on a query change, with its dependents, indexes re-created, populated again', async () => {
    const result = await sync(SalesV4Query, SalesBig);
    expect(actions(result)).toEqual([
      'drop sales_big',
      'drop sales_mv',
      'create sales_mv',
      'create-index sales_mv',
      'create sales_big',
    ]);
    expect(result.steps[0]!.reason).toBe('it reads public.sales_mv, which is rebuilt');
    expect(await info()).toEqual({ kind: 'm', populated: true, indexes: ['sales_mv_id_key'], comment: null });
    expect(await db.query('SELECT count(*)::int AS n FROM sales_big')).toEqual([{ n: 20 }]);
  });

  it('leaves a withData: false view unpopulated after a rebuild', async () => {
    await sync(SalesV5NoData);
    expect(await info()).toMatchObject({ kind: 'm', populated: false, indexes: null });
  });

  it('turns a materialized view into a plain view and back', async () => {
    const toView = await sync(SalesAsView);
    expect(actions(toView)).toEqual(['drop sales_mv', 'create sales_mv']);
    expect(toView.steps[0]!.reason).toBe('it changes from a materialized view to a view');
    expect((await info())!.kind).toBe('v');
    expect(actions(await sync(SalesV1))).toEqual(['drop sales_mv', 'create sales_mv', 'create-index sales_mv']);
    expect(await info()).toMatchObject({ kind: 'm', populated: true });
  });

  it('drops the views it created that are no longer declared, never the ones it did not create', async () => {
    await db.query('CREATE VIEW not_ours AS SELECT 1 AS one');
    await sync(SalesV1, SalesBig);
    const result = await sync(SalesV1);
    expect(actions(result)).toEqual(['drop sales_big']);
    expect(result.dropped).toEqual([{ schema: 'public', name: 'sales_big' }]);
    expect(await db.query("SELECT viewname FROM pg_views WHERE schemaname = 'public' ORDER BY 1")).toEqual([
      { viewname: 'not_ours' },
    ]);
  });
});
