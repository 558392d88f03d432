// Pagila: views the library did not create, over a partitioned table, and payment.amount retyped through
// an entity (test/fixtures/pagila-payment.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  getDependencyDiagram,
  getDependencyOrder,
  getDependentViews,
  getViewDependencies,
  synchronizeSchema,
} from '../../src';
import { paymentEntity } from './support/pagila-payment';
import { useTestDatabase } from '../support/database';
import { PAGILA_MATVIEW, PAGILA_VIEWS, pagilaTemplate } from './support/pagila';

const db = useTestDatabase({ template: pagilaTemplate });

const ALL_VIEWS = [...PAGILA_VIEWS, PAGILA_MATVIEW];

/** A fingerprint of every row of each view, independent of row order. */
async function viewRows(): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const v of ALL_VIEWS) {
    const [row] = await db.query<{ n: string; h: string }>(
      `SELECT count(*) AS n, md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS h FROM ${v} t`,
    );
    result[v] = `${row!.n}:${row!.h}`;
  }
  return result;
}

describe('Pagila', () => {
  it("reads its dependency graph from the catalog: payment's readers, what sales_by_store reads, creation order", async () => {
    const ds = await db.connect();
    expect(await getDependentViews(ds, 'payment')).toEqual([
      { schema: 'public', name: 'rental_by_category', kind: 'materialized', depth: 1 },
      { schema: 'public', name: 'sales_by_film_category', kind: 'view', depth: 1 },
      { schema: 'public', name: 'sales_by_store', kind: 'view', depth: 1 },
    ]);
    const reads = await getViewDependencies(ds, 'sales_by_store');
    expect(reads.map((r) => [r.name, r.kind])).toEqual([
      ['address', 'table'],
      ['city', 'table'],
      ['country', 'table'],
      ['inventory', 'table'],
      ['payment', 'partitioned table'],
      ['rental', 'table'],
      ['staff', 'table'],
      ['store', 'table'],
    ]);
    expect(reads.find((r) => r.name === 'payment')!.columns).toEqual(['amount', 'rental_id']);
    const order = await getDependencyOrder(ds);
    expect(order.map((v) => v.name).sort()).toEqual([...ALL_VIEWS].sort());
  });

  it('draws the diagram shown in docs/dependencies.md', async () => {
    const ds = await db.connect();
    const docs = readFileSync(path.resolve(__dirname, '../../docs/dependencies.md'), 'utf8');
    const block = /<!-- pagila-diagram -->\s*```mermaid\n([\s\S]*?)\n```/.exec(docs);
    expect(block?.[1]).toBe(await getDependencyDiagram(ds));
  });

  it('changes payment.amount under three views and a populated matview; all come back with the same rows', async () => {
    await db.query(`REFRESH MATERIALIZED VIEW ${PAGILA_MATVIEW}`);
    const before = await viewRows();
    const ds = await db.connect({ entities: [paymentEntity(7)] });
    await expect(ds.synchronize()).rejects.toThrow(/cannot alter type of a column used by a view or rule/);

    const result = await synchronizeSchema(ds);
    expect(result.tableStatements).toEqual(['ALTER TABLE "payment" ALTER COLUMN "amount" TYPE numeric(7,2)']);
    expect(result.rebuiltViews.map((v) => [v.name, v.kind, v.managed])).toEqual([
      ['rental_by_category', 'materialized', false],
      ['sales_by_film_category', 'view', false],
      ['sales_by_store', 'view', false],
    ]);
    const types = await db.query<{ relname: string; type: string }>(
      `SELECT c.relname, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE a.attname = 'amount' AND c.relname LIKE 'payment%' ORDER BY 1`,
    );
    expect(types).toHaveLength(8); // the partitioned table and its seven partitions
    expect(new Set(types.map((t) => t.type))).toEqual(new Set(['numeric(7,2)']));
    expect(await viewRows()).toEqual(before);
    const [matview] = await db.query<{ populated: boolean; indexes: string[] }>(
      `SELECT ispopulated AS populated, (SELECT array_agg(indexdef) FROM pg_indexes WHERE tablename = $1) AS indexes
         FROM pg_matviews WHERE matviewname = $1`,
      [PAGILA_MATVIEW],
    );
    expect(matview).toEqual({
      populated: true,
      indexes: ['CREATE UNIQUE INDEX rental_category ON public.rental_by_category USING btree (category)'],
    });
    // Nothing left to do: TypeORM agrees the table matches, the views are in place.
    const again = await synchronizeSchema(ds);
    expect([again.tableStatements, again.rebuiltViews]).toEqual([[], []]);
  });
});
