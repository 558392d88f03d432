// Views not managed by typeorm-pgview that read a view it rebuilds are dropped and restored: with every
// property they carry, by syncViews and by a generated migration's up() and down() (issue 13, defect 2).
// Each property is read back with plain catalog SQL, independent of the library's reader.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { MaterializedView, PgView, synchronizeSchema, syncViews } from '../../src';
import { serverVersion, withAdminClient, useTestDatabase } from '../support/database';
import { generateAndLoad } from '../fixtures/migrations/load';

const db = useTestDatabase();
const dir = mkdtempSync(path.join(tmpdir(), 'pgview-restore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The managed views the hand-made views read, both rebuilt from v1 to v2 and back with the same column
 * names and types: a materialized view whose query changes, and a view whose column changes collation
 * (CREATE OR REPLACE cannot do that), which stays automatically updatable for a check option.
 */
function base(version: 1 | 2): Function[] {
  const mv = class RpBase {};
  MaterializedView({ name: 'rp_base', expression: `SELECT id, x, note FROM rp_items WHERE x >= ${version - 1}` })(mv);
  const v = class RpBaseView {};
  PgView({
    name: 'rp_base_v',
    expression: `SELECT id, x, note${version === 2 ? ' COLLATE "C"' : ''} AS note FROM rp_items`,
  })(v);
  return [mv, v];
}
const sync = async (version: 1 | 2) => syncViews(await db.connect({ entities: base(version) }));

/** Every property of one relation (and its columns and parts), read with plain catalog SQL. */
async function snapshot(name: string) {
  const [row] = await db.query(
    `SELECT c.relkind, pg_get_viewdef(c.oid) AS definition, c.relispopulated AS populated,
            (SELECT array_agg(o ORDER BY o) FROM unnest(c.reloptions) o) AS reloptions, -- order is not kept
            (SELECT spcname FROM pg_tablespace WHERE oid = c.reltablespace) AS tablespace,
            obj_description(c.oid, 'pg_class') AS comment, pg_get_userbyid(c.relowner) AS owner, c.relacl::text[] AS acl,
            (SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                    'comment', col_description(c.oid, a.attnum), 'default', pg_get_expr(d.adbin, d.adrelid),
                    'acl', a.attacl::text[], 'statistics', a.attstattarget) ORDER BY a.attnum)
               FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
            (SELECT json_agg(json_build_object('def', pg_get_triggerdef(t.oid), 'enabled', t.tgenabled,
                    'comment', obj_description(t.oid, 'pg_trigger')) ORDER BY t.tgname)
               FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal) AS triggers,
            (SELECT json_agg(json_build_object('def', pg_get_ruledef(r.oid), 'enabled', r.ev_enabled,
                    'comment', obj_description(r.oid, 'pg_rewrite')) ORDER BY r.rulename)
               FROM pg_rewrite r WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN') AS rules,
            (SELECT json_agg(json_build_object('def', pg_get_indexdef(i.indexrelid), 'clustered', i.indisclustered,
                    'comment', obj_description(i.indexrelid, 'pg_class'),
                    'tablespace', (SELECT spcname FROM pg_tablespace ts JOIN pg_class ic ON ic.reltablespace = ts.oid
                                    WHERE ic.oid = i.indexrelid)) ORDER BY 1)
               FROM pg_index i WHERE i.indrelid = c.oid) AS indexes,
            (SELECT json_agg(json_build_object('def', pg_get_statisticsobjdef(s.oid), 'target', to_jsonb(s)->'stxstattarget', -- PostgreSQL 13+ (absent on 12: null)
                    'owner', pg_get_userbyid(s.stxowner), 'comment', obj_description(s.oid, 'pg_statistic_ext'))
                    ORDER BY s.stxname)
               FROM pg_statistic_ext s WHERE s.stxrelid = c.oid) AS statistics,
            (SELECT json_agg(json_build_object('provider', l.provider, 'label', l.label, 'column', l.objsubid))
               FROM pg_seclabel l WHERE l.objoid = c.oid AND l.classoid = 'pg_class'::regclass) AS labels
       FROM pg_class c WHERE c.oid = to_regclass($1)`,
    [name],
  );
  return row;
}

const suffix = db.name.slice(-8);
const owner = `rp_owner_${suffix}`;
const reader = `rp_reader_${suffix}`;
const granter = `rp_granter_${suffix}`;

beforeAll(async () => {
  for (const role of [owner, reader, granter]) await db.query(`CREATE ROLE ${role}`);
  await db.query('CREATE TABLE rp_items (id int PRIMARY KEY, x int NOT NULL, note text)');
  await db.query("INSERT INTO rp_items VALUES (1, 1, 'a'), (2, 2, 'b')");
  await db.query('CREATE FUNCTION rp_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$');
  await sync(1);
});

/**
 * One property per case: the SQL that gives a fresh hand-made view (`$v`, reading rp_base) the property.
 * Properties a server cannot carry (NEEDS) are not cases on it: there is nothing there to restore.
 */
const ALL_PROPERTIES: [property: string, kind: 'view' | 'materialized', setup: string[]][] = [
  ['comment', 'view', ["COMMENT ON VIEW $v IS 'by hand'"]],
  ['column comment', 'view', ["COMMENT ON COLUMN $v.x IS 'the x'"]],
  ['column default', 'view', ['ALTER VIEW $v ALTER COLUMN note SET DEFAULT $$n/a$$']],
  [
    'INSTEAD OF trigger with its comment',
    'view',
    [
      'CREATE TRIGGER rp_ins INSTEAD OF INSERT ON $v FOR EACH ROW EXECUTE FUNCTION rp_noop()',
      "COMMENT ON TRIGGER rp_ins ON $v IS 'swallows inserts'",
    ],
  ],
  [
    'statement trigger',
    'view',
    ['CREATE TRIGGER rp_stmt BEFORE UPDATE ON $v FOR EACH STATEMENT EXECUTE FUNCTION rp_noop()'],
  ],
  [
    'rule with its comment',
    'view',
    ['CREATE RULE rp_del AS ON DELETE TO $v DO INSTEAD NOTHING', "COMMENT ON RULE rp_del ON $v IS 'no deletes'"],
  ],
  ['column-level grants', 'view', [`GRANT SELECT (id), UPDATE (note) ON $v TO ${reader}`]],
  [
    'grants with grant option',
    'view',
    [`GRANT SELECT ON $v TO ${reader} WITH GRANT OPTION`, 'GRANT SELECT ON $v TO PUBLIC'],
  ],
  ['owner', 'view', [`ALTER VIEW $v OWNER TO ${owner}`, `GRANT SELECT ON $v TO ${reader}`]],
  ['security_barrier (as written: on)', 'view', ['ALTER VIEW $v SET (security_barrier = on)']],
  ['security_barrier false, written out', 'view', ['ALTER VIEW $v SET (security_barrier = false)']],
  ['security_invoker', 'view', ['ALTER VIEW $v SET (security_invoker = true)']],
  ['check_option', 'view', ['ALTER VIEW $v SET (check_option = cascaded)']],
  [
    'matview comment and column comment',
    'materialized',
    ["COMMENT ON MATERIALIZED VIEW $v IS 'mv'", "COMMENT ON COLUMN $v.id IS 'key'"],
  ],
  [
    'matview reloptions',
    'materialized',
    ['ALTER MATERIALIZED VIEW $v SET (fillfactor = 70, autovacuum_enabled = off)'],
  ],
  ['matview statistics target', 'materialized', ['ALTER MATERIALIZED VIEW $v ALTER COLUMN x SET STATISTICS 321']],
  [
    'matview index with comment, storage parameter and clustering',
    'materialized',
    [
      'CREATE UNIQUE INDEX $i ON $v (id) WITH (fillfactor = 60)',
      "COMMENT ON INDEX $i IS 'by id'",
      'ALTER MATERIALIZED VIEW $v CLUSTER ON $i',
    ],
  ],
  [
    'matview extended statistics',
    'materialized',
    [
      'CREATE STATISTICS $v_st ON id, x FROM $v',
      'ALTER STATISTICS $v_st SET STATISTICS 55',
      `ALTER STATISTICS $v_st OWNER TO ${owner}`,
      "COMMENT ON STATISTICS $v_st IS 'pairs'",
    ],
  ],
  ['matview left unpopulated', 'materialized', []],
  [
    'matview owner and grants',
    'materialized',
    [`ALTER MATERIALIZED VIEW $v OWNER TO ${owner}`, `GRANT SELECT (x) ON $v TO ${reader}`],
  ],
];
const NEEDS: Record<string, number> = {
  security_invoker: 150000, // the view option
  'matview extended statistics': 130000, // ALTER STATISTICS ... SET STATISTICS
};
const PROPERTIES = ALL_PROPERTIES.filter(([property]) => serverVersion() >= (NEEDS[property] ?? 0));

// The roles are cluster-wide: dropped after every test of the file, before its database goes.
describe('hand-made views', () => {
  afterAll(async () => {
    await db.query(`DROP OWNED BY ${owner}, ${reader}, ${granter}`);
    await withAdminClient(async (c) => {
      for (const role of [owner, reader, granter]) await c.query(`DROP ROLE ${role}`);
    });
  });

  describe('restoring a view not managed here around a rebuild', () => {
    it.each(PROPERTIES.map((p, i) => [...p, i] as const))(
      'keeps its %s through syncViews (rebuild and back)',
      async (_property, kind, setup, i) => {
        const name = `rp_p${i}`;
        const bare = `rp_bare${i}`;
        const unpopulated = setup.length === 0 && kind === 'materialized';
        // A check option needs an automatically updatable view: one reading the plain view.
        const from = setup.some((s) => s.includes('check_option')) ? 'rp_base_v' : 'rp_base';
        const create = (n: string) =>
          kind === 'view'
            ? `CREATE VIEW ${n} AS SELECT id, x, note FROM ${from}`
            : `CREATE MATERIALIZED VIEW ${n} AS SELECT id, x, note FROM rp_base${unpopulated ? ' WITH NO DATA' : ''}`;
        await db.query(create(name));
        await db.query(create(bare).replace(' WITH NO DATA', ''));
        for (const sql of setup) await db.query(sql.replace(/\$v/g, name).replace(/\$i/g, `${name}_idx`));
        const before = await snapshot(name);
        // The property is there to lose: the view differs from one without it.
        const { definition: _a, ...withProperty } = before!;
        const { definition: _b, ...without } = (await snapshot(bare))!;
        expect(withProperty).not.toEqual(without);

        const rebuilt = await sync(2);
        expect(rebuilt.steps.filter((s) => s.view.name === name).map((s) => s.action)).toEqual(
          expect.arrayContaining(['drop', 'restore']),
        );
        expect(await snapshot(name)).toEqual({ ...before, definition: expect.any(String) });
        await sync(1);
        expect(await snapshot(name)).toEqual(before);
        await db.query(`DROP ${kind === 'view' ? 'VIEW' : 'MATERIALIZED VIEW'} ${name}, ${bare}`);
      },
    );

    it('restores a view carrying every property at once, exactly, by syncViews and by a migration up() and down()', async () => {
      await db.query('CREATE VIEW rp_all AS SELECT id, x, note FROM rp_base');
      await db.query('CREATE MATERIALIZED VIEW rp_all_mv AS SELECT id, x, note FROM rp_base');
      for (const [, kind, setup] of PROPERTIES) {
        if (kind === 'view' && setup.some((s) => /check_option|security_barrier = false/.test(s))) continue;
        const name = kind === 'view' ? 'rp_all' : 'rp_all_mv';
        for (const sql of setup) await db.query(sql.replace(/\$v/g, name).replace(/\$i/g, `${name}_idx`));
      }
      // A second view with the options the first cannot combine with its trigger.
      await db.query(
        'CREATE VIEW rp_all_checked WITH (check_option = local, security_barrier = false) AS SELECT id, x FROM rp_base_v',
      );
      const names = ['rp_all', 'rp_all_mv', 'rp_all_checked'];
      const all = async () => Promise.all(names.map(snapshot));
      const before = await all();
      expect(before[0]!.triggers).toHaveLength(2);
      const withStatistics = PROPERTIES.some(([property]) => property === 'matview extended statistics');
      expect((before[1]!.statistics as unknown[] | null) ?? []).toHaveLength(withStatistics ? 1 : 0);

      await sync(2);
      expect(await all()).toEqual(before.map((s) => ({ ...s, definition: expect.any(String) })));
      await sync(1);
      expect(await all()).toEqual(before);

      const migration = await generateAndLoad(db, dir, base(2), 'RebuildBase', 1700000000000);
      expect(migration).toBeDefined();
      // What the file says is what it does: the trigger is among the statements restoring the view.
      const source = readFileSync(path.join(dir, '1700000000000-RebuildBase.ts'), 'utf8');
      // (a statement belongs to the comment above it: no other comment line in between)
      expect(source).toMatch(
        /\/\/ public\.rp_all: restored as it was [^\n]*\n(?:(?!\s*\/\/)[^\n]*\n)*?\s*await queryRunner\.query\(`CREATE TRIGGER rp_ins INSTEAD OF INSERT ON public\.rp_all/,
      );
      const ds = await db.connect({ entities: base(2), migrations: [migration!] });
      await ds.runMigrations();
      expect(await all()).toEqual(before.map((s) => ({ ...s, definition: expect.any(String) })));
      await ds.undoLastMigration();
      expect(await all()).toEqual(before);
      for (const n of names) await db.query(`DROP ${n === 'rp_all_mv' ? 'MATERIALIZED VIEW' : 'VIEW'} ${n}`);
    });

    it("does not keep what was added by hand to a managed view, and says so in the plan's drop step", async () => {
      await db.query("COMMENT ON COLUMN rp_base_v.x IS 'by hand'");
      await db.query(
        'CREATE TRIGGER rp_on_managed INSTEAD OF DELETE ON rp_base_v FOR EACH ROW EXECUTE FUNCTION rp_noop()',
      );
      const dry = await syncViews(await db.connect({ entities: base(2) }), { dryRun: true });
      const drop = dry.steps.find((s) => s.action === 'drop' && s.view.name === 'rp_base_v');
      expect(drop?.reason).toMatch(/; not declared, so not kept: trigger rp_on_managed, comment of column x$/);
      await sync(2);
      const after = (await snapshot('rp_base_v'))!;
      expect(after.triggers).toBeNull();
      expect((after.columns as { comment: string | null }[]).map((c) => c.comment)).toEqual([null, null, null]);
      await sync(1);
    });

    it('refuses, before anything runs, a view whose row type a function uses', async () => {
      await db.query('CREATE VIEW rp_typed AS SELECT id, x FROM rp_base');
      await db.query('CREATE FUNCTION rp_uses(r rp_typed) RETURNS int LANGUAGE sql AS $$ SELECT r.x $$');
      try {
        await expect(sync(2)).rejects.toThrow(
          /Cannot drop and restore view public\.rp_typed as it was: function rp_uses\(rp_typed\) depends on it or its row type.*drop it first/,
        );
        expect((await snapshot('rp_base'))!.definition).toMatch(/>= 0/);
        // The generator refuses it the same way, and writes nothing.
        await expect(generateAndLoad(db, dir, base(2), 'Refused', 1700000000009)).rejects.toThrow(
          /Cannot drop and restore view public\.rp_typed as it was: function rp_uses\(rp_typed\)/,
        );
        expect(existsSync(path.join(dir, '1700000000009-Refused.ts'))).toBe(false);
      } finally {
        await db.query('DROP FUNCTION rp_uses(rp_typed)');
        await db.query('DROP VIEW rp_typed');
      }
    });

    it('refuses a view that belongs to an extension, naming it and the fix', async () => {
      await db.query('CREATE VIEW rp_member AS SELECT id FROM rp_base');
      await db.query('ALTER EXTENSION plpgsql ADD VIEW rp_member');
      try {
        await expect(sync(2)).rejects.toThrow(
          /view public\.rp_member as it was: it belongs to extension plpgsql.*ALTER EXTENSION "plpgsql" DROP VIEW "public"\."rp_member"/,
        );
      } finally {
        await db.query('ALTER EXTENSION plpgsql DROP VIEW rp_member');
        await db.query('DROP VIEW rp_member');
      }
    });

    it('refuses privileges granted by a role other than the owner, naming the grantor', async () => {
      await db.query('CREATE VIEW rp_granted AS SELECT id, x FROM rp_base');
      await db.query(`GRANT SELECT ON rp_granted TO ${granter} WITH GRANT OPTION`);
      // One query, so that SET ROLE and the grant share a connection of the pool.
      await db.query(`SET ROLE ${granter}; GRANT SELECT ON rp_granted TO ${reader}; RESET ROLE`);
      try {
        await expect(sync(2)).rejects.toThrow(
          new RegExp(`public\\.rp_granted .*granted by ${granter}, not by its owner`),
        );
      } finally {
        await db.query('DROP VIEW rp_granted');
      }
    });
  });

  describe('restoring a view not managed here around a table change (synchronizeSchema)', () => {
    /** A TypeORM table whose column `x` TypeORM retypes from int to bigint (v2) and back (v1). */
    function table(version: 1 | 2): Function {
      const t = class RpTable {};
      Entity({ name: 'rp_t' })(t);
      PrimaryColumn('int')(t.prototype, 'id');
      Column(version === 1 ? 'int' : 'bigint')(t.prototype, 'x');
      Column('text', { nullable: true })(t.prototype, 'note');
      return t;
    }
    const schemaSync = async (version: 1 | 2) => synchronizeSchema(await db.connect({ entities: [table(version)] }));

    it('gives back every property of the views reading a retyped column, and the check after it holds', async () => {
      await schemaSync(1);
      await db.query('CREATE VIEW rs_all AS SELECT id, x, note FROM rp_t');
      await db.query('CREATE MATERIALIZED VIEW rs_all_mv AS SELECT id, x, note FROM rp_t');
      for (const [, kind, setup] of PROPERTIES) {
        if (kind === 'view' && setup.some((s) => /check_option|security_barrier = false/.test(s))) continue;
        const name = kind === 'view' ? 'rs_all' : 'rs_all_mv';
        for (const sql of setup) await db.query(sql.replace(/\$v/g, name).replace(/\$i/g, `${name}_idx`));
      }
      const names = ['rs_all', 'rs_all_mv'];
      const all = async () => Promise.all(names.map(snapshot));
      const before = await all();
      expect(before[0]!.triggers).toHaveLength(2);
      // Everything but the column types (they follow the table) comes back.
      const retyped = (s: Record<string, unknown>, type: string) => ({
        ...s,
        definition: expect.any(String),
        columns: (s.columns as { name: string; type: string }[]).map((c) => (c.name === 'x' ? { ...c, type } : c)),
      });

      const result = await schemaSync(2);
      expect(result.rebuiltViews.map((v) => v.name).sort()).toEqual(names);
      expect(await all()).toEqual(before.map((s) => retyped(s!, 'bigint')));
      await schemaSync(1);
      expect(await all()).toEqual(before);
      await db.query('DROP VIEW rs_all');
      await db.query('DROP MATERIALIZED VIEW rs_all_mv');
    });

    it('refuses, before TypeORM changes anything, a view it could not restore', async () => {
      await schemaSync(1);
      await db.query('CREATE VIEW rs_typed AS SELECT id, x FROM rp_t');
      await db.query('CREATE FUNCTION rs_uses(r rs_typed) RETURNS int LANGUAGE sql AS $$ SELECT r.x $$');
      try {
        await expect(schemaSync(2)).rejects.toThrow(
          /Cannot drop and restore view public\.rs_typed as it was: function rs_uses\(rs_typed\) depends on it/,
        );
        const [column] = await db.query<{ type: string }>(
          "SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'rp_t'::regclass AND attname = 'x'",
        );
        expect(column!.type).toBe('integer');
      } finally {
        await db.query('DROP FUNCTION rs_uses(rs_typed)');
        await db.query('DROP VIEW rs_typed');
      }
    });
  });
});
