// typeorm-pgview/nestjs booted for real: Nest applications made with @nestjs/testing against PostgreSQL, in
// a Node process of their own (NestJS 12 is ESM-only and jest's module system cannot load it; Node 20.19+
// loads it from require(), which is also how the CommonJS build of src/nestjs loads it). The program runs
// every scenario in turn and prints what it saw as one JSON line per scenario.
import { NODE_FLAGS, withoutTypeormWarnings } from '../support/typeorm-version';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { snippetsOf } from '../docs/snippets';
import { useTestDatabase } from '../support/database';

const ROOT = path.resolve(__dirname, '..', '..');
const dbs = { a: useTestDatabase(), b: useTestDatabase(), c: useTestDatabase(), docs: useTestDatabase() };

/** docs/nestjs.md's block that declares the AppModule with PgViewModule, with typeorm-pgview being this src/. */
function docsModule(): string {
  const blocks = snippetsOf('docs/nestjs.md', readFileSync(path.join(ROOT, 'docs', 'nestjs.md'), 'utf8'));
  const block = blocks.find((b) => b.code.includes('PgViewModule.forRoot(') && b.code.includes('class AppModule'));
  if (!block) throw new Error('docs/nestjs.md has no block declaring an AppModule with PgViewModule.forRoot');
  return block.code.replace(
    /from 'typeorm-pgview(\/nestjs)?'/g,
    (_, sub: string = '') => `from '${path.join(ROOT, 'src')}${sub}'`,
  );
}

// What the test does with the page's AppModule: boot, a save auto-refreshed and read through StatsService,
// a refresh on demand, a save just before close(), and what close() left behind.
const DOCS_HARNESS = `
import { Test } from '@nestjs/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

async function harness(): Promise<void> {
  const app = await Test.createTestingModule({ imports: [AppModule] }).compile();
  await app.init();
  const ds = app.get(DataSource);
  const events: string[] = [];
  app.get(PgViewService).on('error', (e) => events.push('error ' + e.message)).on('warning', (e) => events.push('warning ' + e.code));
  const relation = (await ds.query("SELECT to_regclass('public.user_stats')::text AS r"))[0].r;
  const ann = await ds.getRepository(User).save({ name: 'Ann' });
  await ds.getRepository(Order).save({ user: ann, amount: '10.00' });
  const stats = app.get(StatsService);
  let top: UserStats[] = [];
  for (const start = Date.now(); Date.now() - start < 15000 && top[0]?.orderCount !== 1; await new Promise((r) => setTimeout(r, 20)))
    top = await stats.top();
  const rebuilt = typeof (await stats.rebuild());
  await ds.getRepository(Order).save({ user: ann, amount: '5.00' }); // pending when close() is called
  await app.close();
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  const view = await client.query('SELECT order_count, total_spent::text FROM user_stats');
  let left = -1;
  for (const start = Date.now(); Date.now() - start < 15000 && left !== 0; await new Promise((r) => setTimeout(r, 20)))
    left = (await client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")).rows[0].n;
  await client.end();
  console.log('RESULT ' + JSON.stringify({
    relation,
    afterSave: top.map((s) => ({ name: s.name, orderCount: s.orderCount })),
    rebuilt,
    afterClose: view.rows,
    destroyed: !ds.isInitialized,
    connectionsLeft: left,
    events,
  }));
}
harness().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
`;

