// Measures where typeorm-pgview's work goes when a DataSource uses TypeORM's `replication` option (a
// primary and a streaming read replica), and what happens when the replica lags, stops, or is down when
// the DataSource initialises. The figures in docs/faq.md ("Does it work with read replicas?") come from it.
//
//   node -r ts-node/register/transpile-only scripts/measure-replicas.ts
//
// Not part of `npm test`: it starts two PostgreSQL servers of its own (the machine's PostgreSQL 15
// binaries, or PGVIEW_PG_BIN=<dir>) on free ports in a temporary folder, run as the `postgres` user when
// run as root, with `log_statement = all` on both; the replica is a `pg_basebackup -R` copy streaming from
// the primary. Each step's statements are attributed to a server by reading the two servers' logs. It
// prints one line per finding and exits 1 if any library call reached the replica.
import 'reflect-metadata';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { Column, DataSource, Entity, ManyToOne, PrimaryGeneratedColumn, ViewColumn } from 'typeorm';
import {
  MaterializedView,
  enableAutoRefresh,
  generateMigrationStatements,
  getDependencyDiagram,
  getDependentViews,
  refreshMaterializedView,
  synchronizeSchema,
  syncViews,
  type AutoRefresh,
} from '../src';

const ROOT = path.resolve(__dirname, '..');
const BIN = process.env.PGVIEW_PG_BIN ?? '/usr/lib/postgresql/15/bin';

@Entity({ name: 'users' })
class User {
  @PrimaryGeneratedColumn() id!: number;
  @Column() name!: string;
}

@Entity({ name: 'orders' })
class Order {
  @PrimaryGeneratedColumn() id!: number;
  @ManyToOne(() => User, { nullable: false }) user!: User;
  @Column('numeric', { precision: 10, scale: 2 }) amount!: string;
}

@MaterializedView({
  name: 'user_stats',
  expression: `SELECT u.id AS user_id, count(o.id)::int AS order_count FROM users u
               LEFT JOIN orders o ON o."userId" = u.id GROUP BY u.id`,
  indexes: [{ columns: ['user_id'], unique: true }],
  autoRefresh: { debounceMs: 20, maxWaitMs: 200 },
})
class UserStats {
  @ViewColumn({ name: 'user_id' }) userId!: number;
  @ViewColumn({ name: 'order_count' }) orderCount!: number;
}

// ---- two servers -------------------------------------------------------------------------------------

const asRoot = process.getuid?.() === 0;
const pgUser = asRoot
  ? {
      uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
      gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
    }
  : undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function runAsPostgres(file: string, args: string[]): void {
  const r = spawnSync(path.join(BIN, file), args, { encoding: 'utf8', ...(pgUser ?? {}) });
  if (r.status !== 0) throw new Error(`${file} failed: ${r.stderr || r.stdout}`);
}

interface Server {
  name: string;
  port: number;
  dataDir: string;
  log: string[];
  child?: ChildProcess;
}

async function start(server: Server, extra: string[] = []): Promise<void> {
  const flags = [
    ['port', String(server.port)],
    ['listen_addresses', '127.0.0.1'],
    ['unix_socket_directories', ''],
    ['log_statement', 'all'],
    ['log_line_prefix', '%a|'],
    ['fsync', 'off'],
  ].flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const child = spawn(path.join(BIN, 'postgres'), ['-D', server.dataDir, ...flags, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
    ...(pgUser ?? {}),
  });
  server.child = child;
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    const read = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        server.log.push(line);
        if (/ready to accept (read-only )?connections/.test(line)) resolve();
      }
    };
    child.stderr!.on('data', read);
    child.stdout!.on('data', read);
    child.once('exit', (code) => reject(new Error(`${server.name} exited with ${code}:\n${server.log.join('\n')}`)));
  });
}

async function stop(server: Server): Promise<void> {
  const child = server.child;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT'); // fast shutdown
  await exited;
  server.child = undefined;
}

