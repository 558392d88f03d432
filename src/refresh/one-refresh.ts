// One REFRESH in a transaction of its own (or a savepoint of the caller's), with its limits and its record
// in the state table: the timeouts set for that transaction only, the view's advisory lock, the start
// recorded before REFRESH takes its snapshot (so it commits or rolls back with the refresh), the figures
// after it, then ANALYZE when asked. A failure is recorded after the rollback, keeping the last good
// refresh's figures. Plain BEGIN/COMMIT, so no TypeORM subscriber sees these transactions.
import { hostname } from 'node:os';
import type { DataSource, QueryRunner } from 'typeorm';
import {
  BEGIN_READ_COMMITTED_SQL,
  COMMIT_SQL,
  recordRefreshDoneSql,
  recordRefreshErrorSql,
  recordRefreshStartSql,
  ROLLBACK_SQL,
  viewLockSql,
  type RefreshMethod,
} from '../ddl/auto-refresh';
import { displayName, type QualifiedName } from '../ddl/identifiers';
import {
  analyzeSql,
  applyTimeoutsSql,
  restoreTimeoutsSql,
  type RefreshTimeouts,
  type SavedTimeouts,
} from '../ddl/refresh-settings';
import { refreshSql } from '../ddl/statements';
import { releaseSql, rollbackToSql, savepointSql } from '../ddl/transaction';
import { RefreshTimeoutError } from '../errors';
import { runStatement as run } from '../db/target';

const SAVEPOINT = 'typeorm_pgview_refresh';
/** How long recording a failure from another connection waits for the state row (then it is skipped). */
const ERROR_RECORD_LOCK_TIMEOUT_MS = 1000;

/** This process, as the state table's `refreshed_by` names it. */
export const PROCESS_NAME = `${hostname()}:${process.pid}`;

export interface OneRefresh extends RefreshTimeouts {
  readonly view: QualifiedName;
  /** How it is written in messages, e.g. `public.user_stats (class UserStats)`. */
  readonly label: string;
  readonly concurrently: boolean;
  readonly withData: boolean;
  readonly analyze: boolean;
  /** Where to record it; undefined: not recorded (no table, or the role may not write it). */
  readonly stateTable?: QualifiedName;
  /** The connection is inside a transaction (the caller's, or the coordinator's): work in a savepoint. */
  readonly joined: boolean;
  /** The view's advisory lock is already held (the coordinator took it). */
  readonly lockHeld: boolean;
}

/** Runs the refresh; resolves with how long REFRESH took and whether ANALYZE ran. Throws what failed. */
export async function refreshOne(
  queryRunner: QueryRunner,
  dataSource: DataSource,
  job: OneRefresh,
): Promise<{ durationMs: number; analyzed: boolean }> {
  await queryRunner.query(job.joined ? savepointSql(SAVEPOINT) : BEGIN_READ_COMMITTED_SQL);
  try {
    let saved: SavedTimeouts | undefined;
    if (job.lockTimeoutMs !== undefined || job.statementTimeoutMs !== undefined)
      [saved] = (await run(queryRunner, applyTimeoutsSql(job))) as SavedTimeouts[];
    if (!job.lockHeld) await run(queryRunner, viewLockSql(job.view));
    if (job.stateTable) await run(queryRunner, recordRefreshStartSql(job.stateTable, job.view));
    const started = performance.now();
    await queryRunner.query(refreshSql(job.view, job));
    const durationMs = performance.now() - started;
    const analyzed = job.analyze && job.withData;
    if (analyzed) await queryRunner.query(analyzeSql(job.view));
    if (job.stateTable)
      await run(
        queryRunner,
        recordRefreshDoneSql(job.stateTable, job.view, { durationMs, method: methodOf(job), by: PROCESS_NAME }),
      );
    if (job.joined) {
      if (saved) await run(queryRunner, restoreTimeoutsSql(saved));
      await queryRunner.query(releaseSql(SAVEPOINT));
    } else await queryRunner.query(COMMIT_SQL);
    return { durationMs, analyzed };
  } catch (error) {
    const failure = translate(error, job);
    if (job.joined)
      await queryRunner
        .query(rollbackToSql(SAVEPOINT))
        .then(() => queryRunner.query(releaseSql(SAVEPOINT)))
        .catch(() => undefined);
    else await queryRunner.query(ROLLBACK_SQL).catch(() => undefined);
    if (job.stateTable) await recordError(queryRunner, dataSource, job, failure);
    throw failure;
  }
}

function methodOf(job: OneRefresh): RefreshMethod {
  return job.concurrently ? 'concurrent' : job.withData ? 'plain' : 'no-data';
}

/**
 * Records the failure. On our own connection once rolled back; inside a caller's transaction (which may
 * roll back, or hold the row) on a pooled connection of its own, waiting at most a second for the row.
 * Never throws: a failure that cannot be recorded is still thrown to the caller.
 */
async function recordError(queryRunner: QueryRunner, dataSource: DataSource, job: OneRefresh, failure: unknown) {
  const statement = recordRefreshErrorSql(job.stateTable!, job.view, messageOf(failure));
  if (!job.joined) {
    await run(queryRunner, statement).catch(() => undefined);
    return;
  }
  const other = dataSource.createQueryRunner('master');
  try {
    await other.connect();
    await other.query(BEGIN_READ_COMMITTED_SQL);
    await run(other, applyTimeoutsSql({ lockTimeoutMs: ERROR_RECORD_LOCK_TIMEOUT_MS }));
    await run(other, statement);
    await other.query(COMMIT_SQL);
  } catch {
    await other.query(ROLLBACK_SQL).catch(() => undefined);
  } finally {
    await other.release();
  }
}

/** A cancellation by one of our timeouts becomes a RefreshTimeoutError; anything else is left as it is. */
function translate(error: unknown, job: OneRefresh): unknown {
  const code = (error as { code?: unknown; driverError?: { code?: unknown } }).code;
  const fired =
    code === '55P03' && job.lockTimeoutMs !== undefined
      ? ({ option: 'lockTimeoutMs', ms: job.lockTimeoutMs } as const)
      : code === '57014' && job.statementTimeoutMs !== undefined && /statement timeout/.test(messageOf(error))
        ? ({ option: 'statementTimeoutMs', ms: job.statementTimeoutMs } as const)
        : undefined;
  if (!fired) return error;
  const what =
    fired.option === 'lockTimeoutMs'
      ? `waited ${fired.ms} ms (lockTimeoutMs) for a lock another transaction holds on it or on a table it reads, and gave up`
      : `ran longer than ${fired.ms} ms (statementTimeoutMs) and was cancelled`;
  const fix =
    fired.option === 'lockTimeoutMs'
      ? 'Find the blocking transaction (pg_stat_activity, pg_locks) and refresh again, or raise lockTimeoutMs.'
      : 'Raise statementTimeoutMs, or make the query cheaper.';
  return new RefreshTimeoutError(
    `Refresh of ${job.label} ${what}: it was rolled back and the view keeps its previous contents. ${fix}`,
    displayName(job.view),
    fired.option,
    fired.ms,
    { cause: error },
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
