// Scheduled refresh across OS processes: 4 processes refreshing sched_ticks every TICK_MS give exactly one
// committed refresh per interval, and when the process inside a refresh is killed (SIGKILL, its refresh
// held at a gate the test keeps closed), another one serves that interval. Intervals are read from what
// the database recorded (a trigger logs every committed refresh start), never from this process's clock.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import { syncViews } from '../../src';
import { STATE_TABLE_NAME } from '../../src/ddl/auto-refresh';
import { ensureStateTable } from '../../src/refresh/auto/coordinator';
import { useTestDatabase } from '../support/database';
import { GATE_KEY, scheduleLogSql, TICK_MS, Ticks } from '../support/schedule-fixture';

const db = useTestDatabase();

/** One child process of test/support/schedule-child.ts, named by its application_name. */
class Child {
  private readonly lines: string[] = [];
  private waiting?: (line: string) => void;
  private stderr = '';
  readonly exited: Promise<void>;
  private constructor(
    readonly name: string,
    private readonly child: ChildProcessWithoutNullStreams,
  ) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const w = this.waiting;
      this.waiting = undefined;
      if (w) w(line);
      else this.lines.push(line);
    });
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(url: string, name: string): Promise<Child> {
    const script = join(__dirname, '..', 'support', 'schedule-child.ts');
    const child = new Child(
      name,
      // SWC: several times faster to start than ts-node (test/support/swc-register.js).
      spawn(process.execPath, ['-r', join(__dirname, '..', 'support', 'swc-register.js'), script, url, name]),
    );
    expect(await child.next()).toBe('ready');
    return child;
  }

  next(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      void this.exited.then(() => reject(new Error(`${this.name} exited: ${this.stderr}`)));
    });
  }

  /** Stops its auto-refresh; resolves to the timers it had left (0 expected). */
  async stop(): Promise<string> {
    this.child.stdin.write('stop\n');
    const line = await this.next();
    await this.exited;
    return line;
  }

  kill(): Promise<void> {
    this.child.kill('SIGKILL');
    return this.exited;
  }

  get errors(): string {
    return this.stderr;
  }
}

interface Logged {
  slot: string;
  refreshes: number;
  apps: string[];
}

/** Committed refresh starts of sched_ticks per server slot, in order. */
const logged = () =>
  db.query<Logged>(
    `SELECT floor(extract(epoch FROM started_at)::float8 * 1000 / $1)::bigint::text AS slot,
            count(*)::int AS refreshes, array_agg(app ORDER BY started_at) AS apps
       FROM refresh_log WHERE view_name = 'sched_ticks' GROUP BY 1 ORDER BY 1`,
    [TICK_MS],
  );

/** Polls `probe` until it returns something (the test's timeout bounds it). */
async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  const ds = await db.connect({ entities: [Ticks] });
  const state = { schema: 'public', name: STATE_TABLE_NAME };
  await ensureStateTable(ds, state);
  for (const statement of scheduleLogSql(STATE_TABLE_NAME)) await ds.query(statement);
  await syncViews(ds);
});

it('4 processes refresh once per interval, and an interval whose refresher is killed is served by another', async () => {
  const children = await Promise.all([0, 1, 2, 3].map((i) => Child.start(db.url, `sched-${i}`)));
  const gate = new Client({ connectionString: db.url });
  await gate.connect();
  try {
    // A few intervals with all 4 alive.
    await until(async () => ((await logged()).length >= 2 ? true : undefined));

    // Close the gate: the next interval's refresh waits inside REFRESH. Kill the process running it.
    await gate.query('SELECT pg_advisory_lock($1)', [GATE_KEY]);
    const inside = await until(async () => {
      const [row] = await db.query<{ app: string; slot: string }>(
        `SELECT application_name AS app, floor(extract(epoch FROM xact_start)::float8 * 1000 / $1)::bigint::text AS slot
           FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'REFRESH MATERIALIZED VIEW%'`,
        [TICK_MS],
      );
      return row;
    });
    // Refresh connections carry the application's name first: `sched-2 (typeorm-pgview auto-refresh)`.
    const victim = children.find((c) => inside.app.startsWith(`${c.name} (`))!;
    await victim.kill();
    await gate.query('SELECT pg_advisory_unlock($1)', [GATE_KEY]);

    // The schedule goes on after the killed interval.
    await until(async () => ((await logged()).some((l) => BigInt(l.slot) > BigInt(inside.slot)) ? true : undefined));
    const survivors = children.filter((c) => c !== victim);
    expect(await Promise.all(survivors.map((c) => c.stop()))).toEqual(['stopped 0', 'stopped 0', 'stopped 0']);
    expect(survivors.map((c) => c.errors).join('')).toBe('');

    const log = await logged();
    const first = BigInt(log[0]!.slot);
    // Every interval from the first to the last: exactly one committed refresh, none missing.
    expect(log.map((l) => [l.slot, l.refreshes])).toEqual(log.map((_, i) => [String(first + BigInt(i)), 1]));
    // The killed process's refresh rolled back; another one served its interval.
    const killed = log.find((l) => l.slot === inside.slot);
    expect(killed?.apps).toHaveLength(1);
    expect(killed?.apps[0]).toMatch(/^sched-\d \(typeorm-pgview auto-refresh\)$/);
    expect(killed?.apps[0]?.startsWith(`${victim.name} (`)).toBe(false);
  } finally {
    await gate.end();
    await Promise.all(children.map((c) => c.kill()));
  }
});
