// Recursive views are compared by PostgreSQL's rendering like any other view (issue 13, defect 7): a
// formatting-only edit issues no DDL (nor a migration), a query change that keeps the columns is a
// CREATE OR REPLACE, a column type change rebuilds the view with the view that reads it, and options are
// still applied. Each case runs with a plain name, a name that needs quoting, and a non-default schema.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PgView, syncViews } from '../../src';
import { qualifiedName, quoteIdentifier } from '../../src/ddl/identifiers';
import { generateMigration } from '../../src/migrations/generate';
import { generateAndLoad } from '../fixtures/migrations/load';
import { useTestDatabase } from '../support/database';

interface Case {
  readonly title: string;
  readonly schema: string;
  readonly name: string;
}

const cases: Case[] = [
  { title: 'a plain name', schema: 'public', name: 'reports_to' },
  { title: 'a name with mixed case, spaces and a quote', schema: 'public', name: 'Reports To "Boss"' },
  { title: 'a non-default schema that needs quoting', schema: 'Org Chart', name: 'reports_to' },
];

const dir = mkdtempSync(path.join(tmpdir(), 'pgview-recursive-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The recursive view of `c` with this query, and a view that reads it. */
function declare(
  c: Case,
  expression: string,
  options: { securityBarrier?: boolean; comment?: string; reader?: string } = {},
) {
  const { reader, ...chainOptions } = options;
  @PgView({ schema: c.schema, name: c.name, recursive: true, columns: ['id', 'depth'], expression, ...chainOptions })
  class Chain {}
  @PgView({
    schema: c.schema,
    name: `${c.name} depths`,
    expression:
      reader ?? `SELECT depth, count(*)::int AS people FROM ${qualifiedName(c)} GROUP BY depth ORDER BY depth`,
    dependsOn: [Chain],
  })
  class Depths {}
  return [Chain, Depths];
}

describe.each(cases)('a recursive view with $title', (c) => {
  const db = useTestDatabase();
  const self = quoteIdentifier(c.name);
  const view = qualifiedName(c);
  const original = `SELECT id, 0 FROM staff WHERE boss IS NULL UNION ALL SELECT s.id, r.depth + 1 FROM staff s JOIN ${self} r ON s.boss = r.id`;
  // The same query in other clothes, ending in a -- comment the probe must close.
  const reformatted = `select ID, 0\n  from STAFF where BOSS is null\nunion all\n  select S.ID, R.DEPTH + 1\n  from STAFF S join ${self} R on S.BOSS = R.ID -- one level down`;
  const shallow = `${original} WHERE r.depth < 1`;
  const bigint = `SELECT id, 0::bigint FROM staff WHERE boss IS NULL UNION ALL SELECT s.id, r.depth + 1 FROM staff s JOIN ${self} r ON s.boss = r.id`;
  const connect = (expression: string, options?: Parameters<typeof declare>[2]) =>
    db.connect({ entities: declare(c, expression, options) });
  const steps = async (expression: string, options?: Parameters<typeof declare>[2]) =>
    (await syncViews(await connect(expression, options))).steps.map((s) => [s.action, s.view.name, s.sql]);
  const depths = () => db.query(`SELECT depth, people FROM ${qualifiedName({ ...c, name: `${c.name} depths` })}`);
  const catalog = () =>
    db.query(
      `SELECT c.oid::int, c.relname, pg_get_viewdef(c.oid) AS def, c.reloptions, obj_description(c.oid, 'pg_class') AS comment
         FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'v' ORDER BY c.relname`,
      [quoteIdentifier(c.schema)],
    );

  beforeAll(async () => {
    if (c.schema !== 'public') await db.query(`CREATE SCHEMA ${quoteIdentifier(c.schema)}`);
    await db.query('CREATE TABLE staff (id int PRIMARY KEY, boss int REFERENCES staff)');
    await db.query('INSERT INTO staff VALUES (1, NULL), (2, 1), (3, 2), (4, 2)');
  });

  it('is created with its reader', async () => {
    expect(await steps(original)).toEqual([
      ['create', c.name, `CREATE RECURSIVE VIEW ${view} ("id", "depth") AS ${original}`],
      ['create', `${c.name} depths`, expect.stringMatching(/^CREATE VIEW /)],
    ]);
    expect(await depths()).toEqual([
      { depth: 0, people: 1 },
      { depth: 1, people: 1 },
      { depth: 2, people: 2 },
    ]);
  });

  it('generates no migration and issues no DDL for a formatting-only edit', async () => {
    const before = await catalog();
    expect(await generateMigration(await connect(reformatted), { name: 'Reformat' })).toBeUndefined();
    const result = await syncViews(await connect(reformatted));
    expect(result.steps).toEqual([]);
    expect(await catalog()).toEqual(before);
    expect((await syncViews(await connect(reformatted))).queries).toBe(2); // registry updated: no probe
  });

  it('probes it in one batch with its reader, both reformatted: still no DDL', async () => {
    const before = await catalog();
    const reader = `select DEPTH, COUNT(*)::INT as PEOPLE\n from ${view}\n group by DEPTH order by DEPTH`;
    const result = await syncViews(await connect(original, { reader }));
    expect(result.steps).toEqual([]);
    expect(await catalog()).toEqual(before);
  });

  it('applies only the options that changed when the query is reformatted', async () => {
    expect(await steps(original, { securityBarrier: true, comment: 'who reports to whom' })).toEqual([
      [
        'replace',
        c.name,
        `CREATE OR REPLACE RECURSIVE VIEW ${view} ("id", "depth") WITH (security_barrier = true) AS ${original}`,
      ],
      ['comment', c.name, `COMMENT ON VIEW ${view} IS 'who reports to whom'`],
    ]);
    expect(await steps(reformatted, { securityBarrier: true })).toEqual([
      ['comment', c.name, `COMMENT ON VIEW ${view} IS NULL`],
    ]);
    expect(await steps(reformatted)).toEqual([
      ['replace', c.name, `CREATE OR REPLACE RECURSIVE VIEW ${view} ("id", "depth") AS ${reformatted}\n`],
    ]);
  });

  it('uses CREATE OR REPLACE when the query changes and the columns stay, keeping its reader', async () => {
    const [reader] = (await catalog()).filter((r) => r.relname === `${c.name} depths`);
    expect(await steps(shallow)).toEqual([
      ['replace', c.name, `CREATE OR REPLACE RECURSIVE VIEW ${view} ("id", "depth") AS ${shallow}`],
    ]);
    expect((await catalog()).filter((r) => r.relname === `${c.name} depths`)).toEqual([reader]);
    expect(await depths()).toEqual([
      { depth: 0, people: 1 },
      { depth: 1, people: 1 },
    ]);
  });

  it('rebuilds it with its reader when a column changes type', async () => {
    const result = await syncViews(await connect(bigint));
    expect(result.steps.map((s) => `${s.action} ${s.view.name}`)).toEqual([
      `drop ${c.name} depths`,
      `drop ${c.name}`,
      `create ${c.name}`,
      `create ${c.name} depths`,
    ]);
    expect(result.steps[1]!.reason).toMatch(/its query changed and its columns changed/);
    expect(result.steps[2]!.sql).toBe(`CREATE RECURSIVE VIEW ${view} ("id", "depth") AS ${bigint}`);
    const [depth] = await db.query<{ type: string }>(
      `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'depth'`,
      [view],
    );
    expect(depth).toEqual({ type: 'bigint' });
    expect(await depths()).toEqual([
      { depth: '0', people: 1 },
      { depth: '1', people: 1 },
      { depth: '2', people: 2 },
    ]);
    expect((await syncViews(await connect(bigint))).steps).toEqual([]);
  });

  it('generates a migration that retypes it with its reader, whose down() puts back what was there', async () => {
    const typeOfDepth = async () =>
      (
        await db.query<{ type: string }>(
          `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'depth'`,
          [view],
        )
      )[0]!.type;
    const before = (await catalog()).map(({ oid: _oid, ...rest }) => rest);
    const migration = await generateAndLoad(db, dir, declare(c, original), 'BackToInt', 1700000000000);
    expect(migration).toBeDefined();
    const ds = await db.connect({ entities: declare(c, original), migrations: [migration!] });
    await ds.runMigrations();
    expect(await typeOfDepth()).toBe('integer');
    expect(await depths()).toEqual([
      { depth: 0, people: 1 },
      { depth: 1, people: 1 },
      { depth: 2, people: 2 },
    ]);
    await ds.undoLastMigration();
    expect(await typeOfDepth()).toBe('bigint');
    expect((await catalog()).map(({ oid: _oid, ...rest }) => rest)).toEqual(before);
  });
});
