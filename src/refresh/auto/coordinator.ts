// Runs one auto-refresh so that several processes on one database refresh a view once per change, not
// once per process, and lose no change. Per view, a transaction-scoped advisory lock lets one process
// refresh at a time; a small table records when each view's last refresh statement began (server
// clock). A process whose pending changes all committed before that time skips: that refresh's snapshot,
// taken after the time was recorded, already contains them. Anything else refreshes again.
import type { DataSource } from 'typeorm';
import { displayName, qualifiedName, type QualifiedName } from '../../ddl/identifiers';
import { refreshMaterializedView } from '../refresh';
import type { Outcome } from './scheduler';

/** First key of every advisory lock the library takes ('pgvw'); the second is hashtext(view). */
export const ADVISORY_LOCK_CLASS = 0x70677677;

/** The table recording when each view's last auto-refresh began (created on first use). */
export const STATE_TABLE_NAME = 'typeorm_pgview_refresh_state';

/** SQL creating the state table (idempotent). */
export function createStateTableSql(table: QualifiedName): string {
  return `CREATE TABLE IF NOT EXISTS ${qualifiedName(table)} (
  view_schema name NOT NULL,
  view_name name NOT NULL,
  started_at timestamptz NOT NULL,
  PRIMARY KEY (view_schema, view_name)
)`;
}

/**
 * Creates the state table when missing, serialised by an advisory lock so that processes starting
 * together do not race on CREATE TABLE. Throws when the role may not create it.
 */
export async function ensureStateTable(dataSource: DataSource, table: QualifiedName): Promise<void> {
  const [row] = (await dataSource.query('SELECT to_regclass($1) IS NOT NULL AS present', [qualifiedName(table)])) as {
    present: boolean;
  }[];
  if (row?.present) return;
  const queryRunner = dataSource.createQueryRunner('master');
  await queryRunner.connect();
  try {
    await queryRunner.query('BEGIN');
    await queryRunner.query('SELECT pg_advisory_xact_lock($1, 0)', [ADVISORY_LOCK_CLASS]);
    await queryRunner.query(createStateTableSql(table));
    await queryRunner.query('COMMIT');
  } catch (error) {
    await queryRunner.query('ROLLBACK').catch(() => undefined);
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
  const view = displayName(job.view);
  try {
    // READ COMMITTED: every statement below sees what committed before it started.
    await queryRunner.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    const [lock] = (await queryRunner.query('SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS locked', [
      ADVISORY_LOCK_CLASS,
      view,
    ])) as { locked: boolean }[];
    if (!lock?.locked) {
      await queryRunner.query('ROLLBACK');
      return { kind: 'busy' };
    }
    if (job.stateTable) {
      const table = qualifiedName(job.stateTable);
      // Server time of the newest change, bounded from above: the server clock now, minus the local time
      // elapsed since the change was seen (measured before the statement was sent).
      const elapsedSeconds = Math.max(0, performance.now() - job.lastChangeAt) / 1000;
      const [state] = (await queryRunner.query(
        `SELECT EXISTS (SELECT 1 FROM ${table} WHERE view_schema = $1 AND view_name = $2
                           AND started_at > clock_timestamp() - make_interval(secs => $3)) AS covered`,
        [job.view.schema, job.view.name, elapsedSeconds],
      )) as { covered: boolean }[];
      if (state?.covered) {
        await queryRunner.query('COMMIT');
        return { kind: 'covered' };
      }
      await queryRunner.query(
        `INSERT INTO ${table} (view_schema, view_name, started_at) VALUES ($1, $2, clock_timestamp())
         ON CONFLICT (view_schema, view_name) DO UPDATE SET started_at = excluded.started_at`,
        [job.view.schema, job.view.name],
      );
    }
    const result = await refreshMaterializedView(queryRunner, qualifiedName(job.view), {
      concurrently: job.concurrently,
    } as { concurrently: true | 'auto' });
    await queryRunner.query('COMMIT');
    return { kind: 'refreshed', concurrently: result.concurrently, durationMs: result.durationMs };
  } catch (error) {
    await queryRunner.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await queryRunner.release();
  }
}