const PROGRAM = `
import 'reflect-metadata';
import { Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ActiveUser, Order, User, UserStats } from '${path.join(ROOT, 'demo', 'entities')}';
import { AutoRefreshSubscriber } from '${path.join(ROOT, 'src')}';
import { InjectPgView, PgViewModule, PgViewService, getPgViewServiceToken } from '${path.join(ROOT, 'src', 'nestjs')}';
import { isAutoRefreshSubscriber } from '${path.join(ROOT, 'src', 'refresh', 'auto', 'runtime-subscriber')}';

const [A, B, C] = [process.env.DB_A!, process.env.DB_B!, process.env.DB_C!];
const entities = [User, Order, ActiveUser, UserStats];

async function waitFor<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (const start = Date.now(); Date.now() - start < 15000; await new Promise((r) => setTimeout(r, 20))) {
    const value = await check();
    if (value !== undefined) return value;
  }
  throw new Error('timed out waiting for ' + what);
}

async function query(url: string, sql: string): Promise<any[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try { return (await client.query(sql)).rows; } finally { await client.end(); }
}

/** Connections other than ours to the database, once the closed ones' server processes have ended. */
function connectionsLeft(url: string): Promise<number> {
  const count = async () => (await query(url, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"))[0].n as number;
  return waitFor('the connections to close', async () => ((await count()) === 0 ? 0 : undefined)).catch(count);
}

const orderCount = async (ds: DataSource) => (await ds.query('SELECT coalesce(sum(order_count), 0)::int AS n FROM user_stats'))[0].n as number;
const subscribers = (ds: DataSource) => ds.subscribers.filter(isAutoRefreshSubscriber).length;

/** Listens through the service from a provider's constructor, before bootstrap. */
@Injectable()
class Events {
  readonly seen: string[] = [];
  constructor(views: PgViewService) {
    views.on('refresh', (e) => this.seen.push('refresh ' + e.view.name));
    views.on('error', (e) => this.seen.push('error ' + e.message));
    views.on('warning', (e) => this.seen.push('warning ' + e.code));
    views.on('stop', (e) => this.seen.push('stop ' + e.reason));
  }
}

/** forRoot({ sync: 'schema' }): created at init, a save refreshed by itself, a save just before close() flushed. */
async function forRoot(): Promise<unknown> {
  @Module({
    imports: [
      TypeOrmModule.forRoot({ type: 'postgres', url: A, entities, synchronize: false }),
      PgViewModule.forRoot({ sync: 'schema' }),
    ],
    providers: [Events],
  })
  class AppModule {}
  const app = await Test.createTestingModule({ imports: [AppModule] }).compile();
  await app.init();
  const ds = app.get(DataSource);
  const views = app.get(PgViewService);
  const relation = (await ds.query("SELECT to_regclass('public.user_stats')::text AS r"))[0].r;
  const ann = await ds.getRepository(User).save({ name: 'Ann' });
  await ds.getRepository(Order).save({ user: ann, amount: '10.00' });
  const afterSave = await waitFor('the auto-refresh', async () => ((await orderCount(ds)) === 1 ? 1 : undefined));
  const status = (await views.getStatus()).map((s) => s.name + ' ' + s.state).sort();
  const refreshed = (await views.refreshAll()).map((r) => r.view.name);
  const fresh = await views.getFreshness('user_stats');
  const freshness = {
    populated: fresh.populated,
    stale: fresh.stale,
    recorded: !Number.isNaN(Date.parse(fresh.lastRefresh?.startedAt ?? '')),
    all: (await views.getFreshness()).map((f) => f.name),
  };
  const sources = views.autoRefresh?.sources;
  await ds.getRepository(Order).save({ user: ann, amount: '5.00' }); // pending when close() is called
  await app.close();
  return {
    relation,
    afterSave,
    status,
    refreshed,
    freshness,
    sources,
    handleAfterClose: views.autoRefresh === undefined,
    subscribers: subscribers(ds),
    afterClose: (await query(A, 'SELECT sum(order_count)::int AS n FROM user_stats'))[0].n,
    destroyed: !ds.isInitialized,
    connectionsLeft: await connectionsLeft(A),
    otherEvents: app.get(Events).seen.filter((e) => e !== 'refresh user_stats'),
  };
}

@Injectable()
class Config {
  readonly urls = { default: B, reporting: C };
}
@Module({ providers: [Config], exports: [Config] })
class ConfigModule {}

@Injectable()
class Both {
  constructor(readonly main: PgViewService, @InjectPgView('reporting') readonly reporting: PgViewService) {}
}

/** forRootAsync (useFactory + inject) on two named DataSources: 'views' on one, 'schema' on the other. */
async function forRootAsyncTwoDataSources(): Promise<unknown> {
  @Module({
    imports: [
      TypeOrmModule.forRootAsync({ imports: [ConfigModule], inject: [Config], useFactory: (c: Config) => ({ type: 'postgres' as const, url: c.urls.default, entities, synchronize: true }) }),
      TypeOrmModule.forRootAsync({ name: 'reporting', imports: [ConfigModule], inject: [Config], useFactory: (c: Config) => ({ type: 'postgres' as const, url: c.urls.reporting, entities, synchronize: false }) }),
      PgViewModule.forRootAsync({ imports: [ConfigModule], inject: [Config], useFactory: (c: Config) => ({ sync: c.urls.default ? 'views' : false }) }),
      PgViewModule.forRootAsync({ dataSource: 'reporting', imports: [ConfigModule], inject: [Config], useFactory: () => ({ sync: 'schema' }) }),
    ],
    providers: [Both],
  })
  class AppModule {}
  const app = await Test.createTestingModule({ imports: [AppModule] }).compile();
  await app.init();
  const both = app.get(Both);
  const result: Record<string, unknown> = {
    distinct: both.main !== both.reporting && app.get(getPgViewServiceToken('reporting')) === both.reporting,
    dataSources: [both.main.dataSource === app.get(DataSource), both.reporting.dataSource === app.get(getDataSourceToken('reporting'))],
    options: [both.main.options.sync, both.reporting.options.sync],
  };
  for (const [name, views] of [['default', both.main], ['reporting', both.reporting]] as const) {
    const ds = views.dataSource;
    const bob = await ds.getRepository(User).save({ name: 'Bob' });
    await ds.getRepository(Order).save({ user: bob, amount: '1.00' });
    result[name] = {
      relation: (await ds.query("SELECT to_regclass('public.user_stats')::text AS r"))[0].r,
      refreshed: await waitFor('the auto-refresh of ' + name, async () => ((await orderCount(ds)) === 1 ? 1 : undefined)),
      subscribers: subscribers(ds),
      sources: views.autoRefresh?.sources,
    };
  }
  await app.close();
  result.connectionsLeft = [await connectionsLeft(B), await connectionsLeft(C)];
  return result;
}

/** forRoot twice for one DataSource (with the subscriber in TypeORM's options too), then a second app in the process. */
async function twiceAndReboot(): Promise<unknown> {
  @Module({ imports: [PgViewModule.forRoot({ autoRefresh: true })] })
  class FeatureModule {}
  @Module({
    imports: [
      TypeOrmModule.forRoot({ type: 'postgres', url: A, entities, synchronize: false, subscribers: [AutoRefreshSubscriber] }),
      PgViewModule.forRoot({ sync: 'schema' }),
      FeatureModule,
    ],
  })
  class AppModule {}
  const runs: unknown[] = [];
  let previous: DataSource | undefined;
  for (let i = 0; i < 2; i++) {
    const app = await Test.createTestingModule({ imports: [AppModule] }).compile();
    await app.init();
    const ds = app.get(DataSource);
    const seen: string[] = [];
    app.get(PgViewService).on('refresh', (e) => seen.push(e.view.name)).on('error', (e) => seen.push(e.message));
    const before = await orderCount(ds);
    const user = await ds.getRepository(User).save({ name: 'Cy' + i });
    await ds.getRepository(Order).save({ user, amount: '2.00' });
    await waitFor('the auto-refresh', async () => ((await orderCount(ds)) === before + 1 ? 1 : undefined));
    await app.get(PgViewService).flush();
    runs.push({
      subscribers: subscribers(ds),
      newDataSource: previous !== ds,
      previousStopped: previous ? !previous.isInitialized : null,
      errors: seen.filter((e) => e !== 'user_stats'),
    });
    previous = ds;
    await app.close();
  }
  return { runs, connectionsLeft: await connectionsLeft(A) };
}

async function main(): Promise<void> {
  for (const scenario of [forRoot, forRootAsyncTwoDataSources, twiceAndReboot])
    console.log('RESULT ' + scenario.name + ' ' + JSON.stringify(await scenario()));
}
main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
`;