/** The statements a server logged since `from` (log lines), without this script's own probes. */
function statementsSince(server: Server, from: number): string[] {
  return server.log
    .slice(from)
    .map((l) => /^([^|]*)\|.*?LOG:\s+(?:statement|execute [^:]*): (.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && m[1] !== 'measure')
    .map((m) => `${m[1] || '-'}: ${m[2]!.replace(/\s+/g, ' ').slice(0, 110)}`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const findings: string[] = [];
let replicaHits = 0;
function report(line: string): void {
  findings.push(line);
  console.log(line);
}

/** Runs `step`, then says how many statements each server logged for it (and names what reached the replica). */
async function where(label: string, primary: Server, replica: Server, step: () => Promise<unknown>): Promise<void> {
  const p0 = primary.log.length;
  const r0 = replica.log.length;
  let outcome = 'ok';
  try {
    await step();
  } catch (error) {
    outcome = `threw: ${(error as Error).message.split('\n')[0]}`;
  }
  await sleep(300); // let both servers write their logs
  const onPrimary = statementsSince(primary, p0);
  const onReplica = statementsSince(replica, r0);
  report(`${label}: ${outcome}; primary ${onPrimary.length} statements, replica ${onReplica.length}`);
  for (const s of onReplica) console.log(`    replica <- ${s}`);
  if (process.env.VERBOSE) for (const s of onPrimary) console.log(`    primary <- ${s}`);
  return void (replicaHits += label.startsWith('[library]') ? onReplica.length : 0);
}

async function main(): Promise<void> {
  const version = execFileSync(path.join(BIN, 'postgres'), ['--version'], { encoding: 'utf8' }).trim();
  const typeormVersion = (
    JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'typeorm', 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  report(`${new Date().toISOString().slice(0, 10)}: ${version}, TypeORM ${typeormVersion}, node ${process.version}`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgview-replicas-'));
  fs.chmodSync(dir, 0o755);
  const primary: Server = { name: 'primary', port: await freePort(), dataDir: path.join(dir, 'primary'), log: [] };
  const replica: Server = { name: 'replica', port: await freePort(), dataDir: path.join(dir, 'replica'), log: [] };
  for (const d of [primary.dataDir, replica.dataDir]) {
    fs.mkdirSync(d, { mode: 0o700 });
    if (pgUser) fs.chownSync(d, pgUser.uid, pgUser.gid);
  }
  let dataSource: DataSource | undefined;
  try {
    runAsPostgres('initdb', ['-D', primary.dataDir, '--auth=trust', '--username=postgres', '--no-sync']);
    await start(primary);
    runAsPostgres('pg_basebackup', [
      ...['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres'],
      ...['-D', replica.dataDir, '-R', '-X', 'stream', '--no-sync'],
    ]);
    await start(replica, ['-c', 'hot_standby=on']);
    const node = (port: number) => ({ host: '127.0.0.1', port, username: 'postgres', database: 'postgres' });
    const options = {
      type: 'postgres' as const,
      applicationName: 'app',
      replication: { master: node(primary.port), slaves: [node(replica.port)] },
      entities: [User, Order, UserStats],
    };

    dataSource = new DataSource(options);
    await dataSource.initialize();
    const ds = dataSource;
    const probe = async (server: Server, sql: string): Promise<unknown[]> => {
      const c = new Client({ ...node(server.port), user: 'postgres', application_name: 'measure' });
      await c.connect();
      try {
        return (await c.query(sql)).rows;
      } finally {
        await c.end();
      }
    };
    const replicaRows = async (): Promise<number> =>
      (await ds.getRepository(UserStats).find()).reduce((n, r) => n + r.orderCount, 0);

    report('-- replica streaming, no delay');
    await where('[library] generateMigrationStatements(ds) (the CLI generator)', primary, replica, () =>
      generateMigrationStatements(ds),
    );
    await where('[library] synchronizeSchema(ds)', primary, replica, () => synchronizeSchema(ds));
    await where('[library] syncViews(ds), nothing to do', primary, replica, () => syncViews(ds));
    await where('[library] getDependentViews + getDependencyDiagram', primary, replica, async () => {
      await getDependentViews(ds, 'public.orders');
      await getDependencyDiagram(ds);
    });
    const user = await ds.getRepository(User).save({ name: 'Ann' });
    await ds.getRepository(Order).save({ user, amount: '1.00' });
    await where('[library] refreshMaterializedView(ds, UserStats, { concurrently: true })', primary, replica, () =>
      refreshMaterializedView(ds, UserStats, { concurrently: true }),
    );
    let auto: AutoRefresh | undefined;
    const errors: string[] = [];
    await where("[library] enableAutoRefresh(ds, { source: 'both' })", primary, replica, async () => {
      auto = await enableAutoRefresh(ds, { source: 'both' });
      auto.on('error', (e) => errors.push(e.message));
    });
    const listeners = async (server: Server) =>
      (await probe(server, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query ILIKE 'LISTEN%'`)) as {
        n: number;
      }[];
    report(
      `LISTEN connections: primary ${(await listeners(primary))[0]!.n}, replica ${(await listeners(replica))[0]!.n}`,
    );
    await where(
      '[library] a save, then auto.flush() (refresh, advisory lock, state table)',
      primary,
      replica,
      async () => {
        await ds.getRepository(Order).save({ user, amount: '1.00' });
        await sleep(100);
        await auto!.flush();
      },
    );
    const locks = statementsSince(primary, 0).filter((s) => /advisory/.test(s)).length;
    report(
      `advisory-lock statements so far: primary ${locks}, replica ${statementsSince(replica, 0).filter((s) => /advisory/.test(s)).length}`,
    );

    // How stale a repository read is right after a refresh: it reads the replica.
    const staleness = async (label: string, samples: number): Promise<void> => {
      let stale = 0;
      const waits: number[] = [];
      for (let i = 0; i < samples; i++) {
        await ds.getRepository(Order).save({ user, amount: '1.00' });
        await auto!.flush(); // the refresh has committed on the primary
        const rows = (await ds.query('SELECT sum(order_count)::int AS n FROM user_stats')) as { n: number }[];
        const onPrimary = rows[0]!.n;
        const t0 = Date.now();
        let seen = await replicaRows();
        if (seen < onPrimary) stale++;
        while (seen < onPrimary && Date.now() - t0 < 10_000) {
          await sleep(2);
          seen = await replicaRows();
        }
        waits.push(Date.now() - t0);
      }
      report(
        `${label}: ${samples} times a save, auto.flush(), then a repository find() of the view (the replica): ` +
          `${stale} reads returned the rows from before the refresh; fresh after at most ${Math.max(...waits)} ms ` +
          `(median ${waits.sort((a, b) => a - b)[Math.floor(samples / 2)]} ms)`,
      );
    };
    await where('[user] repository find() on the view', primary, replica, () => ds.getRepository(UserStats).find());
    await staleness('no delay', 30);

    report('-- replica lagging (recovery_min_apply_delay = 2s)');
    fs.appendFileSync(path.join(replica.dataDir, 'postgresql.auto.conf'), "recovery_min_apply_delay = '2s'\n");
    await probe(replica, 'SELECT pg_reload_conf()');
    await sleep(200);
    await where('[library] refreshMaterializedView(ds, UserStats) while the replica lags', primary, replica, () =>
      refreshMaterializedView(ds, UserStats),
    );
    await staleness('lag 2 s', 3);

    report('-- replica stopped after initialize');
    await stop(replica);
    await where('[library] syncViews(ds)', primary, replica, () => syncViews(ds));
    await where('[library] refreshMaterializedView(ds, UserStats)', primary, replica, () =>
      refreshMaterializedView(ds, UserStats),
    );
    const errorsBefore = errors.length;
    await where('[library] a save + auto.flush()', primary, replica, async () => {
      await ds.getRepository(Order).save({ user, amount: '1.00' });
      await sleep(100);
      await auto!.flush();
    });
    const inView = ((await ds.query('SELECT sum(order_count)::int AS n FROM user_stats')) as { n: number }[])[0]!.n;
    const inTable = ((await ds.query('SELECT count(*)::int AS n FROM orders')) as { n: number }[])[0]!.n;
    report(
      `auto-refresh with the replica down: view ${inView} orders, table ${inTable}; errors: ${errors.length - errorsBefore}`,
    );
    await where('[user] repository find() on the view', primary, replica, () => ds.getRepository(UserStats).find());
    await where('[user] ds.manager.transaction(m => m.find(UserStats))', primary, replica, () =>
      ds.manager.transaction((m) => m.find(UserStats)),
    );
    await auto!.stop();
    await ds.destroy();
    dataSource = undefined;

    report('-- replica down when the DataSource initialises');
    const late = new DataSource(options);
    try {
      await late.initialize();
      report('initialize(): succeeded');
      await late.destroy();
    } catch (error) {
      report(`initialize(): ${(error as Error).constructor.name}: ${(error as Error).message}`);
    }
    report(
      replicaHits === 0
        ? 'RESULT: no library call sent a statement to the replica'
        : `RESULT: library calls sent ${replicaHits} statements to the replica`,
    );
    if (replicaHits) process.exitCode = 1;
  } finally {
    await dataSource?.destroy().catch(() => undefined);
    await stop(replica);
    await stop(primary);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 2;
});
