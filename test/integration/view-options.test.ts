// Every option descriptor (src/options/view-options.ts) round-trips on a real server: created as declared,
// a second sync is a no-op, a changed value is applied without a rebuild, the catalog then holds the
// declared value, and a view carrying it is restored exactly (stateDifferences finds nothing). A new
// option without a case here fails the first test.
import { chmodSync, chownSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Client } from 'pg';
import { join } from 'node:path';
import { MaterializedView, PgView, syncViews } from '../../src';
import { readDatabaseState } from '../../src/catalog/reader';
import { relationKey } from '../../src/ddl/identifiers';
import { restoreStatements } from '../../src/ddl/restore';
import { dropViewSql } from '../../src/ddl/statements';
import { stateDifferences } from '../../src/migrations/state-diff';
import { sameValue } from '../../src/options/descriptor';
import { optionsOf, VIEW_OPTIONS } from '../../src/options/view-options';
import { useTestDatabase, withAdminClient } from '../support/database';

const db = useTestDatabase();
const registry = { schema: 'public', name: 'typeorm_pgview_registry' };
let serverVersion = 0;
let tablespace: string | undefined;

interface Case {
  option: string;
  kind: 'view' | 'materialized';
  from: unknown;
  to: unknown;
}

/** A tablespace in a fresh directory owned by the server's user (the server runs on this machine). */
async function createTablespace(): Promise<string> {
  const name = `${db.name}_ts`;
  await withAdminClient(async (client) => {
    const { rows } = await client.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir");
    const owner = statSync(rows[0]!.dir);
    const dir = mkdtempSync(join(tmpdir(), 'pgview-ts-'));
    chmodSync(dir, 0o700);
    if (owner.uid !== process.getuid?.()) chownSync(dir, owner.uid, owner.gid);
    await client.query(`CREATE TABLESPACE ${name} LOCATION '${dir}'`);
  });
  return name;
}

beforeAll(async () => {
  await db.query('CREATE TABLE docs (id int PRIMARY KEY, owner text)');
  serverVersion = (await db.query<{ v: number }>("SELECT current_setting('server_version_num')::int AS v"))[0]!.v;
  tablespace = await createTablespace();
});

afterAll(async () => {
  // The tablespace is cluster-wide: empty it (the test database may already be gone), then drop it.
  const client = new Client({ connectionString: db.url });
  try {
    await client.connect();
    await client.query('DROP MATERIALIZED VIEW IF EXISTS tablespace_materialized');
  } catch {
    // the database was dropped first, and the view with it
  } finally {
    await client.end().catch(() => undefined);
  }
  if (tablespace) await withAdminClient((admin) => admin.query(`DROP TABLESPACE ${tablespace}`));
});

/** `TABLESPACE` stands for the tablespace created in beforeAll. */
const CASES: Case[] = [
  { option: 'checkOption', kind: 'view', from: 'local', to: 'cascaded' },
  { option: 'securityBarrier', kind: 'view', from: undefined, to: true },
  { option: 'securityInvoker', kind: 'view', from: true, to: undefined },
  {
    option: 'storageParameters',
    kind: 'materialized',
    from: { fillfactor: 70 },
    to: { fillfactor: 80, autovacuum_enabled: false },
  },
  { option: 'tablespace', kind: 'materialized', from: undefined, to: 'TABLESPACE' },
  { option: 'comment', kind: 'view', from: 'first', to: "it's the second" },
  { option: 'comment', kind: 'materialized', from: undefined, to: 'now commented' },
];
const actual = (value: unknown) => (value === 'TABLESPACE' ? tablespace : value);
const noFailure = (): never => {
  throw new Error('the case declares an invalid value');
};

let classes = 0;
function declare(c: Case, value: unknown) {
  const target = class {};
  Object.defineProperty(target, 'name', { value: `OptionCase${++classes}` });
  const options = {
    name: `${c.option}_${c.kind}`.toLowerCase(),
    expression: 'SELECT id, owner FROM docs WHERE id > 0',
    ...(value === undefined ? {} : { [c.option]: value }),
  };
  if (c.kind === 'view') PgView(options as Parameters<typeof PgView>[0])(target);
  else MaterializedView(options as Parameters<typeof MaterializedView>[0])(target);
  return target;
}

describe('option descriptors on a real server', () => {
  it('every described option has a round-trip case, for each kind it applies to', () => {
    const covered = CASES.map((c) => `${c.option} ${c.kind}`).sort();
    const expected = VIEW_OPTIONS.flatMap((o) => o.kinds.map((k) => `${o.name} ${k}`)).sort();
    expect(covered).toEqual(expected);
  });

  it.each(CASES)(
    '$option on a $kind: create, no-op, change in place, no-op, catalog value, exact restore',
    async (c) => {
      if (c.option === 'securityInvoker' && serverVersion < 150000) {
        const old = await db.connect({ entities: [declare(c, c.from)] });
        await expect(syncViews(old)).rejects.toThrow(/needs PostgreSQL 15 or later/);
        return;
      }
      const name = `${c.option}_${c.kind}`.toLowerCase();
      // Each case declares only its own view: the previous case's view is dropped as no longer declared.
      const ours = (steps: readonly { action: string; view: { name: string } }[]) =>
        steps.filter((s) => s.view.name === name).map((s) => s.action);
      const first = await db.connect({ entities: [declare(c, actual(c.from))] });
      expect(ours((await syncViews(first)).steps)[0]).toBe('create');
      expect((await syncViews(first)).steps).toEqual([]);
      await first.destroy();

      const second = await db.connect({ entities: [declare(c, actual(c.to))] });
      const changed = ours((await syncViews(second)).steps);
      expect(changed.length).toBeGreaterThan(0);
      expect(changed.filter((a) => a === 'drop' || a === 'create')).toEqual([]);
      expect((await syncViews(second)).steps).toEqual([]);

      const option = optionsOf(c.kind).find((o) => o.name === c.option)!;
      const declared = option.resolve(actual(c.to), noFailure);
      const runner = second.createQueryRunner();
      try {
        await runner.startTransaction();
        const before = await readDatabaseState(runner, registry);
        const view = before.views.get(relationKey({ schema: 'public', name }))!;
        expect(sameValue(option, option.catalog(view), declared)).toBe(true);
        // Restore it exactly as the catalog has it, as a rebuild would for a view not managed here.
        const statements = restoreStatements(view, before.indexes.get(relationKey(view)) ?? [], before.currentUser);
        await runner.query(dropViewSql(view));
        for (const sql of statements) await runner.query(sql);
        expect(stateDifferences(before, await readDatabaseState(runner, registry))).toEqual([]);
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
        await second.destroy();
      }
    },
  );
});
