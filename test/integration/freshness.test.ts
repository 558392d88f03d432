// Every refresh records itself in the state table, and getFreshness reads it back: manual refreshes
// (figures, process, errors with the last good refresh kept, inside a caller's transaction), auto-refresh,
// the upgrade of a table an older version made, a role that may not create it, stale and breached views,
// and the error of reading an unpopulated view.
import { hostname } from 'node:os';
import { Column, Entity, PrimaryGeneratedColumn, QueryFailedError, ViewColumn, type DataSource } from 'typeorm';
import {
  MaterializedView,
  enableAutoRefresh,
  getFreshness,
  getStatus,
  refreshAllMaterializedViews,
  refreshMaterializedView,
  syncViews,
} from '../../src';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

@Entity({ name: 'samples' })
class Sample {
  @PrimaryGeneratedColumn() id!: number;
  @Column('int') divisor!: number;
}

@MaterializedView({
  name: 'sample_ratios',
  expression: 'SELECT id, 100 / divisor AS ratio FROM samples',
  indexes: [{ columns: ['id'], unique: true }],
  maxStalenessMs: 60_000,
})
class SampleRatio {
  @ViewColumn() id!: number;
  @ViewColumn() ratio!: number;
}

@MaterializedView({ name: 'sample_count', expression: 'SELECT count(*)::int AS n FROM samples', withData: false })
class SampleCount {
  @ViewColumn() n!: number;
}

@MaterializedView({
  name: 'watched_count',
  expression: 'SELECT count(*)::int AS n FROM samples',
  autoRefresh: { debounceMs: 60_000, maxWaitMs: 120_000 },
})
class WatchedCount {
  @ViewColumn() n!: number;
}

const entities = [Sample, SampleRatio, SampleCount, WatchedCount];
const stateRow = async (name: string) =>
  (
    await db.query<Record<string, unknown>>(
      `SELECT started_at, started_seq::int AS seq, duration_ms, method, refreshed_by, application_name, last_error, last_error_at
         FROM typeorm_pgview_refresh_state WHERE view_name = $1`,
      [name],
    )
  )[0];
let ds: DataSource;

beforeAll(async () => {
  ds = await db.connect({ entities, synchronize: true, applicationName: 'freshness-test' });
  await db.query('INSERT INTO samples (divisor) SELECT 1 + g % 5 FROM generate_series(1, 20) g');
  await syncViews(ds);
});

