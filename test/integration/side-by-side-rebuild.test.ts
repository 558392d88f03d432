// Side-by-side rebuilds of a changed materialized view on real PostgreSQL: the swap keeps names, owner,
// grants, comment and dependents; a failure leaves the old view exactly as it was; readers are served
// during the build (and blocked with in-place, shown by pg_stat_activity); a generated migration shows the
// steps and its down() restores exactly.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { ViewColumn } from 'typeorm';
import {
  MaterializedView,
  PgView,
  synchronizeSchema,
  syncViews,
  SyncError,
  type MaterializedViewIndexOptions,
} from '../../src';
import { generateAndLoad } from '../fixtures/migrations/load';
import { useTestDatabase, withAdminClient } from '../support/database';

const db = useTestDatabase();
const role = `sbs_reader_${db.name.slice(-8)}`;
const owner = `sbs_owner_${db.name.slice(-8)}`;
const INDEXES: MaterializedViewIndexOptions[] = [{ columns: ['id'], unique: true }, { columns: ['price'] }];
const COMMENT = 'items, materialized';

@MaterializedView({ name: 'item_mv', expression: 'SELECT id, price FROM items', indexes: INDEXES, comment: COMMENT })
class ItemsV1 {
  @ViewColumn() id!: number;
}
const declare = (expression: string, rebuild?: 'side-by-side' | 'in-place', indexes = INDEXES) => {
  @MaterializedView({ name: 'item_mv', expression, indexes, comment: COMMENT, ...(rebuild ? { rebuild } : {}) })
  class Items {}
  return Items;
};
const ItemsV2 = declare('SELECT id, price * 2 AS price FROM items', 'side-by-side');
@PgView({ name: 'item_cheap', expression: 'SELECT id, price FROM item_mv WHERE price < 50' })
class ItemCheap {}

/** Everything the old view must keep, read with plain catalog SQL. */
interface Row {
  relname: string;
  def: string;
  populated: boolean;
  owner: string;
  acl: string[] | null;
  comment: string | null;
  indexes: string[] | null;
  data?: string;
}
const snapshot = async () =>
  (
    await db.query<Row>(`
      SELECT c.relname, pg_get_viewdef(c.oid) AS def, c.relispopulated AS populated, c.relowner::regrole::text AS owner,
             c.relacl::text[] AS acl, obj_description(c.oid, 'pg_class') AS comment,
             (SELECT array_agg(pg_get_indexdef(i.indexrelid) ORDER BY 1) FROM pg_index i WHERE i.indrelid = c.oid) AS indexes,
             (SELECT md5(string_agg(m::text, ',' ORDER BY m.id)) FROM item_mv m) AS data
        FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('v', 'm') ORDER BY 1`)
  ).map((r) => ({ ...r, data: r.relname === 'item_mv' ? r.data : undefined }));
