// synchronizeSchema against real PostgreSQL: each entity change is a second set of classes for the same
// tables, as an application's next release would declare them.
import { Column, Entity, PrimaryGeneratedColumn, ViewColumn } from 'typeorm';
import { MaterializedView, PgView, PlanError, SyncError, synchronizeSchema } from '../../src';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

// 1. A newly declared column that a view uses.
@Entity({ name: 'customers' })
class CustomerV1 {
  @PrimaryGeneratedColumn() id!: number;
  @Column() name!: string;
}
@PgView({ name: 'customer_names', expression: 'SELECT id, name FROM customers' })
class CustomerNamesV1 {
  @ViewColumn() id!: number;
  @ViewColumn() name!: string;
}
@Entity({ name: 'customers' })
class CustomerV2 {
  @PrimaryGeneratedColumn() id!: number;
  @Column() name!: string;
  @Column({ default: 'none' }) email!: string;
}
@PgView({ name: 'customer_names', expression: 'SELECT id, name, email FROM customers' })
class CustomerNamesV2 {
  @ViewColumn() id!: number;
  @ViewColumn() name!: string;
  @ViewColumn() email!: string;
}

// 2. A column type change under a two-level chain (view -> materialized view), with an unmanaged view on top.
@Entity({ name: 'invoices' })
class InvoiceV1 {
  @PrimaryGeneratedColumn() id!: number;
  @Column() customer!: string;
  @Column('numeric', { precision: 10, scale: 2 }) amount!: string;
}
@Entity({ name: 'invoices' })
class InvoiceV2 {
  @PrimaryGeneratedColumn() id!: number;
  @Column() customer!: string;
  @Column('numeric', { precision: 14, scale: 4 }) amount!: string;
}
@PgView({ name: 'invoice_lines', expression: 'SELECT id, customer, amount FROM invoices WHERE amount > 0' })
class InvoiceLines {
  @ViewColumn() id!: number;
}
@MaterializedView({
  name: 'invoice_totals',
  expression: 'SELECT customer, sum(amount) AS total FROM invoice_lines GROUP BY customer',
  indexes: [{ columns: ['customer'], unique: true }],
  comment: 'totals per customer',
})
class InvoiceTotals {
  @ViewColumn() customer!: string;
}

// 3. and 4. Dropped columns: one no view uses, one an unmanaged view reads.
@Entity({ name: 'items' })
class ItemV1 {
  @PrimaryGeneratedColumn() id!: number;
  @Column() label!: string;
  @Column({ nullable: true }) legacy!: string;
  @Column({ nullable: true }) sku!: string;
}
@Entity({ name: 'items' })
class ItemWithoutLegacy {
  @PrimaryGeneratedColumn() id!: number;
  @Column() label!: string;
  @Column({ nullable: true }) sku!: string;
}
@Entity({ name: 'items' })
class ItemWithoutSku {
  @PrimaryGeneratedColumn() id!: number;
  @Column() label!: string;
}
@PgView({ name: 'item_labels', expression: 'SELECT id, label FROM stock.items' })
class ItemLabels {
  @ViewColumn() id!: number;
}

/** The items cases run in their own schema, with their own registry: the other cases' views are not theirs to drop. */
const stock = { schema: 'stock' };
const relationOid = async (name: string) =>
  (await db.query<{ oid: number }>('SELECT to_regclass($1)::oid AS oid', [name]))[0]!.oid;

