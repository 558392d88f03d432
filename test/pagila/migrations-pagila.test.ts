// The generator's round trip over Pagila's views declared as classes, on a copy of Pagila whose views
// were dropped: generate -> run -> nothing left; change a view and the matview's indexes -> generate -> run
// -> revert -> the catalog is exactly as before -> run again. Then payment.amount retyped under three of
// those views (one a populated matview): the same round trip, with the rows of every view unchanged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MigrationInterface } from 'typeorm';
import { ViewColumn } from 'typeorm';
import { generateMigrationStatements, MaterializedView, PgView, syncViews } from '../../src';
import { generateAndLoad } from '../fixtures/migrations/load';
import { paymentEntity } from './support/pagila-payment';
import { pagilaViewEntities, pagilaViewSql, RentalByCategory, StaffList } from './support/pagila-views';
import { useTestDatabase } from '../support/database';
import { PAGILA_MATVIEW, PAGILA_VIEWS, pagilaTemplate } from './support/pagila';

const db = useTestDatabase({ template: pagilaTemplate });
const dir = mkdtempSync(path.join(tmpdir(), 'pgview-pagila-migrations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

@PgView({ name: 'staff_list', expression: `SELECT * FROM (${pagilaViewSql('staff_list')}) s WHERE s.id > 0` })
class StaffListV2 {
  @ViewColumn() id!: number;
}
@MaterializedView({
  name: 'rental_by_category',
  expression: pagilaViewSql('rental_by_category'),
  indexes: [{ name: 'rental_category', columns: ['category'], unique: true }, { columns: ['total_sales'] }],
  comment: 'sales by film category',
})
class RentalByCategoryV2 {
  @ViewColumn() category!: string;
}
const v1 = pagilaViewEntities;
const v2 = [...v1.filter((e) => e !== StaffList && e !== RentalByCategory), StaffListV2, RentalByCategoryV2];
type Entities = Function[];

/** The types of payment.amount over the partitioned table and its partitions. */
async function amountTypes(): Promise<string[]> {
  const rows = await db.query<{ type: string }>(
    `SELECT DISTINCT format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      WHERE a.attname = 'amount' AND c.relname LIKE 'payment%' AND c.relkind IN ('r', 'p')`,
  );
  return rows.map((r) => r.type);
}

/** A fingerprint of every row of each view, independent of row order. */
async function viewRows(): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const v of [...PAGILA_VIEWS, PAGILA_MATVIEW]) {
    const [row] = await db.query<{ n: string; h: string }>(
      `SELECT count(*) AS n, md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS h FROM ${v} t`,
    );
    result[v] = `${row!.n}:${row!.h}`;
  }
  return result;
}

async function catalog() {
  return db.query(`
    SELECT c.relname, c.relkind, pg_get_viewdef(c.oid) AS def, c.relispopulated AS populated,
           obj_description(c.oid, 'pg_class') AS comment,
           (SELECT array_agg(pg_get_indexdef(i.indexrelid) ORDER BY 1) FROM pg_index i WHERE i.indrelid = c.oid) AS indexes
      FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('v', 'm') ORDER BY 1`);
}

const generate = (entities: Entities, name: string, timestamp: number) =>
  generateAndLoad(db, dir, entities, name, timestamp);

describe('migration:generate round trip over Pagila', () => {
  it('creates the views, changes them, reverts exactly and runs again', async () => {
    await db.query(`DROP MATERIALIZED VIEW ${PAGILA_MATVIEW}`);
    await db.query(`DROP VIEW ${PAGILA_VIEWS.join(', ')}`);
    const init = await generate(v1, 'PagilaViews', 1700000000000);
    const ds1 = await db.connect({ entities: v1, migrations: [init!] });
    await ds1.runMigrations();
    expect((await catalog()).map((v) => v.relname)).toEqual([...PAGILA_VIEWS, PAGILA_MATVIEW].sort());
    expect(await generate(v1, 'Nothing', 1700000000001)).toBeUndefined();

    const before = await catalog();
    const change = (await generate(v2, 'Change', 1700000000002)) as new () => MigrationInterface;
    const ds2 = await db.connect({ entities: v2, migrations: [init!, change] });
    await ds2.runMigrations();
    const after = await catalog();
    expect(after).not.toEqual(before);
    expect((await syncViews(ds2, { dryRun: true })).steps).toEqual([]);
    expect(await generate(v2, 'Nothing', 1700000000003)).toBeUndefined();
    expect(await ds2.query('SELECT count(*)::int AS n FROM staff_list')).toEqual(
      await ds2.query(`SELECT count(*)::int AS n FROM (${pagilaViewSql('staff_list')}) s WHERE s.id > 0`),
    );

    await ds2.undoLastMigration();
    expect(await catalog()).toEqual(before);
    await ds2.runMigrations();
    expect(await catalog()).toEqual(after);
  });

  it('retypes payment.amount under the views: up rebuilds them with the same rows, down restores it all', async () => {
    // Continues from the test above: its migrations ran, the views are as v2 declares them.
    await db.query(`REFRESH MATERIALIZED VIEW ${PAGILA_MATVIEW}`);
    const before = { catalog: await catalog(), rows: await viewRows(), amount: await amountTypes() };
    expect(before.amount).toEqual(['numeric(5,2)']);
    const entities = [...v2, paymentEntity(7)];
    const planned = await db.connect({ entities });
    const { up } = (await generateMigrationStatements(planned))!;
    await planned.destroy();
    expect(up.filter((u) => u.sql.startsWith('DROP')).map((u) => u.comment?.replace(/ because .*/, ''))).toEqual([
      'public.sales_by_store: dropped before the table changes',
      'public.sales_by_film_category: dropped before the table changes',
      'public.rental_by_category: dropped before the table changes',
    ]);
    expect(up.map((u) => u.sql)).toContain('ALTER TABLE "payment" ALTER COLUMN "amount" TYPE numeric(7,2)');
    const retype = (await generate(entities, 'Amount', 1700000000004)) as new () => MigrationInterface;
    const ds = await db.connect({ entities, migrations: [retype] });
    await ds.runMigrations();
    expect(await amountTypes()).toEqual(['numeric(7,2)']);
    expect(await viewRows()).toEqual(before.rows);
    const after = await catalog();
    expect(after.map((v) => [v.relname, v.populated, v.indexes])).toEqual(
      before.catalog.map((v) => [v.relname, v.populated, v.indexes]),
    );
    expect((await syncViews(ds, { dryRun: true })).steps).toEqual([]);
    expect(await generate(entities, 'Nothing', 1700000000005)).toBeUndefined();

    await ds.undoLastMigration();
    expect(await amountTypes()).toEqual(['numeric(5,2)']);
    expect(await catalog()).toEqual(before.catalog);
    expect(await viewRows()).toEqual(before.rows);
  });
});