let results: Record<string, unknown>;
let run: { status: number | null; stderr: string };

it("boots docs/nestjs.md's AppModule as written: sync at init, a save auto-refreshes, close() flushes", () => {
  const file = path.join(ROOT, 'test', 'integration', `__nestjs_module_docs_${process.pid}.ts`);
  writeFileSync(
    file,
    [
      "import 'reflect-metadata';",
      `import { ActiveUser, Order, User, UserStats } from '${path.join(ROOT, 'demo', 'entities')}';`,
      docsModule(),
      DOCS_HARNESS,
    ].join('\n'),
  );
  try {
    const child = spawnSync(process.execPath, [...NODE_FLAGS, '-r', 'ts-node/register/transpile-only', file], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: dbs.docs.url },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    expect({ status: child.status, stderr: withoutTypeormWarnings(child.stderr), result: Boolean(line) }).toEqual({
      status: 0,
      stderr: '',
      result: true,
    });
    expect(JSON.parse(line!.slice('RESULT '.length))).toEqual({
      relation: 'user_stats', // sync: 'schema' ran at init
      afterSave: [{ name: 'Ann', orderCount: 1 }], // refreshed by itself, read through @InjectRepository
      rebuilt: 'number', // PgViewService.refresh
      afterClose: [{ order_count: 2, total_spent: '15.00' }], // the save just before close() was flushed
      destroyed: true,
      connectionsLeft: 0,
      events: [],
    });
  } finally {
    rmSync(file, { force: true });
  }
}, 70_000);

