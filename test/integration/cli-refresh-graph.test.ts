// typeorm-pgview refresh and graph as child processes on a real database: progress lines, the time of
// each view, the failing view named on one line; the graph in its three formats.
import type { DataSource } from 'typeorm';
import { quickstartEntities } from '../../demo/entities';
import { syncViews } from '../../src';
import { demoDataSource, hasAnsi, runCli } from '../support/cli';
import { useTestDatabase } from '../support/database';

// A duration as the CLI writes it (formatDuration): `850 ms`, `2.3 s`, `4 min 05 s`; how long is the machine's.
const T = '(?:\\d+ ms|\\d+\\.\\d s|\\d+ min \\d\\d s)';
const db = useTestDatabase();
const cli = (...args: string[]) => runCli([...args, '-d', demoDataSource], db.url);
let ds: DataSource;

beforeAll(async () => {
  ds = await db.connect({ entities: quickstartEntities });
  await ds.query(
    'CREATE TABLE users (id serial PRIMARY KEY, name varchar NOT NULL, is_active boolean NOT NULL DEFAULT true)',
  );
  await ds.query(
    'CREATE TABLE orders (id serial PRIMARY KEY, amount numeric(10,2) NOT NULL, "userId" int NOT NULL REFERENCES users)',
  );
  await ds.query(`INSERT INTO users (name) SELECT 'user ' || g FROM generate_series(1, 20) g`);
  await syncViews(ds);
  // Not declared: reads user_stats, and fails to refresh once users is empty.
  await ds.query(
    'CREATE MATERIALIZED VIEW reports_ratio AS SELECT 100 / (SELECT count(*) FROM user_stats)::int AS ratio',
  );
});

const ONE_LINE = /^typeorm-pgview: [^\n]+\n$/;

describe('typeorm-pgview refresh', () => {
  it('refreshes every declared materialized view with a line each, n of m, the time taken', async () => {
    const all = await cli('refresh', '--all');
    expect(all).toMatchObject({ code: 0, stderr: '' });
    expect(all.stdout).toMatch(
      new RegExp(
        `^\\[1/1\\] public\\.user_stats refreshed in ${T} \\(concurrently\\), ${T} so far\\nRefreshed 1 materialized view in ${T}\\.\\n$`,
      ),
    );
    const cascade = await cli('refresh', 'user_stats', '--no-concurrently', '--cascade');
    expect(cascade.code).toBe(0);
    expect(cascade.stdout).toMatch(
      new RegExp(`^\\[1/2\\] public\\.user_stats refreshed in ${T} \\(plain\\), ${T} so far\\n`, 'm'),
    );
    expect(cascade.stdout).toMatch(new RegExp(`^\\[2/2\\] public\\.reports_ratio refreshed in ${T} \\(plain\\)`, 'm'));
    expect(cascade.stdout).toContain('Refreshed 2 materialized views in');
    expect(hasAnsi(cascade.stdout)).toBe(false);
  });

  it('names the view that failed, on one line, exit 1', async () => {
    await ds.query('DELETE FROM users');
    const failed = await cli('refresh', 'public.user_stats', 'reports_ratio');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(ONE_LINE);
    expect(failed.stderr).toContain(
      'typeorm-pgview: Refreshing public.reports_ratio failed (2 of 2): division by zero. The views before it were refreshed',
    );
    expect(failed.stdout).toMatch(/^\[1\/2\] public\.user_stats refreshed/);

    await ds.query('DROP INDEX user_stats_user_id_key');
    const concurrently = await cli('refresh', 'user_stats', '--concurrently');
    expect(concurrently.code).toBe(1);
    expect(concurrently.stderr).toMatch(ONE_LINE);
    expect(concurrently.stderr).toContain('Cannot refresh public.user_stats CONCURRENTLY: it needs a unique index');

    for (const [args, message] of [
      [['nope'], 'Materialized view public.nope does not exist.'],
      [['active_users'], 'public.active_users is not a materialized view'],
      [[], 'refresh needs the materialized views to refresh'],
      [['user_stats', '--all'], 'refresh takes view names or --all, not both'],
      [['user_stats', '--concurrently', '--no-concurrently'], 'not both'],
    ] as const) {
      const run = await cli('refresh', ...args);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(ONE_LINE);
      expect(run.stderr).toContain(message);
    }
  });
});

describe('typeorm-pgview graph', () => {
  it('draws tables, views and materialized views differently, in mermaid, dot and json', async () => {
    const mermaid = await cli('graph');
    expect(mermaid).toMatchObject({ code: 0, stderr: '' });
    expect(mermaid.stdout).toBe(
      [
        'flowchart LR',
        '  n0["active_users"]',
        '  n1[("orders")]',
        '  n2[["reports_ratio"]]',
        '  n3[["user_stats"]]',
        '  n4[("users")]',
        '  n0 --> n3',
        '  n1 --> n3',
        '  n3 --> n2',
        '  n4 --> n0',
        '',
      ].join('\n'),
    );
    const dot = await cli('graph', '--format', 'dot', '--view', 'active_users');
    expect(dot.stdout).toBe(
      [
        'digraph dependencies {',
        '  rankdir=LR;',
        '  "public.active_users" [label="active_users", shape=box];',
        '  "public.reports_ratio" [label="reports_ratio", shape=box, peripheries=2];',
        '  "public.user_stats" [label="user_stats", shape=box, peripheries=2];',
        '  "public.users" [label="users", shape=cylinder];',
        '  "public.active_users" -> "public.user_stats";',
        '  "public.user_stats" -> "public.reports_ratio";',
        '  "public.users" -> "public.active_users";',
        '}',
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await cli('graph', '--format=json', '--view', 'public.user_stats')).stdout) as unknown;
    expect(json).toEqual({
      version: 1,
      nodes: [
        { schema: 'public', name: 'active_users', kind: 'view' },
        { schema: 'public', name: 'orders', kind: 'table' },
        { schema: 'public', name: 'reports_ratio', kind: 'materialized' },
        { schema: 'public', name: 'user_stats', kind: 'materialized' },
        { schema: 'public', name: 'users', kind: 'table' },
      ],
      edges: [
        { from: { schema: 'public', name: 'active_users' }, to: { schema: 'public', name: 'user_stats' } },
        { from: { schema: 'public', name: 'orders' }, to: { schema: 'public', name: 'user_stats' } },
        { from: { schema: 'public', name: 'user_stats' }, to: { schema: 'public', name: 'reports_ratio' } },
        { from: { schema: 'public', name: 'users' }, to: { schema: 'public', name: 'active_users' } },
      ],
    });
  });

  it('refuses a wrong format, an unknown view or schema on one line', async () => {
    for (const [args, message] of [
      [['--format', 'svg'], 'Option --format takes mermaid, dot or json, got "svg".'],
      [['--view', 'nope'], 'View public.nope does not exist.'],
      [['--view', 'users'], 'public.users is a table, not a view or materialized view.'],
      [['--schema', 'nowhere'], 'Schema nowhere has no relations.'],
    ] as const) {
      const run = await cli('graph', ...args);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(ONE_LINE);
      expect(run.stderr).toContain(message);
    }
  });
});
