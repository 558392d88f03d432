import { collidesWithViews, tableChanges, viewsDroppedBy } from '../../../src/plan/table-statements';

const key = (schema: string, name: string) => JSON.stringify([schema, name]);

describe('tableChanges: what TypeORM pending statements do to tables', () => {
  it('reads column drops, type changes and additions, quoted or not, qualified or not', () => {
    const changes = tableChanges(
      [
        'ALTER TABLE "orders" ALTER COLUMN "amount" TYPE numeric(12,2)',
        'ALTER TABLE "sales"."Line ""Items""" DROP COLUMN "note"',
        'ALTER TABLE "users" ADD "email" character varying NOT NULL',
        'ALTER TABLE "users" ADD CONSTRAINT "UQ_x" UNIQUE ("email")',
        'ALTER TABLE "users" ALTER COLUMN "name" SET DEFAULT \'x\'',
        'ALTER TABLE "users" DROP CONSTRAINT "FK_1"',
        'CREATE INDEX "IDX_1" ON "sales"."Line ""Items""" ("sku") ',
      ],
      'public',
    );
    expect([...changes.keys()]).toEqual([
      key('public', 'orders'),
      key('sales', 'Line "Items"'),
      key('public', 'users'),
    ]);
    const orders = changes.get(key('public', 'orders'))!;
    expect([...orders.retypedColumns]).toEqual(['amount']);
    expect(collidesWithViews(orders)).toBe(true);
    expect([...changes.get(key('sales', 'Line "Items"'))!.droppedColumns]).toEqual(['note']);
    const users = changes.get(key('public', 'users'))!;
    expect([...users.addedColumns]).toEqual(['email']);
    expect(collidesWithViews(users)).toBe(false);
  });

  it('takes a column dropped and added back (TypeORM recreates columns to change some types) as retyped', () => {
    const changes = tableChanges(
      [
        'ALTER TABLE "t" DROP COLUMN "n"',
        'ALTER TABLE "t" ADD "n" bigint NOT NULL',
        'ALTER TABLE "t" DROP COLUMN "gone"',
      ],
      'app',
    );
    const t = changes.get(key('app', 't'))!;
    expect([...t.retypedColumns]).toEqual(['n']);
    expect([...t.droppedColumns]).toEqual(['gone']);
  });

  it('reads DROP TABLE, several actions in one ALTER TABLE, and ignores other statements', () => {
    const changes = tableChanges(
      [
        'DROP TABLE "s"."old", "older" CASCADE',
        'ALTER TABLE ONLY public.t ALTER COLUMN a SET DATA TYPE int, DROP COLUMN IF EXISTS "b", ADD COLUMN c int',
        'CREATE TYPE "public"."x_enum" AS ENUM(\'a\')',
        'CREATE TABLE "fresh" ("id" SERIAL NOT NULL)',
      ],
      'public',
    );
    expect(changes.get(key('s', 'old'))!.dropped).toBe(true);
    expect(changes.get(key('public', 'older'))!.dropped).toBe(true);
    const t = changes.get(key('public', 't'))!;
    expect([...t.retypedColumns, ...t.droppedColumns, ...t.addedColumns]).toEqual(['a', 'b', 'c']);
    expect(changes.has(key('public', 'fresh'))).toBe(false);
  });

  it('reads the statements the migration generator sees: dropped and added back is a retype, renames are not changes', () => {
    const changes = tableChanges(
      [
        'ALTER TABLE "orders" DROP COLUMN "amount"',
        'ALTER TABLE "orders" ADD "amount" double precision',
        'ALTER TABLE "sales"."Line Items" ALTER COLUMN "Qty" TYPE bigint',
        'ALTER TABLE "users" RENAME COLUMN "a" TO "b"',
        'DROP TABLE "old_stuff"',
        'CREATE INDEX "x" ON "users" ("name")',
      ],
      'public',
    );
    const colliding = [...changes.values()].filter(collidesWithViews);
    expect(colliding.map((c) => [c.table, c.dropped, [...c.droppedColumns], [...c.retypedColumns]])).toEqual([
      [{ schema: 'public', name: 'orders' }, false, [], ['amount']],
      [{ schema: 'sales', name: 'Line Items' }, false, [], ['Qty']],
      [{ schema: 'public', name: 'old_stuff' }, true, [], []],
    ]);
    expect(collidesWithViews(changes.get(JSON.stringify(['public', 'users']))!)).toBe(false);
  });
});

describe('viewsDroppedBy: views the statements drop themselves', () => {
  it('reads DROP VIEW and DROP MATERIALIZED VIEW, quoted or not, qualified or not, lists too', () => {
    const dropped = viewsDroppedBy(
      [
        'DROP VIEW "public"."names"',
        'drop materialized view if exists reports.totals cascade',
        'DROP VIEW "Mixed Case", other',
        'DROP TABLE "names_table"',
        'ALTER TABLE "t" DROP COLUMN "v"',
      ],
      'public',
    );
    expect([...dropped].sort()).toEqual(
      [key('public', 'names'), key('reports', 'totals'), key('public', 'Mixed Case'), key('public', 'other')].sort(),
    );
  });
});
