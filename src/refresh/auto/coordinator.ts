// Runs one auto-refresh so that several processes on one database refresh a view once per change, not
// once per process, and lose no change. Per view, a transaction-scoped advisory lock lets one process
// refresh at a time; a small table records, per view, the value a sequence gave when its last refresh
// began (before its snapshot). A process that read the sequence after seeing its changes (observer.ts)
// skips when the recorded value is higher: that refresh began later, so its snapshot holds them. No clock
// is compared with another: a server clock stepped back, or processes whose clocks disagree, change
// nothing. A recorded value the sequence has not reached yet cannot be judged: refresh, and say so.
import type { DataSource, QueryRunner } from 'typeorm';
import { STATE_TABLE_CURRENT_QUERY, type PresentRow } from '../../catalog/auto-refresh-queries';
import {
  BEGIN_READ_COMMITTED_SQL,
  BEGIN_SQL,
  COMMIT_SQL,
  createStateTableSql,
  observeSequenceSql,
  refreshCoveredSql,
  ROLLBACK_SQL,
  stateSequenceOf,
  stateTableLockSql,
  tryViewLockSql,
} from '../../ddl/auto-refresh';
import { qualifiedName, type QualifiedName } from '../../ddl/identifiers';
import { runStatement as run } from '../../db/target';
import { refreshCoordinatedView } from '../refresh';
import { RefreshConnections, type RefreshLease } from './connection';
import { SequenceObserver } from './observer';
import type { Outcome } from './scheduler';

/**
 * Creates the state table and its sequence when missing, or upgrades a table an older version created,
 * serialised by an advisory lock so that processes starting together do not race on CREATE. Throws when
 * the role may not create (or alter) them.
 */
export async function ensureStateTable(dataSource: DataSource, table: QualifiedName): Promise<void> {
  const [row] = (await dataSource.query(STATE_TABLE_CURRENT_QUERY, [
    qualifiedName(table),
    qualifiedName(stateSequenceOf(table)),
  ])) as PresentRow[];
  if (row?.present) return;
  const queryRunner = dataSource.createQueryRunner('master');
  await queryRunner.connect();
  try {
    await queryRunner.query(BEGIN_SQL);
    await run(queryRunner, stateTableLockSql());
    for (const statement of createStateTableSql(table)) await queryRunner.query(statement);
    await queryRunner.query(COMMIT_SQL);
  } catch (error) {
    await queryRunner.query(ROLLBACK_SQL).catch(() => undefined);
    throw error;
  } finally {
    await queryRunner.release();
  }
}

export interface CoordinatedRefresh {
  view: QualifiedName;
  concurrently: boolean | 'auto';
  /** The state table, or undefined to refresh without cross-process skipping (still one at a time). */
  stateTable?: QualifiedName;
  /** A sequence reading taken after the newest change was seen; undefined: refresh without asking. */
  observed?: string;
  /** The recorded refresh start (or `observed`) is beyond the sequence: refreshing, as nothing can be decided. */
  undecided?: (view: QualifiedName) => void;
}

/**
 * One attempt, on a connection of the refresh pool (connection.ts: never one of the application's pool): `busy` if another process holds the
 * view's lock, `covered` if a refresh that began after the changes committed already ran, else refreshes.
 * Uses plain BEGIN/COMMIT rather than TypeORM transactions, so no subscriber sees these transactions.
 */
export async function refreshCoordinated(connections: RefreshConnections, job: CoordinatedRefresh): Promise<Outcome> {
  return underViewLock(
    () => connections.lease(),
    job.view,
    async (queryRunner): Promise<Outcome> => {
      if (job.stateTable && job.observed !== undefined) {
        const [state] = (await run(queryRunner, refreshCoveredSql(job.stateTable, job.view, job.observed))) as {
          covered: boolean;
          ahead: boolean;
        }[];
        if (state?.ahead) job.undecided?.(job.view);
        else if (state?.covered) return { kind: 'covered' };
      }
      // Records the start (under the lock taken above, before REFRESH's snapshot), the figures, or the error.
      const result = await refreshCoordinatedView(queryRunner, job.view, {
        concurrently: job.concurrently,
        stateTable: job.stateTable,
      });
      return { kind: 'refreshed', concurrently: result.concurrently, durationMs: result.durationMs };
    },
  );
}

