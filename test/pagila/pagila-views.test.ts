// The real-world case: Pagila's views declared as classes and synced into a database that has only
// Pagila's tables and data, then queried and compared with what the original views returned.
import { refreshMaterializedView, syncViews } from '../../src';
import { useTestDatabase } from '../support/database';
import { PAGILA_MATVIEW, PAGILA_VIEWS, pagilaTemplate } from './support/pagila';
import { RentalByCategory, SalesByStore, pagilaViewEntities } from './support/pagila-views';

const db = useTestDatabase({ template: pagilaTemplate });
const ALL = [...PAGILA_VIEWS, PAGILA_MATVIEW];

async function snapshot(): Promise<Record<string, { def: string; rows: unknown[] }>> {
  const out: Record<string, { def: string; rows: unknown[] }> = {};
  for (const name of ALL) {
    const [info] = await db.query<{ def: string; n: number }>(
      'SELECT pg_get_viewdef(c.oid) AS def, (SELECT count(*)::int FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0) AS n FROM pg_class c WHERE c.oid = $1::regclass',
      [name],
    );
    // order by every column so the comparison does not depend on plan order
    const orderBy = Array.from({ length: info!.n }, (_, i) => i + 1).join(', ');
    out[name] = { def: info!.def, rows: await db.query(`SELECT * FROM ${name} ORDER BY ${orderBy}`) };
  }
  return out;
}

it('syncs all seven Pagila views and its materialized view from declarations, with the same results', async () => {
  await db.query(`REFRESH MATERIALIZED VIEW ${PAGILA_MATVIEW}`);
  const original = await snapshot();
  await db.query(`DROP MATERIALIZED VIEW ${PAGILA_MATVIEW}`);
  await db.query(`DROP VIEW ${PAGILA_VIEWS.join(', ')}`);

  const ds = await db.connect({ entities: pagilaViewEntities });
  const result = await syncViews(ds);
  expect(
    result.steps
      .filter((s) => s.action === 'create')
      .map((s) => s.view.name)
      .sort(),
  ).toEqual([...ALL].sort());
  expect(result.steps.find((s) => s.action === 'create-index')?.sql).toBe(
    'CREATE UNIQUE INDEX "rental_category" ON "public"."rental_by_category" ("category")',
  );

  const synced = await snapshot();
  for (const name of ALL) {
    expect({ name, def: synced[name]!.def }).toEqual({ name, def: original[name]!.def });
    expect({ name, rows: synced[name]!.rows }).toEqual({ name, rows: original[name]!.rows });
  }
  expect(original.sales_by_store!.rows).toHaveLength(2);
  expect(original.rental_by_category!.rows).toHaveLength(16);

  // queryable through repositories, refreshable concurrently, and a second sync does nothing
  expect(await ds.getRepository(SalesByStore).count()).toBe(2);
  expect((await refreshMaterializedView(ds, RentalByCategory, { concurrently: true })).concurrently).toBe(true);
  const again = await syncViews(ds);
  expect(again.steps).toEqual([]);
  expect(again.unchanged).toHaveLength(8);
});