describe('synchronizeSchema', () => {
  it('adds a newly declared column and then the view that reads it', async () => {
    const v1 = await db.connect({ entities: [CustomerV1, CustomerNamesV1] });
    const first = await synchronizeSchema(v1);
    expect(first.tableStatements.some((s) => s.startsWith('CREATE TABLE "customers"'))).toBe(true);
    expect(first.views.steps.map((s) => [s.action, s.view.name])).toEqual([['create', 'customer_names']]);
    await db.query("INSERT INTO customers (name) VALUES ('Ada')");

    const v2 = await db.connect({ entities: [CustomerV2, CustomerNamesV2] });
    const second = await synchronizeSchema(v2);
    expect(second.tableStatements).toEqual([
      `ALTER TABLE "customers" ADD "email" character varying NOT NULL DEFAULT 'none'`,
    ]);
    expect(second.rebuiltViews).toEqual([]); // adding a column is no collision
    expect(second.views.steps.map((s) => s.action)).toEqual(['replace']);
    expect(await db.query('SELECT name, email FROM customer_names')).toEqual([{ name: 'Ada', email: 'none' }]);
  });

  it('changes a column type under a view, a materialized view and an unmanaged view, keeping them whole', async () => {
    const v1 = await db.connect({ entities: [InvoiceV1, InvoiceLines, InvoiceTotals] });
    await synchronizeSchema(v1);
    await db.query("INSERT INTO invoices (customer, amount) VALUES ('ada', 10.50), ('ada', 2.25), ('bob', 7)");
    await db.query('REFRESH MATERIALIZED VIEW invoice_totals');
    await db.query('CREATE SCHEMA reports');
    await db.query(
      'CREATE VIEW reports."Big Customers" AS SELECT customer, total FROM invoice_totals WHERE total > 5 ORDER BY customer',
    );
    await db.query(`COMMENT ON VIEW reports."Big Customers" IS 'unmanaged, on top of the chain'`);
    const before = await db.query('SELECT * FROM reports."Big Customers"');

    // TypeORM's own sync refuses: the column is read by a view.
    const v2 = await db.connect({ entities: [InvoiceV2, InvoiceLines, InvoiceTotals] });
    await expect(v2.synchronize()).rejects.toThrow(/cannot alter type of a column used by a view or rule/);

    // A dry run does it all and keeps none of it: the same result, and the catalog as it was.
    const catalog = () =>
      db.query(`SELECT c.relname, c.relkind, pg_get_viewdef(c.oid) AS def,
                       (SELECT format_type(atttypid, atttypmod) FROM pg_attribute
                         WHERE attrelid = 'invoices'::regclass AND attname = 'amount') AS amount
                  FROM pg_class c WHERE c.relkind IN ('v', 'm') AND c.relnamespace IN ('public'::regnamespace, 'reports'::regnamespace)
                 ORDER BY 1`);
    const catalogBefore = await catalog();
    const dry = await synchronizeSchema(v2, { dryRun: true });
    expect(dry.executed).toBe(false);
    expect(dry.views.executed).toBe(false);
    expect(await catalog()).toEqual(catalogBefore);
    expect(catalogBefore[0]).toMatchObject({ amount: 'numeric(10,2)' });

    const result = await synchronizeSchema(v2);
    expect(result.executed).toBe(true);
    expect([dry.tableStatements, dry.changedTables, dry.rebuiltViews, dry.views.steps]).toEqual([
      result.tableStatements,
      result.changedTables,
      result.rebuiltViews,
      result.views.steps,
    ]);
    expect(result.tableStatements).toEqual(['ALTER TABLE "invoices" ALTER COLUMN "amount" TYPE numeric(14,4)']);
    expect(result.changedTables).toEqual([{ schema: 'public', name: 'invoices' }]);
    expect(result.rebuiltViews.map((v) => [v.name, v.managed, v.reason])).toEqual([
      ['invoice_lines', true, 'it reads public.invoices.amount, which changes'],
      ['invoice_totals', true, 'it reads public.invoice_lines, which is rebuilt'],
      ['Big Customers', false, 'it reads public.invoice_totals, which is rebuilt'],
    ]);
    const [column] = await db.query<{ type: string }>(
      "SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'invoices'::regclass AND attname = 'amount'",
    );
    expect(column!.type).toBe('numeric(14,4)');
    // Same rows (the sums now print with 4 decimals), populated, with its unique index and comment.
    const after = await db.query<{ customer: string; total: string }>('SELECT * FROM reports."Big Customers"');
    expect(after.map((r) => [r.customer, Number(r.total)])).toEqual(
      (before as { customer: string; total: string }[]).map((r) => [r.customer, Number(r.total)]),
    );
    expect(after).toHaveLength(2);
    const [matview] = await db.query<{ populated: boolean; indexes: string[]; comment: string }>(
      `SELECT m.ispopulated AS populated, obj_description('invoice_totals'::regclass) AS comment,
              (SELECT array_agg(indexdef) FROM pg_indexes WHERE tablename = 'invoice_totals') AS indexes
         FROM pg_matviews m WHERE matviewname = 'invoice_totals'`,
    );
    expect(matview).toEqual({
      populated: true,
      comment: 'totals per customer',
      indexes: [expect.stringMatching(/^CREATE UNIQUE INDEX .* ON public\.invoice_totals USING btree \(customer\)$/)],
    });
    const [unmanaged] = await db.query<{ comment: string }>(
      `SELECT obj_description('reports."Big Customers"'::regclass) AS comment`,
    );
    expect(unmanaged!.comment).toBe('unmanaged, on top of the chain');
    // A second run has nothing to do.
    const again = await synchronizeSchema(v2);
    expect([again.tableStatements, again.rebuiltViews, again.views.steps]).toEqual([[], [], []]);
  });

  it('drops a column no view reads without touching the views', async () => {
    await db.query('CREATE SCHEMA stock');
    const v1 = await db.connect({ ...stock, entities: [ItemV1, ItemLabels] });
    await synchronizeSchema(v1);
    await db.query('CREATE VIEW stock.item_skus AS SELECT id, sku FROM stock.items'); // unmanaged, reads sku only
    const oids = [await relationOid('stock.item_labels'), await relationOid('stock.item_skus')];
    const v2 = await db.connect({ ...stock, entities: [ItemWithoutLegacy, ItemLabels] });
    const result = await synchronizeSchema(v2);
    expect(result.tableStatements).toEqual(['ALTER TABLE "stock"."items" DROP COLUMN "legacy"']);
    expect(result.rebuiltViews).toEqual([]);
    expect([await relationOid('stock.item_labels'), await relationOid('stock.item_skus')]).toEqual(oids);
  });

  it('refuses, naming the view and the column, when an unmanaged view reads a column being dropped; nothing changes', async () => {
    // Continues from the previous test: items(id, label, sku), item_skus reads sku.
    const v3 = await db.connect({ ...stock, entities: [ItemWithoutSku, ItemLabels] });
    const error = await synchronizeSchema(v3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanError);
    expect((error as Error).message).toBe(
      'View stock.item_skus (not declared in this DataSource, so it is restored from its current definition) reads column "sku" of stock.items, which TypeORM\'s schema changes drop: it could not be restored. Change or drop stock.item_skus first, or keep the column in the entity. Nothing was changed.',
    );
    const columns = await db.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = 'stock' AND table_name = 'items' ORDER BY ordinal_position",
    );
    expect(columns.map((c) => c.column_name)).toEqual(['id', 'label', 'sku']);
    expect(await relationOid('stock.item_skus')).not.toBeNull();
  });

  it('rolls everything back when a declared view no longer builds after the change, naming the view', async () => {
    @PgView({ name: 'item_sku_list', expression: 'SELECT id, sku FROM stock.items' })
    class ItemSkuList {
      @ViewColumn() id!: number;
    }
    await db.query('DROP VIEW stock.item_skus');
    const v1 = await db.connect({ ...stock, entities: [ItemV1, ItemLabels, ItemSkuList] });
    await synchronizeSchema(v1); // puts legacy back, creates item_sku_list
    const v2 = await db.connect({ ...stock, entities: [ItemWithoutSku, ItemLabels, ItemSkuList] });
    const error = await synchronizeSchema(v2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncError);
    expect((error as Error).message).toMatch(
      /^synchronizeSchema could not re-create view stock\.item_sku_list from its declaration: column "sku" does not exist\. It reads stock\.items\.sku, changed by TypeORM's schema sync\./,
    );
    const columns = await db.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = 'stock' AND table_name = 'items' ORDER BY ordinal_position",
    );
    expect(columns.map((c) => c.column_name)).toEqual(['id', 'label', 'sku', 'legacy']);
    expect(await db.query('SELECT * FROM stock.item_sku_list')).toEqual([]);
  });
});