const leftovers = async () =>
  (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'pgview\\_sbs\\_%'"))[0]!
    .n;
const actions = (r: Awaited<ReturnType<typeof syncViews>>) => r.steps.map((s) => `${s.action} ${s.view.name}`);

/** Polls pg_stat_activity until `where` holds for the backend named `app` (the test's own time-out bounds it). */
async function waitFor(app: string, where: string): Promise<void> {
  for (;;) {
    const rows = await db.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND ${where}`, [app]);
    if (rows.length) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  await db.query('CREATE TABLE items (id int PRIMARY KEY, price int NOT NULL)');
  await db.query('INSERT INTO items SELECT g, g FROM generate_series(1, 1000) g');
  // Blocks a build deterministically: the query waits for an advisory lock a test connection holds.
  await db.query(
    'CREATE FUNCTION sbs_gate() RETURNS int LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM pg_advisory_xact_lock_shared(4242); RETURN 1; END $$',
  );
  await syncViews(await db.connect({ entities: [ItemsV1, ItemCheap] }));
});

describe('side-by-side rebuild', () => {
  beforeAll(async () => {
    for (const r of [role, owner]) await db.query(`CREATE ROLE ${r} NOLOGIN`);
    await db.query(`ALTER MATERIALIZED VIEW item_mv OWNER TO ${owner}`);
    await db.query(`GRANT SELECT ON item_mv TO ${role}`);
    // A view nobody declared, reading the materialized view: restored exactly, reading the new one.
    await db.query('CREATE VIEW item_hand AS SELECT id, price FROM item_mv WHERE price > 1990');
    await db.query("COMMENT ON VIEW item_hand IS 'by hand'");
  });
  afterAll(async () => {
    await db.query(`REASSIGN OWNED BY ${owner} TO CURRENT_USER`);
    await db.query(`DROP OWNED BY ${role}, ${owner}`);
    await withAdminClient(async (c) => {
      for (const r of [role, owner]) await c.query(`DROP ROLE IF EXISTS ${r}`);
    });
  });

  it('a failing build (a unique index the new data violates, an error in the query) leaves the old view as it was', async () => {
    const before = await snapshot();
    const ds = await db.connect({
      entities: [declare('SELECT id % 10 AS id, price FROM items', 'side-by-side'), ItemCheap],
    });
    const error = await syncViews(ds).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncError);
    expect((error as Error).message).toMatch(
      /^syncViews failed at step 2 \(build class Items \(materialized view public\.item_mv\); rebuilt side by side: its query changed\): could not create unique index/,
    );
    expect((error as SyncError).statement).toMatch(
      /^CREATE UNIQUE INDEX "pgview_sbs_[0-9a-f]{12}_1" ON "public"\."pgview_sbs_/,
    );
    const zero = await db.connect({
      entities: [declare('SELECT id, price / (id - id) AS price FROM items', 'side-by-side'), ItemCheap],
    });
    await expect(syncViews(zero)).rejects.toThrow(/division by zero/);
    expect(await snapshot()).toEqual(before);
    expect(await leftovers()).toBe(0);
  });

  it('swaps in the new build: declared index names, owner, grants, comment, dependents reading the new data', async () => {
    const before = await snapshot();
    const result = await syncViews(await db.connect({ entities: [ItemsV2, ItemCheap] }));
    expect(actions(result)).toEqual([
      'build item_mv',
      'build item_mv',
      'build item_mv',
      'build item_mv',
      'drop item_hand',
      'drop item_cheap',
      'drop item_mv',
      'swap item_mv',
      'swap item_mv',
      'swap item_mv',
      'restore item_mv',
      'restore item_mv',
      'create item_cheap',
      'restore item_hand',
      'restore item_hand',
    ]);
    expect(result.steps[0]!.reason).toBe('rebuilt side by side: its query changed');
    const after = await snapshot();
    const mv = (s: typeof before) => s.find((r) => r.relname === 'item_mv')!;
    expect(mv(after)).toMatchObject({
      populated: true,
      owner,
      acl: mv(before).acl,
      comment: COMMENT,
      indexes: [
        'CREATE UNIQUE INDEX item_mv_id_key ON public.item_mv USING btree (id)',
        'CREATE INDEX item_mv_price_idx ON public.item_mv USING btree (price)',
      ],
    });
    expect(mv(after).def).toMatch(/price \* 2/);
    expect(mv(after).data).not.toBe(mv(before).data);
    expect(await db.query('SELECT count(*)::int AS n FROM item_cheap')).toEqual([{ n: 24 }]);
    expect(await db.query('SELECT count(*)::int AS n FROM item_hand')).toEqual([{ n: 5 }]);
    expect(after.find((r) => r.relname === 'item_hand')!.comment).toBe('by hand');
    expect(await leftovers()).toBe(0);
    expect((await syncViews(await db.connect({ entities: [ItemsV2, ItemCheap] }))).steps).toEqual([]);
  });
});

describe('readers during the rebuild', () => {
  let gate: Client;
  let reader: Client;
  beforeAll(async () => {
    gate = new Client({ connectionString: db.url });
    reader = new Client({ connectionString: db.url, application_name: 'sbs_reader' });
    await Promise.all([gate.connect(), reader.connect()]);
  });
  afterAll(() => Promise.all([gate.end(), reader.end()]));

  /** Syncs `entity` while its build waits on the gate; returns whether a point read was served meanwhile. */
  async function rebuildWithReader(entity: Function, options: { rebuild?: 'side-by-side' } = {}) {
    const ds = await db.connect({ entities: [entity, ItemCheap], applicationName: 'sbs_sync' });
    await gate.query('SELECT pg_advisory_lock(4242)');
    const sync = syncViews(ds, options);
    await waitFor('sbs_sync', "wait_event_type = 'Lock' AND wait_event = 'advisory'");
    let served = false;
    const read = reader.query('SELECT price FROM item_mv WHERE id = 7').then((r) => {
      served = true;
      return r.rows[0] as { price: number };
    });
    // Either the read comes back while the build still waits, or the reader waits on a relation lock.
    await Promise.race([
      read,
      waitFor('sbs_reader', "wait_event_type = 'Lock' AND wait_event = 'relation' AND state = 'active'"),
    ]);
    const servedDuringBuild = served;
    // What the sync holds on the old view while its build waits (the lock table in docs/production.md).
    const held = await db.query<{ mode: string }>(
      `SELECT DISTINCT l.mode FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE a.application_name = 'sbs_sync' AND l.relation = 'item_mv'::regclass AND l.granted ORDER BY 1`,
    );
    await gate.query('SELECT pg_advisory_unlock(4242)');
    await sync;
    return { servedDuringBuild, read: await read, held: held.map((h) => h.mode) };
  }

  it('side by side (the sync option as default), a point read on the old view is served while the build runs', async () => {
    const Gated = declare('SELECT id, price * 3 AS price FROM items WHERE sbs_gate() = 1');
    const { servedDuringBuild, read, held } = await rebuildWithReader(Gated, { rebuild: 'side-by-side' });
    expect(servedDuringBuild).toBe(true);
    expect(held.filter((mode) => mode !== 'AccessShareLock')).toEqual([]);
    expect(read).toEqual({ price: 14 }); // the old view's row
    expect((await reader.query('SELECT price FROM item_mv WHERE id = 7')).rows).toEqual([{ price: 21 }]);
  });

  it('in place (declared, over the sync option), the reader waits on a lock until the rebuild commits', async () => {
    const Gated = declare('SELECT id, price * 4 AS price FROM items WHERE sbs_gate() = 1', 'in-place');
    const { servedDuringBuild, read, held } = await rebuildWithReader(Gated, { rebuild: 'side-by-side' });
    expect(servedDuringBuild).toBe(false);
    expect(held).toContain('AccessExclusiveLock');
    expect(read).toEqual({ price: 28 }); // served after the commit, from the new view
  });
});

describe('generated migration', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pgview-sbs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shows the side-by-side steps; up() then down() restores the catalog exactly', async () => {
    const before = await snapshot();
    const Next = declare('SELECT id, price + 1 AS price FROM items');
    const migration = await generateAndLoad(db, dir, [Next, ItemCheap], 'SideBySide', 1700000000000, {
      rebuild: 'side-by-side',
    });
    const source = (await import('node:fs')).readFileSync(path.join(dir, '1700000000000-SideBySide.ts'), 'utf8');
    expect(source).toMatch(
      /public\.item_mv \(class Items\): built side by side under a temporary name because its query changed/,
    );
    expect(source).toMatch(/ALTER MATERIALIZED VIEW "public"\."pgview_sbs_[0-9a-f]{12}" RENAME TO "item_mv"/);
    const ds = await db.connect({ entities: [Next, ItemCheap], migrations: [migration!] });
    await ds.runMigrations();
    expect((await syncViews(ds, { dryRun: true })).steps).toEqual([]);
    expect((await db.query('SELECT price FROM item_mv WHERE id = 7'))[0]).toEqual({ price: 8 });
    await ds.undoLastMigration();
    expect(await snapshot()).toEqual(before);
    expect(await leftovers()).toBe(0);
  });
});

describe('synchronizeSchema', () => {
  it('passes rebuild to the view sync it runs after the table changes', async () => {
    const ds = await db.connect({ entities: [declare('SELECT id, price + 2 AS price FROM items'), ItemCheap] });
    const result = await synchronizeSchema(ds, { rebuild: 'side-by-side' });
    expect(result.views.steps.filter((s) => s.action === 'build' || s.action === 'swap').length).toBe(7);
    expect((await db.query('SELECT price FROM item_mv WHERE id = 7'))[0]).toEqual({ price: 9 });
  });
});
