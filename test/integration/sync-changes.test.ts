// syncViews on real PostgreSQL: creation order, CREATE OR REPLACE vs rebuild with dependents, no-op
// syncs, formatting-only edits, unmanaged dependents restored as they were.
import { DataSource, ViewColumn } from 'typeorm';
import { PgView, syncViews } from '../../src';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

// Declared in reverse order and without dependsOn: the order must come from the SQL / the catalog.
@PgView({ name: 'top_v', expression: 'SELECT id, label, id * 2 AS doubled FROM mid_v' })
class Top {
  @ViewColumn() id!: number;
}
@PgView({ name: 'mid_v', expression: "SELECT id, label || '!' AS label FROM base_v" })
class Mid {
  @ViewColumn() id!: number;
}
@PgView({ name: 'base_v', expression: 'SELECT id, name AS label FROM items' })
class Base {
  @ViewColumn() id!: number;
}
// The same view, edited: formatting only / a column appended / a column retyped.
@PgView({ name: 'base_v', expression: '  select   ID,\n   NAME as label\n from ITEMS ;' })
class BaseReformatted {}
@PgView({ name: 'base_v', expression: 'SELECT id, name AS label, price FROM items' })
class BaseWithPrice {}
@PgView({ name: 'base_v', expression: 'SELECT id::bigint AS id, name AS label FROM items' })
class BaseBigint {}

async function connect(base: Function): Promise<DataSource> {
  return db.connect({ entities: [Top, Mid, base] });
}

const viewdefs = async () =>
  db.query<{ name: string; def: string }>(
    "SELECT viewname AS name, definition AS def FROM pg_views WHERE schemaname = 'public' ORDER BY 1",
  );

beforeAll(async () => {
  await db.query('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric NOT NULL)');
  await db.query("INSERT INTO items VALUES (1, 'pen', 2.5), (2, 'ink', 7)");
});

describe('syncViews', () => {
  it('creates views in dependency order though declared in reverse without dependsOn', async () => {
    const ds = await connect(Base);
    const result = await syncViews(ds);
    expect(result.steps.map((s) => `${s.action} ${s.view.name}`)).toEqual([
      'create base_v',
      'create mid_v',
      'create top_v',
    ]);
    expect(result.steps.every((s) => s.reason === 'it is declared and does not exist')).toBe(true);
    expect(await db.query('SELECT * FROM top_v ORDER BY id')).toEqual([
      { id: 1, label: 'pen!', doubled: 2 },
      { id: 2, label: 'ink!', doubled: 4 },
    ]);
  });

  it('does nothing on a second sync, with a fixed number of queries', async () => {
    const ds = await connect(Base);
    const result = await syncViews(ds);
    expect(result.steps).toEqual([]);
    expect(result.unchanged.map((v) => v.name).sort()).toEqual(['base_v', 'mid_v', 'top_v']);
    expect(result.queries).toBe(2); // advisory lock (with the registry check) + one catalog statement: no probe, no DDL
  });

  it('issues no DDL for a formatting-only edit', async () => {
    const before = await viewdefs();
    const result = await syncViews(await connect(BaseReformatted));
    expect(result.steps).toEqual([]);
    expect(await viewdefs()).toEqual(before);
    // the registry now holds the new declaration: the next sync needs no probe
    expect((await syncViews(await connect(BaseReformatted))).queries).toBe(2);
  });

  it('uses CREATE OR REPLACE when columns are only appended, keeping dependents', async () => {
    const result = await syncViews(await connect(BaseWithPrice));
    expect(result.steps.map((s) => [s.action, s.view.name, s.sql])).toEqual([
      ['replace', 'base_v', 'CREATE OR REPLACE VIEW "public"."base_v" AS SELECT id, name AS label, price FROM items'],
    ]);
    expect(await db.query('SELECT price FROM base_v ORDER BY id')).toEqual([{ price: '2.5' }, { price: '7' }]);
  });

  it('rebuilds a view whose column type changes, with its two levels of dependents, in order', async () => {
    const result = await syncViews(await connect(BaseBigint));
    expect(result.steps.map((s) => `${s.action} ${s.view.name}`)).toEqual([
      'drop top_v',
      'drop mid_v',
      'drop base_v',
      'create base_v',
      'create mid_v',
      'create top_v',
    ]);
    expect(result.steps[1]!.reason).toBe('it reads public.base_v, which is rebuilt');
    expect(result.steps[2]!.reason).toMatch(
      /its columns changed \(CREATE OR REPLACE cannot drop, rename or retype columns\)/,
    );
    const [row] = await db.query<{ id: string }>('SELECT id FROM top_v ORDER BY id LIMIT 1');
    expect(row).toEqual({ id: '1' }); // bigint comes back as a string from pg
  });

  it('restores a view it does not manage, with its comment and privileges, around a rebuild', async () => {
    await db.query('CREATE VIEW hand_made AS SELECT id FROM mid_v');
    await db.query("COMMENT ON VIEW hand_made IS 'made by hand'");
    await db.query('DROP ROLE IF EXISTS pgview_reader');
    await db.query('CREATE ROLE pgview_reader');
    try {
      await db.query('GRANT SELECT ON hand_made TO pgview_reader');
      await db.query('GRANT SELECT ON top_v TO pgview_reader');
      const result = await syncViews(await connect(Base)); // bigint -> int again: rebuild
      expect(result.steps.map((s) => `${s.action} ${s.view.name}`)).toEqual([
        'drop hand_made',
        'drop top_v',
        'drop mid_v',
        'drop base_v',
        'create base_v',
        'create mid_v',
        'create top_v',
        'restore top_v',
        'restore hand_made',
        'restore hand_made',
        'restore hand_made',
      ]);
      const restores = result.steps.filter((s) => s.action === 'restore').map((s) => s.sql);
      expect(restores[0]).toBe('GRANT SELECT ON "public"."top_v" TO "pgview_reader"');
      // PostgreSQL's own rendering of the hand-made view (its text differs between majors)
      expect(restores[1]).toMatch(/^CREATE VIEW "public"."hand_made" \("id"\) AS SELECT (mid_v\.)?id\s+FROM mid_v$/);
      expect(restores.slice(2)).toEqual([
        `COMMENT ON VIEW "public"."hand_made" IS 'made by hand'`,
        'GRANT SELECT ON "public"."hand_made" TO "pgview_reader"',
      ]);
      expect(result.steps[0]!.reason).toMatch(/not managed by typeorm-pgview, so it is restored exactly as it was/);
      const [check] = await db.query<{ comment: string; can: boolean; can_top: boolean }>(
        "SELECT obj_description('hand_made'::regclass, 'pg_class') AS comment, has_table_privilege('pgview_reader', 'hand_made', 'SELECT') AS can, has_table_privilege('pgview_reader', 'top_v', 'SELECT') AS can_top",
      );
      expect(check).toEqual({ comment: 'made by hand', can: true, can_top: true });
      expect(await db.query('SELECT id FROM hand_made ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
    } finally {
      await db.query('DROP VIEW IF EXISTS hand_made');
      await db.query('REVOKE ALL ON top_v FROM pgview_reader');
      await db.query('DROP ROLE pgview_reader');
    }
  });
});