describe('recording refreshes', () => {
  it('records the start, duration, method and process of a manual refresh, creating the table on first use', async () => {
    expect(await db.query("SELECT to_regclass('typeorm_pgview_refresh_state') AS t")).toEqual([{ t: null }]);
    const result = await refreshMaterializedView(ds, SampleRatio, { concurrently: true });
    expect(result).toMatchObject({ concurrently: true, recorded: true, analyzed: false });
    const first = await stateRow('sample_ratios');
    expect(first).toMatchObject({
      method: 'concurrent',
      refreshed_by: `${hostname()}:${process.pid}`,
      application_name: 'freshness-test',
      last_error: null,
    });
    expect(first!.duration_ms).toBeCloseTo(result.durationMs, 3);
    await refreshMaterializedView(ds, SampleRatio);
    const second = await stateRow('sample_ratios');
    expect(second).toMatchObject({ method: 'plain' });
    expect(second!.seq as number).toBeGreaterThan(first!.seq as number);
    expect((second!.started_at as Date).getTime()).toBeGreaterThan((first!.started_at as Date).getTime());

    await refreshMaterializedView(ds, SampleCount, { withData: false });
    expect(await stateRow('sample_count')).toMatchObject({ method: 'no-data' });
    await refreshAllMaterializedViews(ds, { concurrently: 'auto' });
    expect(await stateRow('sample_count')).toMatchObject({ method: 'plain' });
  });

  it('records a failure with its time, keeping the last good refresh; the next success clears it', async () => {
    await refreshMaterializedView(ds, SampleRatio);
    const good = await stateRow('sample_ratios');
    await db.query('INSERT INTO samples (divisor) VALUES (0)');
    await expect(refreshMaterializedView(ds, SampleRatio)).rejects.toThrow('division by zero');
    const failed = await stateRow('sample_ratios');
    expect(failed).toMatchObject({
      started_at: good!.started_at,
      seq: good!.seq,
      duration_ms: good!.duration_ms,
      method: good!.method,
      last_error: 'division by zero',
    });
    const freshness = await getFreshness(ds, SampleRatio);
    expect(freshness.lastError).toEqual({
      message: 'division by zero',
      at: (failed!.last_error_at as Date).toISOString(),
    });
    expect(freshness.lastRefresh!.startedAt).toBe((good!.started_at as Date).toISOString());

    // Inside the caller's transaction: recorded from another connection, and the transaction stays usable.
    await ds.transaction(async (manager) => {
      await expect(refreshMaterializedView(manager, SampleRatio)).rejects.toThrow('division by zero');
      expect(await manager.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    });
    expect(((await stateRow('sample_ratios'))!.last_error_at as Date).getTime()).toBeGreaterThan(
      (failed!.last_error_at as Date).getTime(),
    );

    await db.query('DELETE FROM samples WHERE divisor = 0');
    await refreshMaterializedView(ds, SampleRatio);
    expect(await stateRow('sample_ratios')).toMatchObject({ last_error: null, last_error_at: null });
  });

  it('records what the coordinator refreshes under auto-refresh, and getFreshness says when it is stale', async () => {
    const auto = await enableAutoRefresh(ds);
    try {
      await refreshMaterializedView(ds, WatchedCount);
      expect(await getFreshness(ds, WatchedCount)).toMatchObject({ stale: false, staleSince: null });
      await ds.getRepository(Sample).save({ divisor: 3 });
      const stale = await getFreshness(ds, WatchedCount);
      expect(stale.stale).toBe(true);
      expect(typeof stale.staleSince).toBe('string');
      const before = (await stateRow('watched_count'))!.seq as number;
      await auto.flush();
      expect(await getFreshness(ds, WatchedCount)).toMatchObject({ stale: false, populated: true });
      const after = await stateRow('watched_count');
      expect(after).toMatchObject({ method: 'plain', refreshed_by: `${hostname()}:${process.pid}` });
      expect(after!.seq as number).toBeGreaterThan(before);
    } finally {
      await auto.stop();
    }
    // No auto-refresh running here: it cannot tell.
    expect((await getFreshness(ds, WatchedCount)).stale).toBeUndefined();
  });
});

describe('getFreshness', () => {
  it('reports one view or all, populated, age on the server clock, and a breach of maxStalenessMs', async () => {
    await refreshMaterializedView(ds, SampleRatio);
    await refreshMaterializedView(ds, SampleCount, { withData: false });
    const all = await getFreshness(ds);
    expect(all.map((f) => [f.name, f.populated, f.maxStalenessMs, f.breached])).toEqual([
      ['sample_count', false, null, false],
      ['sample_ratios', true, 60_000, false],
      ['watched_count', true, null, false],
    ]);
    expect({ ...(await getFreshness(ds, 'public.sample_ratios')), ageMs: 0 }).toEqual({ ...all[1], ageMs: 0 });
    expect(all[1]).toMatchObject({ declaredBy: 'class SampleRatio', exists: true, stale: undefined });
    expect(all[1]!.ageMs).toBeGreaterThanOrEqual(0);

    // An hour-old refresh breaks the 60 s bound.
    await db.query(
      "UPDATE typeorm_pgview_refresh_state SET started_at = started_at - interval '1 hour' WHERE view_name = 'sample_ratios'",
    );
    const old = await getFreshness(ds, SampleRatio);
    expect(old.breached).toBe(true);
    expect(old.ageMs).toBeGreaterThanOrEqual(3_600_000);
    const status = (await getStatus(ds)).find((s) => s.name === 'sample_ratios')!;
    expect(status.lastRefresh).toEqual(old.lastRefresh);
    expect(status.freshness).toMatchObject({ breached: true, maxStalenessMs: 60_000 });
    expect(status.lastRefresh!.durationMs).toEqual(expect.any(Number));
    await expect(getFreshness(ds, 'public.nope')).rejects.toThrow(/public\.nope is neither a materialized view/);
  });

  it('explains a read of an unpopulated view, through a repository and a query builder, keeping the cause', async () => {
    await refreshMaterializedView(ds, SampleCount, { withData: false });
    const viaRepository = await ds
      .getRepository(SampleCount)
      .find()
      .catch((e: unknown) => e);
    expect(viaRepository).toBeInstanceOf(QueryFailedError);
    const error = viaRepository as QueryFailedError & { cause: Error & { code: string } };
    expect(error.message).toBe(
      'Materialized view public.sample_count (class SampleCount) has not been populated yet (it was created or last refreshed WITH NO DATA), so it cannot be read. Populate it: await refreshMaterializedView(dataSource, SampleCount), or npx typeorm-pgview refresh public.sample_count -d <data-source file>.',
    );
    expect(error.cause.message).toBe('materialized view "sample_count" has not been populated');
    expect(error.cause.code).toBe('55000');
    expect((error as unknown as { code: string }).code).toBe('55000');

    const viaBuilder = await ds
      .createQueryBuilder()
      .select('c.n')
      .from(SampleCount, 'c')
      .getRawMany()
      .catch((e: unknown) => e);
    expect(viaBuilder).toBeInstanceOf(QueryFailedError);
    expect((viaBuilder as Error).message).toMatch(/^Materialized view public\.sample_count \(class SampleCount\)/);
    // Other errors are untouched.
    await expect(ds.query('SELECT * FROM no_such_table')).rejects.toThrow('relation "no_such_table" does not exist');
    expect(
      ds.subscribers.filter((s) => (s as { isPgViewUnpopulatedReads?: boolean }).isPgViewUnpopulatedReads),
    ).toHaveLength(1);
  });
});

describe('the state table', () => {
  it('is upgraded in place from the layouts older versions made, keeping their rows', async () => {
    await db.query('DROP TABLE typeorm_pgview_refresh_state');
    await db.query('DROP SEQUENCE typeorm_pgview_refresh_seq');
    // The first layout: started_at only.
    await db.query(`CREATE TABLE typeorm_pgview_refresh_state (
      view_schema name NOT NULL, view_name name NOT NULL, started_at timestamptz NOT NULL,
      PRIMARY KEY (view_schema, view_name))`);
    await db.query(
      "INSERT INTO typeorm_pgview_refresh_state VALUES ('public', 'watched_count', now() - interval '1 day')",
    );
    // A fresh DataSource: the previous one remembers that it created the table.
    const other = await db.connect({ entities });
    const old = await getFreshness(other, WatchedCount);
    expect(old.lastRefresh).toMatchObject({ durationMs: null, method: null, by: null });
    expect(old.ageMs).toBeGreaterThanOrEqual(86_400_000);
    expect(await refreshMaterializedView(other, SampleRatio)).toMatchObject({ recorded: true });
    expect(await stateRow('watched_count')).toMatchObject({ seq: 0, method: null });
    expect(await stateRow('sample_ratios')).toMatchObject({ method: 'plain', last_error: null });
    expect((await stateRow('sample_ratios'))!.seq).toBeGreaterThan(0);
  });

  it('without the right to create it, refreshes still run, unrecorded', async () => {
    await db.query('DROP TABLE typeorm_pgview_refresh_state');
    await db.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgview_no_create') THEN CREATE ROLE pgview_no_create LOGIN; END IF;
    END $$`);
    await db.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    await db.query('GRANT SELECT ON samples TO pgview_no_create');
    await db.query('ALTER MATERIALIZED VIEW sample_ratios OWNER TO pgview_no_create');
    const url = new URL(db.url);
    url.username = 'pgview_no_create';
    const limited = await db.connect({ entities, url: url.toString() } as Parameters<typeof db.connect>[0]);
    expect(await refreshMaterializedView(limited, SampleRatio)).toMatchObject({ recorded: false });
    expect(await db.query("SELECT to_regclass('typeorm_pgview_refresh_state') AS t")).toEqual([{ t: null }]);
    expect((await getFreshness(limited, SampleRatio)).lastRefresh).toBeNull();
    await limited.destroy();
    await db.query('ALTER MATERIALIZED VIEW sample_ratios OWNER TO CURRENT_USER');
  });
});
