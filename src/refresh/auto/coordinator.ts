// Runs one auto-refresh so that several processes on one database refresh a view once per change, not
// once per process, and lose no change. Per view, a transaction-scoped advisory lock lets one process
// refresh at a time; a small table records when each view's last refresh statement began (server
// clock). A process whose pending changes all committed before that time skips: that refresh's snapshot,
// taken after the time was recorded, already contains them. Anything else refreshes again.
import type { DataSource } from 'typeorm';
import { RELATION_EXISTS_QUERY, type PresentRow } from '../../catalog/auto-refresh-queries';
import {
  BEGIN_READ_COMMITTED_SQL,
  BEGIN_SQL,
  COMMIT_SQL,
  createStateTableSql,
  recordRefreshStartSql,
  refreshCoveredSql,
  ROLLBACK_SQL,
  stateTableLockSql,
  tryViewLockSql,
  type ParameterisedStatement,
} from '../../ddl/auto-refresh';
import { qualifiedName, type QualifiedName } from '../../ddl/identifiers';
import { refreshMaterializedView } from '../refresh';
import type { Outcome } from './scheduler';

type Runner = { query(sql: string, parameters?: unknown[]): Promise<unknown> };
const run = (runner: Runner, statement: ParameterisedStatement) =>
  runner.query(statement.sql, [...statement.parameters]);

/**
 * Creates the state table when missing, serialised by an advisory lock so that processes starting
 * together do not race on CREATE TABLE. Throws when the role may not create it.
 */
export async function ensureStateTable(dataSource: DataSource, table: QualifiedName): Promise<void> {
  const [row] = (await dataSource.query(RELATION_EXISTS_QUERY, [qualifiedName(table)])) as PresentRow[];
  if (row?.present) return;
  const queryRunner = dataSource.createQueryRunner('master');
  await queryRunner.connect();
  try {
    await queryRunner.query(BEGIN_SQL);
    await run(queryRunner, stateTableLockSql());
    await queryRunner.query(createStateTableSql(table));
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
  /** `performance.now()` of the newest change this refresh must include. */
  lastChangeAt: number;
  /** The state table, or undefined to refresh without cross-process skipping (still one at a time). */
  stateTable?: QualifiedName;
}

/**
 * One attempt, on its own pooled connection (never a writer's): `busy` if another process holds the
 * view's lock, `covered` if a refresh that began after the changes committed already ran, else refreshes.
 * Uses plain BEGIN/COMMIT rather than TypeORM transactions, so no subscriber sees these transactions.
 */
export async function refreshCoordinated(dataSource: DataSource, job: CoordinatedRefresh): Promise<Outcome> {
  const queryRunner = dataSource.createQueryRunner('master');
  await queryRunner.connect();
  try {
    // READ COMMITTED: every statement below sees what committed before it started.
    await queryRunner.query(BEGIN_READ_COMMITTED_SQL);
    const [lock] = (await run(queryRunner, tryViewLockSql(job.view))) as { locked: boolean }[];
    if (!lock?.locked) {
      await queryRunner.query(ROLLBACK_SQL);
      return { kind: 'busy' };
    }
    if (job.stateTable) {
      // Server time of the newest change, bounded from above: the server clock now, minus the local time
      // elapsed since the change was seen (measured before the statement was sent).
      const elapsedSeconds = Math.max(0, performance.now() - job.lastChangeAt) / 1000;
      const [state] = (await run(queryRunner, refreshCoveredSql(job.stateTable, job.view, elapsedSeconds))) as {
        covered: boolean;
      }[];
      if (state?.covered) {
        await queryRunner.query(COMMIT_SQL);
        return { kind: 'covered' };
      }
      await run(queryRunner, recordRefreshStartSql(job.stateTable, job.view));
    }
    const result = await refreshMaterializedView(queryRunner, qualifiedName(job.view), {
      concurrently: job.concurrently,
    } as { concurrently: true | 'auto' });
    await queryRunner.query(COMMIT_SQL);
    return { kind: 'refreshed', concurrently: result.concurrently, durationMs: result.durationMs };
  } catch (error) {
    await queryRunner.query(ROLLBACK_SQL).catch(() => undefined);
    throw error;
  } finally {
    await queryRunner.release();
  }
}