/**
 * Runs `body` on a refresh connection, in a READ COMMITTED transaction holding the view's advisory lock
 * (every statement sees what committed before it started), and commits; `busy` without running it when
 * another process holds the lock. On an error, rolls back (a connection that cannot even roll back is
 * closed, not returned to the pool) and rethrows. Plain BEGIN/COMMIT rather than TypeORM transactions, so
 * no subscriber sees these transactions. The change-triggered and the scheduled refreshes both run here.
 */
export async function underViewLock<T>(
  lease: () => Promise<RefreshLease>,
  view: QualifiedName,
  body: (queryRunner: QueryRunner) => Promise<T>,
): Promise<T | { kind: 'busy' }> {
  const { queryRunner, release } = await lease();
  let broken: unknown;
  try {
    await queryRunner.query(BEGIN_READ_COMMITTED_SQL);
    const [lock] = (await run(queryRunner, tryViewLockSql(view))) as { locked: boolean }[];
    if (!lock?.locked) {
      await queryRunner.query(ROLLBACK_SQL);
      return { kind: 'busy' };
    }
    const result = await body(queryRunner);
    await queryRunner.query(COMMIT_SQL);
    return result;
  } catch (error) {
    await queryRunner.query(ROLLBACK_SQL).catch((rollbackError: unknown) => (broken = rollbackError));
    throw error;
  } finally {
    await release(broken);
  }
}

/**
 * One engine's coordination: the state table (created on first use; without it, or with
 * `coordinate: false`, refreshes still never overlap but are not shared between processes).
 */
export class Coordination {
  private checked?: Promise<void>;
  private readonly observer = new SequenceObserver(() => this.observe());
  private readonly connections: RefreshConnections;

  /** @param budget the refresh pool's size (`maxConcurrentRefreshes`), read when a connection is needed. */
  constructor(
    private readonly dataSource: DataSource,
    private table: QualifiedName | undefined,
    private readonly report: {
      /** The state table could not be created: refreshes go on uncoordinated. */
      unavailable(table: QualifiedName, error: unknown): void;
      /** A recorded refresh start lies beyond the sequence: refreshed anyway. */
      undecided(view: QualifiedName, table: QualifiedName): void;
    },
    budget: () => number = () => 1,
  ) {
    this.connections = new RefreshConnections(dataSource, budget);
  }

  /** A refresh connection of its own pool (scheduled refreshes use it too). */
  lease(): Promise<RefreshLease> {
    return this.connections.lease();
  }

  /** Turns coordination on (through `table`) or off. */
  use(table: QualifiedName | undefined): void {
    this.table = table;
    this.checked = undefined;
  }

  /**
   * A change was just seen (after its commit): read the sequence soon, so a later refresh can cover it.
   * Resolves when the reading is taken; never rejects.
   */
  async seen(): Promise<void> {
    if (this.table) await this.observer.seen();
  }

  /**
   * Refreshes `view` once for changes seen up to `lastChangeAt` (`performance.now()`, compared only with
   * this process's readings), coordinated when a state table is in use.
   */
  async refresh(
    view: QualifiedName,
    concurrently: CoordinatedRefresh['concurrently'],
    lastChangeAt: number,
  ): Promise<Outcome> {
    const table = await this.ready();
    const observed = table ? await this.observer.after(lastChangeAt) : undefined;
    return refreshCoordinated(this.connections, {
      view,
      concurrently,
      ...(table ? { stateTable: table, undecided: (v: QualifiedName) => this.report.undecided(v, table) } : {}),
      ...(observed !== undefined ? { observed } : {}),
    });
  }

  /** Takes no more readings and closes the refresh pool; resolves when the reading in flight has ended. */
  async stop(): Promise<void> {
    await this.observer.stop();
    await this.connections.end();
  }

  /** The state table in use once it exists (created or upgraded here), or undefined. Also read by schedule.ts. */
  async ready(): Promise<QualifiedName | undefined> {
    const table = this.table;
    if (table) {
      this.checked ??= ensureStateTable(this.dataSource, table).catch((error: unknown) => {
        this.report.unavailable(table, error);
        this.table = undefined;
      });
      await this.checked;
    }
    return this.table;
  }

  private async observe(): Promise<string | undefined> {
    const table = await this.ready();
    if (!table) return undefined;
    const [row] = (await this.dataSource.query(observeSequenceSql(table))) as { value: string }[];
    return row?.value;
  }
}
