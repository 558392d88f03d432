// Load and several processes: 200 concurrent saves on a pool of 10 coalesce into a handful of refreshes;
// two OS processes writing to one table refresh no more often than one process alone, and the view ends
// equal to a fresh run of its query.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { enableAutoRefresh, syncViews, type AutoRefreshEvent } from '../../src';
import { useTestDatabase } from '../support/database';
import { burstEntities, Customer, Purchase } from '../support/auto-refresh-fixture';

const db = useTestDatabase();
const totals = `SELECT customer_id, count(*)::int AS purchases, sum(amount)::int AS total FROM purchases GROUP BY customer_id`;

async function expectViewFresh(view: string): Promise<void> {
  expect(await db.query(`SELECT * FROM ${view} ORDER BY 1`)).toEqual(await db.query(`${totals} ORDER BY 1`));
}

/** A child process speaking the line protocol of test/support/auto-refresh-child.ts. */
class Child {
  private readonly lines: string[] = [];
  private waiting?: (line: string) => void;
  private stderr = '';
  private constructor(private readonly process: ChildProcessWithoutNullStreams) {
    createInterface({ input: process.stdout }).on('line', (line) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(line);
      } else this.lines.push(line);
    });
    process.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
  }

  static async start(url: string): Promise<Child> {
    const script = join(__dirname, '..', 'support', 'auto-refresh-child.ts');
    const child = new Child(
      spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', script, url], {
        env: { ...process.env, TS_NODE_PROJECT: join(__dirname, '..', '..', 'tsconfig.json') },
      }),
    );
    expect(await child.next()).toBe('ready');
    return child;
  }

  next(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.process.once('exit', (code) => reject(new Error(`child exited (${code}): ${this.stderr}`)));
    });
  }

  async send(command: string): Promise<string> {
    this.process.stdin.write(`${command}\n`);
    return this.next();
  }

  /** Sends `flush` and returns the child's refresh counts per view so far. */
  async flush(): Promise<Record<string, number>> {
    const line = await this.send('flush');
    expect(line).toMatch(/^flushed /);
    return JSON.parse(line.slice('flushed '.length)) as Record<string, number>;
  }

  /** Stops the child's auto-refresh and DataSource, and makes sure the process is gone. */
  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    if (this.process.exitCode === null) {
      await this.send('stop').catch(() => undefined);
      this.process.stdin.end();
      this.process.kill();
      await exited;
    }
  }

  get errors(): string {
    return this.stderr;
  }
}

let customerA: Customer;
let customerB: Customer;

beforeAll(async () => {
  const ds = await db.connect({ entities: burstEntities, synchronize: true });
  await syncViews(ds);
  customerA = await ds.getRepository(Customer).save({ name: 'A' });
  customerB = await ds.getRepository(Customer).save({ name: 'B' });
});

describe('auto-refresh under load', () => {
  it('200 concurrent single-row saves on a pool of 10 cause a handful of refreshes and a fresh view', async () => {
    const ds = await db.connect({ entities: burstEntities, poolSize: 10 });
    const auto = await enableAutoRefresh(ds);
    const events: AutoRefreshEvent[] = [];
    auto.on('refresh', (e) => events.push(e));
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => ds.getRepository(Purchase).save({ customerId: customerA.id, amount: i })),
    );
    await auto.flush();
    const burst = events.filter((e) => e.view.name === 'purchase_totals_burst');
    expect(burst.length).toBeGreaterThanOrEqual(1);
    expect(burst.length).toBeLessThanOrEqual(5);
    expect(burst.reduce((n, e) => n + e.commitsCoalesced, 0)).toBeLessThanOrEqual(200);
    expect(events.filter((e) => e.view.name === 'purchase_totals_manual')).toHaveLength(1);
    await expectViewFresh('purchase_totals_burst');
    await expectViewFresh('purchase_totals_manual');
    await auto.stop();
  });
});

describe('auto-refresh in two OS processes', () => {
  it('refreshes no more often than one process alone, and the view ends fresh', async () => {
    const [a, b] = await Promise.all([Child.start(db.url), Child.start(db.url)]);
    try {
      // One process alone: its writes, then a flush, refresh the manual-window view exactly once.
      expect(await a.send(`write ${customerA.id} 20`)).toBe('written');
      const alone = (await a.flush()).purchase_totals_manual ?? 0;
      expect(alone).toBe(1);
      await expectViewFresh('purchase_totals_manual');

      // Two processes, the same writes split between them, then both flush at once.
      expect(await a.send(`write ${customerA.id} 10`)).toBe('written');
      expect(await b.send(`write ${customerB.id} 10`)).toBe('written');
      const [afterA, afterB] = await Promise.all([a.flush(), b.flush()]);
      const together = (afterA.purchase_totals_manual ?? 0) - alone + (afterB.purchase_totals_manual ?? 0);
      expect(together).toBeLessThanOrEqual(alone);
      await expectViewFresh('purchase_totals_manual');

      // Both writing at the same time with a realistic window: the view still ends fresh.
      await Promise.all([a.send(`write ${customerA.id} 50`), b.send(`write ${customerB.id} 50`)]);
      await Promise.all([a.flush(), b.flush()]);
      await expectViewFresh('purchase_totals_burst');
      await expectViewFresh('purchase_totals_manual');
      expect(a.errors + b.errors).toBe('');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
