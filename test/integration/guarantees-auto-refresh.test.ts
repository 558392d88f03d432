// docs/auto-refresh.md promises about the writer: the refresh runs on a pooled connection of its own, so
// save() never waits for it; a bug in a subscriber handler never fails a save(); an 'error' nobody listens
// to is only logged. Nothing here depends on timing: a lock held from a third connection blocks the refresh.
import { NODE_FLAGS, withoutTypeormWarnings } from '../support/typeorm-version';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { Column, Entity, PrimaryGeneratedColumn, ViewColumn, type DataSource, type QueryRunner } from 'typeorm';
import { AutoRefreshSubscriber, MaterializedView, enableAutoRefresh, syncViews } from '../../src';
import type { AutoRefresh } from '../../src/refresh/auto/engine';
import { ChangeCollector } from '../../src/refresh/auto/collector';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

@Entity({ name: 'tickets' })
class Ticket {
  @PrimaryGeneratedColumn() id!: number;
  @Column('int') amount!: number;
}
@MaterializedView({
  name: 'ticket_totals',
  expression: 'SELECT count(*)::int AS tickets, coalesce(sum(amount), 0)::int AS total FROM tickets',
  indexes: [{ columns: ['tickets'], unique: true }],
  autoRefresh: { debounceMs: 10, maxWaitMs: 50 },
})
class TicketTotals {
  @ViewColumn() tickets!: number;
  @ViewColumn() total!: number;
}

let ds: DataSource;
let auto: AutoRefresh;

beforeAll(async () => {
  ds = await db.connect({
    entities: [Ticket, TicketTotals],
    synchronize: true,
    subscribers: [AutoRefreshSubscriber],
  });
  await syncViews(ds);
  auto = await enableAutoRefresh(ds);
});

afterAll(async () => {
  await auto.stop();
});

const totals = async () => (await db.query('SELECT tickets, total FROM ticket_totals'))[0];
const fresh = async () =>
  (await db.query('SELECT count(*)::int AS tickets, coalesce(sum(amount), 0)::int AS total FROM tickets'))[0];

/** Saves a ticket in a transaction of its own on `runner` and commits it. */
async function saveInTransaction(runner: QueryRunner, amount: number): Promise<void> {
  await runner.startTransaction();
  await runner.manager.save(Ticket, { amount });
  await runner.commitTransaction();
}

describe('the writer never waits for the refresh', () => {
  it("save() and COMMIT complete while the refresh they caused is blocked, on a connection that is not the writer's", async () => {
    await auto.flush();
    const holder = new Client({ connectionString: db.url });
    await holder.connect();
    const writer = ds.createQueryRunner();
    await writer.connect();
    try {
      const [{ pid: writerPid }] = (await writer.query('SELECT pg_backend_pid() AS pid')) as [{ pid: number }];
      // LOCK TABLE refuses materialized views; a refresh left open holds the lock every refresh needs.
      await holder.query('BEGIN');
      await holder.query('REFRESH MATERIALIZED VIEW ticket_totals');
      await saveInTransaction(writer, 5);
      const blocked = async () =>
        (
          await holder.query<{ pid: number }>(
            "SELECT pid FROM pg_locks WHERE relation = 'ticket_totals'::regclass AND NOT granted",
          )
        ).rows.map((r) => r.pid);
      let waiting: number[] = [];
      while (waiting.length === 0) {
        waiting = await blocked();
        if (waiting.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(waiting).not.toContain(writerPid);
      // The refresh waits; the writer goes on: another save and commit on the same runner.
      await saveInTransaction(writer, 7);
      expect(await writer.query('SELECT count(*)::int AS n FROM tickets')).toEqual([{ n: 2 }]);
      expect(await blocked()).toEqual(waiting);
      expect(await holder.query('SELECT tickets FROM ticket_totals')).toMatchObject({ rows: [{ tickets: 0 }] });
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
      await writer.release();
    }
    await auto.flush();
    expect(await totals()).toEqual({ tickets: 2, total: 12 });
  }, 30_000);
});

describe('a bug in a subscriber handler', () => {
  it("never fails save(): the save resolves, and the bug is reported through 'error'", async () => {
    await auto.flush();
    const errors: Error[] = [];
    const onError = (e: Error) => errors.push(e);
    auto.on('error', onError);
    const bug = jest.spyOn(ChangeCollector.prototype, 'committedOrReleased').mockImplementationOnce(() => {
      throw new Error('a bug in the collector');
    });
    try {
      const saved = await ds.getRepository(Ticket).save({ amount: 100 });
      expect(bug).toHaveBeenCalled();
      expect(saved.id).toEqual(expect.any(Number));
      expect(errors.map((e) => e.message)).toEqual([
        expect.stringMatching(/could not handle a TypeORM event: a bug in the collector\. The write is unaffected/),
      ]);
      // The handler works again for the next commit.
      await ds.getRepository(Ticket).save({ amount: 1 });
      await auto.flush();
      expect(await totals()).toEqual(await fresh());
    } finally {
      bug.mockRestore();
      auto.off('error', onError);
    }
  });
});

describe("an 'error' with no listener", () => {
  const child = (...args: string[]) =>
    new Promise<{ code: number | null; lines: string[] }>((resolve, reject) => {
      const script = join(__dirname, '../support/unheard-error-child.ts');
      const proc = spawn(
        process.execPath,
        [...NODE_FLAGS, '-r', 'ts-node/register/transpile-only', script, db.url, ...args],
        {
          cwd: join(__dirname, '../..'),
        },
      );
      let out = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      let err = '';
      proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
      proc.on('error', reject);
      proc.on('close', (code) => resolve({ code, lines: `${out}${withoutTypeormWarnings(err)}`.trim().split('\n') }));
    });

  it("is written to the DataSource's logger and never becomes an unhandled rejection", async () => {
    const control = await child('control'); // the child does see an unhandled rejection when there is one
    expect(control.lines).toContain('unhandled rejection: Error: control');
    const { code, lines } = await child();
    expect(lines).toEqual([
      'error listeners: 0',
      expect.stringMatching(/^logged: Auto-refresh of public\.quotients failed \(attempt 1.*division by zero/),
      'done',
    ]);
    expect(code).toBe(0);
  }, 60_000);
});
