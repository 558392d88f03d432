// docs/nestjs.md, proven: its module and provider, taken from the page as written, booted with NestJS's
// Test.createTestingModule against a real PostgreSQL. NestJS 12 is ESM-only and jest's module system cannot
// load it, so the program runs in a Node process of its own (Node 20.19+ loads ES modules from require()),
// with ts-node as the snippet runner of test/docs uses, and prints what it saw as one JSON line.
import { NODE_FLAGS, withoutTypeormWarnings } from '../support/typeorm-version';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { snippetsOf } from '../docs/snippets';
import { useTestDatabase } from '../support/database';

const ROOT = path.resolve(__dirname, '..', '..');
const databases = { entities: useTestDatabase(), autoLoadEntities: useTestDatabase() };

/** The guide's block that declares the provider and the module, with typeorm-pgview being this src/. */
function guideModule(): string {
  const blocks = snippetsOf('docs/nestjs.md', readFileSync(path.join(ROOT, 'docs', 'nestjs.md'), 'utf8'));
  const block = blocks.find((b) => b.code.includes('class PgViewLifecycle') && b.code.includes('class AppModule'));
  if (!block) throw new Error('docs/nestjs.md has no block declaring PgViewLifecycle and AppModule');
  return block.code.replace(/from 'typeorm-pgview'/g, `from '${path.join(ROOT, 'src')}'`);
}

// What the test does with the guide's AppModule (or, for GUIDE_VARIANT=autoLoadEntities, the guide's
// providers under a forRoot with autoLoadEntities, as the page's section on it says): boot, a save that
// auto-refreshes, a save just before close(), and what close() left behind.
const HARNESS = `
import { Test } from '@nestjs/testing';
import { Client } from 'pg';

function rootModule(): new () => unknown {
  if (process.env.GUIDE_VARIANT !== 'autoLoadEntities') return AppModule;
  @Module({
    imports: [TypeOrmModule.forFeature([User, Order, ActiveUser, UserStats])],
    providers: [PgViewLifecycle, StatsService],
  })
  class ReportsModule {}
  @Module({
    imports: [
      TypeOrmModule.forRoot({
        type: 'postgres',
        url: process.env.DATABASE_URL,
        autoLoadEntities: true,
        subscribers: [AutoRefreshSubscriber],
        synchronize: false,
      }),
      ReportsModule,
    ],
  })
  class AutoLoadedModule {}
  return AutoLoadedModule;
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (const start = Date.now(); Date.now() - start < 20000; await new Promise((r) => setTimeout(r, 20))) {
    const value = await check();
    if (value !== undefined) return value;
  }
  throw new Error('timed out waiting for ' + what);
}

async function harness(): Promise<void> {
  const app = await Test.createTestingModule({ imports: [rootModule()] }).compile();
  await app.init();
  const ds = app.get(DataSource);
  const lifecycle = app.get(PgViewLifecycle) as unknown as { auto: AutoRefresh };
  const auto = lifecycle.auto;
  const events: string[] = [];
  auto.on('refresh', (e) => events.push('refresh ' + e.view.name));
  auto.on('error', (e) => events.push('error ' + e.message));
  auto.on('warning', (e) => events.push('warning ' + e.code));
  auto.on('stop', (e) => events.push('stop ' + e.reason));
  const relation = await ds.query("SELECT to_regclass('public.user_stats')::text AS r");
  const same = (await enableAutoRefresh(ds)) === auto;
  const sources = [...auto.sources];

  const ann = await ds.getRepository(User).save({ name: 'Ann' });
  await ds.getRepository(Order).save({ user: ann, amount: '10.00' });
  const service = app.get(StatsService);
  const afterSave = await waitFor('the auto-refresh', async () => {
    const top = await service.top();
    return top[0]?.orderCount === 1 ? top : undefined;
  });

  await ds.getRepository(Order).save({ user: ann, amount: '5.00' }); // pending when close() is called
  await app.close();
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  const view = await client.query('SELECT order_count, total_spent::text FROM user_stats');
  // A closed connection's server process ends a moment after the client has gone: wait for that.
  const listeners = await waitFor('the connections to close', async () => {
    const left = await client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
    return left.rows[0].n === 0 ? left : undefined;
  }).catch(() => client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"));
  await client.end();
  console.log('RESULT ' + JSON.stringify({
    relation: relation[0].r,
    sources,
    same,
    afterSave: afterSave.map((s) => ({ name: s.name, orderCount: s.orderCount })),
    afterClose: view.rows,
    destroyed: !ds.isInitialized,
    connectionsLeft: listeners.rows[0].n,
    // The saves of a user and an order may share a refresh or not (the debounce window): count them.
    refreshes: events.filter((e) => e === 'refresh user_stats').length,
    otherEvents: events.filter((e) => e !== 'refresh user_stats'),
  }));
}
harness().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
`;

it.each(['entities', 'autoLoadEntities'] as const)(
  'boots the guide (%s): sync at init, a save auto-refreshes, close() flushes and stops before destroy',
  (variant) => {
    const db = databases[variant];
    const file = path.join(ROOT, 'test', 'integration', `__nestjs_guide_${process.pid}_${variant}.ts`);
    const entities = path.join(ROOT, 'demo', 'entities');
    writeFileSync(
      file,
      [
        "import 'reflect-metadata';",
        `import { ActiveUser, Order, User, UserStats } from '${entities}';`,
        guideModule(),
        HARNESS,
      ].join('\n'),
    );
    try {
      const run = spawnSync(process.execPath, [...NODE_FLAGS, '-r', 'ts-node/register/transpile-only', file], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: db.url, GUIDE_VARIANT: variant },
        encoding: 'utf8',
        timeout: 100_000, // a hung process is killed, and fails the status check
      });
      const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      expect({ status: run.status, stderr: withoutTypeormWarnings(run.stderr), result: Boolean(line) }).toEqual({
        status: 0,
        stderr: '',
        result: true,
      });
      expect(JSON.parse(line!.slice('RESULT '.length))).toEqual({
        relation: 'user_stats', // synchronizeSchema ran in onModuleInit
        sources: ['subscriber'],
        same: true, // enableAutoRefresh returned the auto-refresh the subscriber runs
        afterSave: [{ name: 'Ann', orderCount: 1 }], // refreshed by itself, read through @InjectRepository
        afterClose: [{ order_count: 2, total_spent: '15.00' }], // the save just before close() was flushed
        destroyed: true, // TypeOrmModule destroyed the DataSource after our hook
        connectionsLeft: 0,
        refreshes: expect.any(Number),
        otherEvents: ['stop stop'], // no error, no cut-off refresh
      });
      // One refresh (or two) for the first saves, and one for the save flushed at close().
      expect(JSON.parse(line!.slice('RESULT '.length)).refreshes).toBeGreaterThanOrEqual(2);
    } finally {
      rmSync(file, { force: true });
    }
  },
  120_000,
);