beforeAll(() => {
  const file = path.join(ROOT, 'test', 'integration', `__nestjs_module_${process.pid}.ts`);
  writeFileSync(file, PROGRAM);
  try {
    const child = spawnSync(process.execPath, [...NODE_FLAGS, '-r', 'ts-node/register/transpile-only', file], {
      cwd: ROOT,
      env: { ...process.env, DB_A: dbs.a.url, DB_B: dbs.b.url, DB_C: dbs.c.url },
      encoding: 'utf8',
      timeout: 100_000, // a hung process (a handle left open after close()) is killed and fails the status check
    });
    run = { status: child.status, stderr: withoutTypeormWarnings(child.stderr) };
    results = Object.fromEntries(
      child.stdout
        .split('\n')
        .filter((l) => l.startsWith('RESULT '))
        .map((l) => {
          const [, name, json] = /^RESULT (\S+) (.*)$/.exec(l)!;
          return [name, JSON.parse(json!)];
        }),
    );
  } finally {
    rmSync(file, { force: true });
  }
}, 120_000);

it('the program ran every scenario and exited by itself, with nothing on stderr', () => {
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  expect(Object.keys(results)).toEqual(['forRoot', 'forRootAsyncTwoDataSources', 'twiceAndReboot']);
});

it("forRoot({ sync: 'schema' }): views at init, a save auto-refreshed, close() flushes, stops, leaves no connection", () => {
  expect(results.forRoot).toEqual({
    relation: 'user_stats',
    afterSave: 1,
    status: ['active_users in-sync', 'user_stats in-sync'], // getStatus through the service
    refreshed: ['user_stats'], // refreshAll through the service
    // getFreshness through the service: the refresh just made recorded, nothing outstanding in its auto-refresh
    freshness: { populated: true, stale: false, recorded: true, all: ['user_stats'] },
    sources: ['subscriber'], // started by the module: no subscriber in TypeORM's options
    handleAfterClose: true, // stopped
    subscribers: 0, // stop() removed the subscriber it registered
    afterClose: 2, // the save just before close() was refreshed before the DataSource was destroyed
    destroyed: true,
    connectionsLeft: 0,
    otherEvents: ['stop stop'], // no error, no warning, no cut-off refresh
  });
});

it("forRootAsync (useFactory + inject) on two named DataSources, sync 'views' and 'schema'", () => {
  const side = { relation: 'user_stats', refreshed: 1, subscribers: 1, sources: ['subscriber'] };
  expect(results.forRootAsyncTwoDataSources).toEqual({
    distinct: true,
    dataSources: [true, true],
    options: ['views', 'schema'],
    default: side,
    reporting: side,
    connectionsLeft: [0, 0],
  });
});

it('forRoot twice and a second boot in the process register one subscriber per DataSource', () => {
  expect(results.twiceAndReboot).toEqual({
    runs: [
      // The class in TypeORM's subscribers and the module's enableAutoRefresh (twice): one subscriber.
      { subscribers: 1, newDataSource: true, previousStopped: null, errors: [] },
      { subscribers: 1, newDataSource: true, previousStopped: true, errors: [] },
    ],
    connectionsLeft: 0,
  });
});
