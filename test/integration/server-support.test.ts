// An option that a supported PostgreSQL lacks (a descriptor's `minimumServer`, e.g. securityInvoker before
// 15) is refused by every entry point that writes DDL from a declaration, naming the view, the option and
// the fix, and changes nothing; on a server that has it, every entry point applies it. Each run checks the
// side its server is on; `npm run test:matrix` and CI run it on PostgreSQL 12 (refused) and 15+ (applied).
import type { DataSource, QueryRunner } from 'typeorm';
import {
  PgView,
  UnsupportedServerError,
  createView,
  generateMigrationStatements,
  replaceView,
  synchronizeSchema,
  syncViews,
  type ViewDefinitionInput,
} from '../../src';
import { VIEW_OPTIONS } from '../../src/options/view-options';
import { serverVersion as suiteServerVersion, useTestDatabase } from '../support/database';

const db = useTestDatabase();
let serverVersion = 0;

/** A value that puts each server-dependent option in use. A new such option fails the first test. */
const IN_USE: Record<string, { value: unknown; reloption: string; clause: string }> = {
  securityInvoker: { value: true, reloption: 'security_invoker=true', clause: 'WITH (security_invoker = true)' },
};
const gated = VIEW_OPTIONS.filter((o) => o.minimumServer);
const cases = gated.map((o) => ({
  option: o.name,
  minimum: o.minimumServer!.version,
  major: Math.floor(o.minimumServer!.version / 10000),
  ...IN_USE[o.name]!,
}));

beforeAll(async () => {
  await db.query('CREATE TABLE accounts (id int PRIMARY KEY, owner text)');
  serverVersion = suiteServerVersion();
});

function spec(option: string, value: unknown): ViewDefinitionInput {
  return { name: 'guarded', expression: 'SELECT id, owner FROM accounts', [option]: value } as ViewDefinitionInput;
}

function declared(option: string, value: unknown): new () => object {
  class Guarded {}
  PgView({ name: 'guarded', expression: 'SELECT id, owner FROM accounts', [option]: value })(Guarded);
  return Guarded;
}

async function reloptions(): Promise<string[] | null | undefined> {
  const rows = await db.query<{ reloptions: string[] | null }>(
    "SELECT reloptions FROM pg_class WHERE oid = to_regclass('public.guarded')",
  );
  return rows[0]?.reloptions;
}

async function inMigration(ds: DataSource, body: (qr: QueryRunner) => Promise<void>): Promise<void> {
  const qr = ds.createQueryRunner();
  try {
    await qr.startTransaction();
    await body(qr);
    await qr.commitTransaction();
  } catch (error) {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    throw error;
  } finally {
    await qr.release();
  }
}

afterEach(async () => {
  await db.query('DROP VIEW IF EXISTS guarded');
});

it('every option with a minimum server has a case here', () => {
  expect(gated.map((o) => o.name).sort()).toEqual(Object.keys(IN_USE).sort());
});

describe.each(cases)('$option (PostgreSQL $major and later)', (c) => {
  const supported = () => serverVersion >= c.minimum;
  const refusal = (where: RegExp) =>
    expect.objectContaining({
      constructor: UnsupportedServerError,
      message: expect.stringMatching(
        new RegExp(
          `${where.source}.*option \`${c.option}\` needs PostgreSQL ${Math.floor(c.minimum / 10000)} or later; this server is ${Math.floor(serverVersion / 10000)}\\. Remove the option or upgrade the server\\.`,
        ),
      ),
    });

  // Each entry point, and what it does with the option where the server has it.
  const entryPoints: [string, (ds: DataSource) => Promise<unknown>, RegExp, (result: unknown) => Promise<void>][] = [
    [
      'syncViews',
      (ds) => syncViews(ds),
      /class Guarded \(view public\.guarded\)/,
      async () => expect(await reloptions()).toContain(c.reloption),
    ],
    [
      'syncViews dry run',
      (ds) => syncViews(ds, { dryRun: true }),
      /class Guarded/,
      async (result) => {
        expect((result as { steps: { sql: string }[] }).steps.map((s) => s.sql).join('\n')).toContain(c.clause);
        expect(await reloptions()).toBeUndefined();
      },
    ],
    [
      'synchronizeSchema',
      (ds) => synchronizeSchema(ds),
      /class Guarded/,
      async () => expect(await reloptions()).toContain(c.reloption),
    ],
    [
      'the migration generator',
      (ds) => generateMigrationStatements(ds),
      /class Guarded/,
      async (result) => {
        const up = (result as { up: { sql: string }[] }).up.map((s) => s.sql).join('\n');
        expect(up).toContain(c.clause);
        expect(await reloptions()).toBeUndefined(); // a trial run, rolled back
      },
    ],
  ];

  it.each(entryPoints)('%s', async (_name, call, where, applied) => {
    const ds = await db.connect({ entities: [declared(c.option, c.value)] });
    try {
      if (supported()) await applied(await call(ds));
      else {
        await expect(call(ds)).rejects.toEqual(refusal(where));
        expect(await reloptions()).toBeUndefined(); // nothing was created
      }
    } finally {
      await ds.destroy();
    }
  });

  it('createView in a hand-written migration', async () => {
    const ds = await db.connect();
    try {
      const run = inMigration(ds, (qr) => createView(qr, spec(c.option, c.value)));
      if (supported()) {
        await run;
        expect(await reloptions()).toContain(c.reloption);
      } else {
        await expect(run).rejects.toEqual(refusal(/definition public\.guarded \(view public\.guarded\)/));
        expect(await reloptions()).toBeUndefined();
      }
    } finally {
      await ds.destroy();
    }
  });

  it('replaceView in a hand-written migration', async () => {
    const ds = await db.connect();
    try {
      await inMigration(ds, (qr) => createView(qr, spec(c.option, undefined)));
      const run = inMigration(ds, (qr) => replaceView(qr, spec(c.option, undefined), spec(c.option, c.value)));
      if (supported()) {
        await run;
        expect(await reloptions()).toContain(c.reloption);
      } else {
        await expect(run).rejects.toEqual(refusal(/definition public\.guarded \(view public\.guarded\)/));
        expect(await reloptions()).toBeNull(); // the old view, unchanged
      }
    } finally {
      await ds.destroy();
    }
  });
});
