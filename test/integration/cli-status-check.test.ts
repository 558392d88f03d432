// typeorm-pgview status, check, sync and migration:generate --check as child processes on a real database:
// the same drift everywhere, JSON that parses into the documented shape, plain text when piped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { quickstartEntities } from '../../demo/entities';
import type { DriftItem, ViewStatus } from '../../src';
import { demoDataSource, hasAnsi, runCli } from '../support/cli';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();
const dir = mkdtempSync(path.join(tmpdir(), 'pgview-cli-status-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = (...args: string[]) => runCli([...args, '-d', demoDataSource], db.url);
let ds: DataSource;

beforeAll(async () => {
  // The tables only: the views are the CLI's to create.
  ds = await db.connect({ entities: quickstartEntities.filter((e) => ['User', 'Order'].includes(e.name)) });
  await ds.synchronize();
  await ds.query(`INSERT INTO users (name) SELECT 'user ' || g FROM generate_series(1, 50) g`);
  await ds.query(`INSERT INTO orders ("userId", amount) SELECT 1 + g % 50, g % 7 + 0.5 FROM generate_series(1, 500) g`);
});

describe('typeorm-pgview check, status and sync', () => {
  it('reports the missing views, syncs them (dry run first), then finds no drift', async () => {
    const check = await cli('check');
    expect(check.code).toBe(1);
    expect(check.stderr).toBe('');
    expect(check.stdout).toContain('Drift found: 4 differences');
    expect(check.stdout).toContain('  - view public.active_users: create (it is declared and does not exist)');

    const status = JSON.parse((await cli('status', '--json')).stdout) as { version: number; views: ViewStatus[] };
    expect(status.version).toBe(1);
    expect(status.views.map((v) => [v.name, v.exists, v.state])).toEqual([
      ['active_users', false, 'drifted'],
      ['user_stats', false, 'drifted'],
    ]);

    const dry = await cli('sync', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(
      '1. create view public.active_users (class ActiveUser): it is declared and does not exist',
    );
    expect(dry.stdout).toContain('CREATE MATERIALIZED VIEW "public"."user_stats"');
    expect(dry.stdout).toContain('Dry run: 4 statements would run; nothing was changed.');
    expect((await cli('check')).code).toBe(1);

    const sync = await cli('sync');
    expect(sync).toMatchObject({ code: 0, stderr: '' });
    expect(sync.stdout).toContain('Done: 4 statements run in one transaction.');
    expect(await cli('check')).toEqual({
      code: 0,
      stdout: "No drift: the database's views match the declarations.\n",
      stderr: '',
    });
    expect((await cli('sync')).stdout).toContain('Nothing to do');
    expect((await cli('migration:generate', path.join(dir, 'X'), '--check')).code).toBe(0);
  });

  it('status: aligned plain columns when piped, and the documented JSON shape', async () => {
    await ds.query('CREATE VIEW order_ids AS SELECT id FROM orders');
    await ds.query('ANALYZE user_stats');
    const text = await cli('status');
    expect(text.code).toBe(0);
    expect(hasAnsi(text.stdout)).toBe(false);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SCHEMA {2}NAME {10}KIND {5}MANAGED {2}STATE {6}POPULATED/);
    expect(lines[1]).toMatch(/^public {2}active_users {2}view {5}yes {6}in sync {4}- /);
    expect(lines[2]).toMatch(/^public {2}order_ids {5}view {5}no {7}unmanaged {2}- /);
    expect(lines[3]).toMatch(/^public {2}user_stats {4}matview {2}yes {6}in sync {4}yes {8}50 /);
    // Every column starts at the same offset on every line.
    const at = lines[0]!.indexOf('STATE');
    expect(lines.slice(1).every((l) => l[at - 1] === ' ' && l[at] !== ' ')).toBe(true);

    const json = JSON.parse((await cli('status', '--json')).stdout) as { version: number; views: ViewStatus[] };
    const stats = json.views.find((v) => v.name === 'user_stats')!;
    expect(stats).toMatchObject({
      schema: 'public',
      kind: 'materialized',
      exists: true,
      managed: true,
      declaredBy: 'class UserStats',
      state: 'in-sync',
      drift: [],
      populated: true,
      rowEstimate: 50,
      lastRefresh: null,
      autoRefresh: { debounceMs: 50, maxWaitMs: 500, concurrently: 'auto' },
    });
    expect(stats.sizeBytes).toBeGreaterThan(0);
    expect(stats.indexes.map((i) => [i.name, i.unique])).toEqual([
      ['user_stats_total_spent_idx', false],
      ['user_stats_user_id_key', true],
    ]);
    expect(stats.autoRefresh!.watches).toEqual([
      { schema: 'public', name: 'orders', trigger: false },
      { schema: 'public', name: 'users', trigger: false },
    ]);
    expect(json.views.find((v) => v.name === 'order_ids')).toMatchObject({
      managed: false,
      declaredBy: null,
      state: 'unmanaged',
      populated: null,
      rowEstimate: null,
    });
    expect(JSON.parse((await cli('status', '--json', '--schema', 'elsewhere')).stdout)).toEqual({
      version: 1,
      views: [],
    });
  });

  it('status reads the last auto-refresh from the engine state table, and tolerates another layout', async () => {
    await ds.query(`CREATE TABLE typeorm_pgview_refresh_state (view_schema name NOT NULL, view_name name NOT NULL,
                      started_at timestamptz NOT NULL, PRIMARY KEY (view_schema, view_name))`);
    await ds.query(
      `INSERT INTO typeorm_pgview_refresh_state VALUES ('public', 'user_stats', '2026-01-02T03:04:05.678Z')`,
    );
    let json = JSON.parse((await cli('status', '--json')).stdout) as { views: ViewStatus[] };
    // The oldest layout records no figures: they read as null.
    expect(json.views.find((v) => v.name === 'user_stats')!.lastRefresh).toEqual({
      startedAt: '2026-01-02T03:04:05.678Z',
      durationMs: null,
      method: null,
      by: null,
      applicationName: null,
    });
    expect((await cli('status')).stdout).toContain('2026-01-02 03:04:05Z');
    await ds.query('ALTER TABLE typeorm_pgview_refresh_state RENAME COLUMN started_at TO began');
    json = JSON.parse((await cli('status', '--json')).stdout) as { views: ViewStatus[] };
    expect(json.views.find((v) => v.name === 'user_stats')!.lastRefresh).toBeNull();
    await ds.query('DROP TABLE typeorm_pgview_refresh_state');
  });

  it('check and migration:generate --check list the same drift: a dropped index, a changed comment', async () => {
    await ds.query('DROP INDEX user_stats_total_spent_idx');
    await ds.query(`COMMENT ON VIEW active_users IS 'changed by hand'`);
    const check = await cli('check');
    expect(check.code).toBe(1);
    const expected = [
      '  - view public.active_users: comment (its comment changed)',
      '  - materialized view public.user_stats: create-index (index user_stats_total_spent_idx is declared and missing)',
    ];
    expect(check.stdout.trimEnd().split('\n').slice(1)).toEqual(expected);
    const json = JSON.parse((await cli('check', '--json')).stdout) as { version: number; drift: DriftItem[] };
    expect(json.drift.map((d) => [d.relation?.name, d.what, d.source])).toEqual([
      ['active_users', 'comment', 'class ActiveUser'],
      ['user_stats', 'create-index', 'class UserStats'],
    ]);
    expect(json.drift[1]!.sql).toContain('CREATE INDEX "user_stats_total_spent_idx"');

    const generate = await cli('migration:generate', path.join(dir, 'Fix'), '--check');
    expect(generate.code).toBe(1);
    expect(generate.stdout).toContain(
      `Changes were found (--check):\n${expected.join('\n')}\n\nA migration would be generated:`,
    );

    const status = await cli('status');
    expect(status.stdout).toContain('drifted');
    expect(status.stdout).toContain(`Drift (typeorm-pgview sync would fix it):\n${expected.join('\n')}`);
    expect((await cli('sync')).code).toBe(0);
    expect((await cli('check')).code).toBe(0);
  });
});
