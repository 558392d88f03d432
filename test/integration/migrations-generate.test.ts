// The generator's round trip on real PostgreSQL: generate -> run -> nothing left to generate; change a
// view, a materialized view's index and a column type under views -> generate -> run -> matches the
// declarations -> revert -> the catalog is exactly as before -> run again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MigrationInterface } from 'typeorm';
import { syncViews } from '../../src';
import { generateMigration } from '../../src/migrations/generate';
import { generateAndLoad, loadMigrationClass } from '../fixtures/migrations/load';
import { shopV1, shopV2 } from '../fixtures/migrations/shop';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();
const dir = mkdtempSync(path.join(tmpdir(), 'pgview-migrations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Migration = new () => MigrationInterface;
type Entities = typeof shopV1;

/** Everything down() must restore, read with plain catalog SQL (independent of the library's reader). */
async function catalog() {
  const views = await db.query(`
    SELECT c.relname, c.relkind, pg_get_viewdef(c.oid) AS def, c.relispopulated AS populated,
           obj_description(c.oid, 'pg_class') AS comment, c.reloptions,
           (SELECT array_agg(pg_get_indexdef(i.indexrelid) ORDER BY 1) FROM pg_index i WHERE i.indrelid = c.oid) AS indexes,
           (SELECT array_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
              FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0) AS columns
      FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('v', 'm') ORDER BY 1`);
  const amount = await db.query(
    "SELECT data_type FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'amount'",
  );
  return { views, amount };
}

const generate = (entities: Entities, name: string, timestamp: number) =>
  generateAndLoad(db, dir, entities, name, timestamp);

/** A DataSource as an application has it: its entities and its migrations, run by TypeORM's runner. */
async function app(entities: Entities, migrations: Migration[]) {
  return db.connect({ entities, migrations });
}

describe('migration:generate round trip', () => {
  it("says a new view's index and comment come with the view, not that they changed", async () => {
    const ds = await db.connect({ entities: shopV1 });
    const migration = await generateMigration(ds, { name: 'Init', timestamp: 1700000000000 });
    await ds.destroy();
    const comments = migration!.source.match(/^ +\/\/ public\.user_stats.*$/gm)?.map((line) => line.trim());
    expect(comments).toContain(
      '// public.user_stats (class UserStat): created because it is declared and does not exist',
    );
    expect(comments).toContain('// public.user_stats (class UserStat): index created with the view');
    expect(migration!.source).not.toMatch(/changed because it is declared and does not exist/);
  });

  it('creates everything from an empty database, then finds nothing to do', async () => {
    const first = await generate(shopV1, 'Init', 1700000000000);
    expect(first).toBeDefined();
    const ds = await app(shopV1, [first!]);
    await ds.runMigrations();
    await ds.query("INSERT INTO users (name, is_active) VALUES ('ann', true), ('bob', false), ('cy', true)");
    await ds.query('INSERT INTO orders (user_id, amount) VALUES (1, 80.5), (1, 40), (3, 7)');
    await ds.query('REFRESH MATERIALIZED VIEW user_stats');
    // A view nobody declared, reading the column whose type will change: it must survive, exactly.
    await ds.query('CREATE VIEW legacy_amounts AS SELECT id, amount FROM orders');
    await ds.query("COMMENT ON VIEW legacy_amounts IS 'kept by hand'");
    expect(await generate(shopV1, 'Again', 1700000000001)).toBeUndefined();
    expect((await syncViews(ds, { dryRun: true })).steps).toEqual([]);
  });

  it('changes a view, an index and a column type under views, and reverts exactly', async () => {
    const init = loadMigrationClass(path.join(dir, '1700000000000-Init.ts'));
    const before = await catalog();
    const change = await generate(shopV2, 'ShopV2', 1700000000002);
    expect(change).toBeDefined();

    const ds = await app(shopV2, [init, change!]);
    await ds.runMigrations();
    const after = await catalog();
    expect(after.amount).toEqual([{ data_type: 'double precision' }]);
    expect(after).not.toEqual(before);
    // The catalog matches the declarations: nothing for sync or for the generator to do.
    expect((await syncViews(ds, { dryRun: true })).steps).toEqual([]);
    expect(await generate(shopV2, 'Nothing', 1700000000003)).toBeUndefined();
    // The unmanaged view came back (TypeORM's DROP + ADD COLUMN emptied the column), and reads the new type.
    await ds.query('UPDATE orders SET amount = id * 10.25');
    expect(await ds.query('SELECT id, amount FROM legacy_amounts ORDER BY id')).toEqual([
      { id: 1, amount: 10.25 },
      { id: 2, amount: 20.5 },
      { id: 3, amount: 30.75 },
    ]);
    await ds.query('REFRESH MATERIALIZED VIEW user_stats');
    expect(await ds.query('SELECT user_id, spent FROM user_stats ORDER BY 1')).toEqual([
      { user_id: 1, spent: 30.75 },
      { user_id: 2, spent: 0 },
      { user_id: 3, spent: 30.75 },
    ]);

    await ds.undoLastMigration();
    expect(await catalog()).toEqual(before);

    await ds.runMigrations();
    expect(await catalog()).toEqual(after);
    expect((await syncViews(ds, { dryRun: true })).steps).toEqual([]);
  });

  it('writes a readable file: one statement per call, a comment line per view saying why', async () => {
    const ds = await db.connect({ entities: shopV1 });
    const migration = await generateMigration(ds, { name: 'back-to-v1', timestamp: 1700000000009 });
    await ds.destroy();
    const source = migration!.source;
    expect(migration!.fileName).toBe('1700000000009-back-to-v1.ts');
    expect(source).toContain('export class BackToV11700000000009 implements MigrationInterface {');
    expect(source).toContain(
      '// public.big_spenders: dropped before the table changes because it reads public.order_totals, which is rebuilt',
    );
    expect(source).toContain(
      '// public.order_totals: dropped before the table changes because it reads public.orders.amount, which changes',
    );
    expect(source).toContain('// public.user_counts (class UserCount): changed because');
    expect(source).toContain('// public.legacy_amounts: restored as it was (not managed by typeorm-pgview)');
    expect(source).toMatch(/\/\/ public\.active_users \(class ActiveUser\): rebuilt because its query changed/);
    // One statement per call: as many calls as statements, none holding two statements.
    const calls = source.match(/^ {8}await queryRunner\.query\(`[^`]*`(, \[[^\n]*\])?\);$/gm) ?? [];
    expect(calls).toHaveLength(migration!.up.length + migration!.down.length);
    for (const call of calls) expect(call).not.toMatch(/;\s*\S[^`]*`/);
  });
});
