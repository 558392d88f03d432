// Promises of docs/sync.md, docs/dependencies.md and docs/migrations.md that need a real server to break:
// syncViews in the caller's transaction, the advisory lock, owners of rebuilt views, the generator's
// refusal of an inexact down(), and cycles in the catalog.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Column, Entity, PrimaryColumn, ViewColumn, type DataSource } from 'typeorm';
import {
  MaterializedView,
  PgView,
  PlanError,
  SyncError,
  ViewDependencyCycleError,
  generateMigrationStatements,
  getDependencyOrder,
  synchronizeSchema,
  syncViews,
} from '../../src';
import * as down from '../../src/migrations/down';
import { useTestDatabase, withAdminClient } from '../support/database';

const db = useTestDatabase();

@PgView({ name: 'fine_v', expression: 'SELECT 1 AS one' })
class Fine {}
@MaterializedView({ name: 'bad_index_v', expression: 'SELECT 1 AS one', indexes: [{ columns: ['nope'] }] })
class BadIndex {}

const rows = async () => (await db.query<{ n: number }>('SELECT n FROM writes ORDER BY n')).map((r) => r.n);
const exists = async (name: string) =>
  (await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [name]))[0]!.t !== null;

beforeAll(async () => {
  await db.query('CREATE TABLE writes (n int NOT NULL)');
});

describe("syncViews inside the caller's transaction", () => {
  beforeEach(() => db.query('TRUNCATE writes'));

  it('an EntityManager in dataSource.transaction(): a failed sync leaves it usable, and its writes commit', async () => {
    const ds = await db.connect({ entities: [Fine, BadIndex] });
    let failure: unknown;
    await ds.transaction(async (manager) => {
      await manager.query('INSERT INTO writes VALUES (1)');
      failure = await syncViews(manager).catch((e: unknown) => e);
      await manager.query('INSERT INTO writes VALUES (2)'); // fails if the transaction was aborted
    });
    expect(failure).toBeInstanceOf(SyncError);
    expect((failure as Error).message).toMatch(/bad_index_v.*column "nope" does not exist/);
    expect(await rows()).toEqual([1, 2]);
    expect(await exists('fine_v')).toBe(false); // the sync's own steps were undone
  });

  it('a QueryRunner with an open transaction: the same, and the caller decides the commit', async () => {
    const ds = await db.connect({ entities: [Fine, BadIndex] });
    const qr = ds.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      await qr.query('INSERT INTO writes VALUES (3)');
      await expect(syncViews(qr)).rejects.toThrow(SyncError);
      expect(qr.isTransactionActive).toBe(true);
      await qr.query('INSERT INTO writes VALUES (4)');
      expect(await rows()).toEqual([]); // not committed yet: the sync did not commit the caller's transaction
      await qr.commitTransaction();
    } finally {
      await qr.release();
    }
    expect(await rows()).toEqual([3, 4]);
    expect(await exists('fine_v')).toBe(false);
  });
});

@Entity({ name: 'racers' })
class Racer {
  @PrimaryColumn() id!: number;
  @Column({ type: 'int', default: 0 }) score!: number;
}
@PgView({ name: 'racer_scores', expression: 'SELECT id, score FROM racers' })
class RacerScore {
  @ViewColumn() id!: number;
  @ViewColumn() score!: number;
}

const SYNC_LOCK = "hashtext('typeorm-pgview'), hashtext('sync')";

/** Holds the sync lock on a connection of its own while `start` runs, until both callers wait for it. */
async function startedTogether<T>(start: () => Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
  const holder = new Client({ connectionString: db.url });
  await holder.connect();
  try {
    await holder.query(`SELECT pg_advisory_lock(${SYNC_LOCK})`);
    let done = false;
    const settled = Promise.allSettled(start()).finally(() => (done = true));
    // Without the lock they would not wait: then stop polling once they are done.
    while (!done) {
      const [{ waiting }] = (
        await holder.query<{ waiting: number }>(
          'SELECT count(*)::int AS waiting FROM pg_locks WHERE NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())',
        )
      ).rows as [{ waiting: number }];
      if (waiting === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await holder.query(`SELECT pg_advisory_unlock(${SYNC_LOCK})`);
    return await settled;
  } finally {
    await holder.end();
  }
}

describe('concurrent syncs', () => {
  it('two syncViews started together: both succeed, the DDL runs once, the second has nothing to do', async () => {
    const [a, b] = [await db.connect({ entities: [RacerScore] }), await db.connect({ entities: [RacerScore] })];
    await db.query('CREATE TABLE racers (id int PRIMARY KEY, score int NOT NULL DEFAULT 0)');
    try {
      const results = await startedTogether(() => [syncViews(a), syncViews(b)]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      const steps = results.map(
        (r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof syncViews>>>).value.steps,
      );
      expect(steps.map((s) => s.map((step) => `${step.action} ${step.view.name}`)).sort()).toEqual([
        [],
        ['create racer_scores'],
      ]);
    } finally {
      await db.query('DROP TABLE racers CASCADE');
    }
  });

  it('two synchronizeSchema started together: the table change and the views run once', async () => {
    const [a, b] = [
      await db.connect({ entities: [Racer, RacerScore] }),
      await db.connect({ entities: [Racer, RacerScore] }),
    ];
    await db.query('CREATE TABLE racers (id int PRIMARY KEY)'); // score is missing: TypeORM will add it
    const results = await startedTogether(() => [synchronizeSchema(a), synchronizeSchema(b)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    const done = results.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof synchronizeSchema>>>).value);
    const summary = done.map((d) => ({
      tables: d.tableStatements.filter((s) => /ALTER TABLE "racers" ADD "score"/.test(s)).length,
      views: d.views.steps.map((s) => `${s.action} ${s.view.name}`),
    }));
    expect(summary.sort((x, y) => y.tables - x.tables)).toEqual([
      { tables: 1, views: ['create racer_scores'] },
      { tables: 0, views: [] },
    ]);
    expect(done.find((d) => d.tableStatements.length > 0)).toBeDefined();
    expect(done.filter((d) => d.tableStatements.length === 0)).toHaveLength(1);
  });
});

describe('owners of rebuilt views', () => {
  const role = `pgview_owner_${randomBytes(4).toString('hex')}`;

  @PgView({ name: 'owned_v', expression: 'SELECT n FROM writes' })
  class OwnedInt {}
  @PgView({ name: 'owned_v', expression: 'SELECT n::bigint AS n FROM writes' })
  class OwnedBigint {}
  @MaterializedView({ name: 'owned_m', expression: 'SELECT n FROM writes' })
  class OwnedMatInt {}
  @MaterializedView({ name: 'owned_m', expression: 'SELECT n::bigint AS n FROM writes' })
  class OwnedMatBigint {}

  const owner = async (name: string) =>
    (
      await db.query<{ owner: string }>(
        'SELECT relowner::regrole::text AS owner FROM pg_class WHERE oid = $1::regclass',
        [name],
      )
    )[0]!.owner;

  beforeAll(() => withAdminClient((c) => c.query(`CREATE ROLE ${role} NOLOGIN`)));
  afterAll(async () => {
    // Roles are cluster-wide: whatever the test left, the role goes.
    await db.query(`DROP OWNED BY ${role}`).catch(() => undefined);
    await withAdminClient((c) => c.query(`DROP ROLE IF EXISTS ${role}`));
  });

  it('a managed view and a materialized view rebuilt by syncViews get their owner back', async () => {
    await syncViews(await db.connect({ entities: [OwnedInt, OwnedMatInt] }));
    await db.query(`ALTER VIEW owned_v OWNER TO ${role}`);
    await db.query(`ALTER MATERIALIZED VIEW owned_m OWNER TO ${role}`);
    const oids = await db.query("SELECT 'owned_v'::regclass::oid AS v, 'owned_m'::regclass::oid AS m");
    const result = await syncViews(await db.connect({ entities: [OwnedBigint, OwnedMatBigint] }));
    expect(
      result.steps
        .filter((s) => s.action === 'create')
        .map((s) => s.view.name)
        .sort(),
    ).toEqual(['owned_m', 'owned_v']);
    expect(await db.query("SELECT 'owned_v'::regclass::oid AS v, 'owned_m'::regclass::oid AS m")).not.toEqual(oids);
    expect([await owner('owned_v'), await owner('owned_m')]).toEqual([role, role]);
  });
});

describe("the generator's exactness check", () => {
  @PgView({ name: 'generated_v', expression: 'SELECT n FROM writes' })
  class Generated {}

  it('refuses to write a migration whose down() would not restore the catalog, and changes nothing', async () => {
    // No public declaration yields an inexact down() today; break down.ts's output to reach the refusal.
    const original = down.downStatements;
    const spy = jest
      .spyOn(down, 'downStatements')
      .mockImplementation((input) => original(input).filter((s) => !/^DROP VIEW .*"generated_v"/.test(s.sql)));
    try {
      const ds = await db.connect({ entities: [Generated] });
      const error = await generateMigrationStatements(ds).catch((e: unknown) => e);
      expect(spy).toHaveBeenCalled();
      expect(error).toBeInstanceOf(PlanError);
      expect((error as Error).message).toMatch(
        /would not restore the catalog exactly: public\.generated_v was not there before\. Nothing was written/,
      );
      expect(await exists('generated_v')).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('cycles in the catalog', () => {
  it("views that read each other in the database are a ViewDependencyCycleError with origin 'catalog'", async () => {
    // PostgreSQL forbids a view reading itself at CREATE, but CREATE OR REPLACE can close a loop.
    await db.query('CREATE VIEW loop_a AS SELECT 1 AS x');
    await db.query('CREATE VIEW loop_b AS SELECT x FROM loop_a');
    await db.query('CREATE OR REPLACE VIEW loop_a AS SELECT x FROM loop_b');
    try {
      const ds: DataSource = await db.connect();
      const error = await getDependencyOrder(ds).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ViewDependencyCycleError);
      expect((error as ViewDependencyCycleError).origin).toBe('catalog');
      expect((error as ViewDependencyCycleError).cycle).toEqual(
        expect.arrayContaining(['public.loop_a', 'public.loop_b']),
      );
      expect((error as Error).message).toMatch(/Views in the database read each other in a cycle/);
    } finally {
      await db.query('DROP VIEW loop_a, loop_b CASCADE');
    }
  });
});
