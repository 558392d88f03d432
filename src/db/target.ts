// Accepts a DataSource, an EntityManager or a QueryRunner wherever the library runs SQL, the way TypeORM
// users hold a connection. Works with TypeORM 0.3 (`connection`) and 1.x (`dataSource`).
import type { ParameterisedStatement } from '../ddl/auto-refresh';
import { releaseSql, rollbackToSql, savepointSql } from '../ddl/transaction';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/** Runs a statement with its bind parameters on a query runner (or anything with TypeORM's `query`). */
export function runStatement(
  runner: { query(sql: string, parameters?: unknown[]): Promise<unknown> },
  statement: ParameterisedStatement,
): Promise<unknown> {
  return runner.query(statement.sql, [...statement.parameters]);
}

/**
 * Where a call runs: a DataSource (a connection of its own, in a transaction of its own), an EntityManager
 * (inside `dataSource.transaction(...)` the call joins that transaction) or a QueryRunner (e.g. a
 * migration's; its transaction is used when one is open).
 */
export type Target = DataSource | EntityManager | QueryRunner;

function isQueryRunner(target: Target): target is QueryRunner {
  return (
    typeof (target as QueryRunner).startTransaction === 'function' &&
    typeof (target as QueryRunner).release === 'function'
  );
}

function isEntityManager(target: Target): target is EntityManager {
  return (
    typeof (target as EntityManager).getRepository === 'function' &&
    typeof (target as DataSource).initialize !== 'function'
  );
}

const SAVEPOINT = 'typeorm_pgview';
const DRY_RUN_SAVEPOINT = 'typeorm_pgview_dry_run';

/** The DataSource behind any target. */
export function dataSourceOf(target: Target): DataSource {
  if (isQueryRunner(target) || isEntityManager(target)) {
    const holder = target as unknown as { dataSource?: DataSource; connection?: DataSource };
    return (holder.dataSource ?? holder.connection)!;
  }
  return target;
}

/**
 * Runs `fn` with a query runner: the given one, the manager's own (inside `transaction()`), or a fresh
 * one from the pool that is released afterwards.
 */
export async function withQueryRunner<T>(target: Target, fn: (queryRunner: QueryRunner) => Promise<T>): Promise<T> {
  if (isQueryRunner(target)) return fn(target);
  if (isEntityManager(target) && target.queryRunner) return fn(target.queryRunner);
  const queryRunner = dataSourceOf(target).createQueryRunner();
  try {
    await queryRunner.connect();
    return await fn(queryRunner);
  } finally {
    await queryRunner.release();
  }
}

/**
 * Runs `fn` atomically: BEGIN ... COMMIT, rolled back on error; inside the caller's open transaction, a
 * savepoint rolled back on error, so the caller's transaction stays usable and decides the commit.
 */
export async function inTransaction<T>(queryRunner: QueryRunner, fn: () => Promise<T>): Promise<T> {
  if (queryRunner.isTransactionActive) {
    await queryRunner.query(savepointSql(SAVEPOINT));
    try {
      const result = await fn();
      await queryRunner.query(releaseSql(SAVEPOINT));
      return result;
    } catch (error) {
      await queryRunner.query(rollbackToSql(SAVEPOINT)).catch(() => undefined);
      throw error;
    }
  }
  await queryRunner.startTransaction();
  try {
    const result = await fn();
    await queryRunner.commitTransaction();
    return result;
  } catch (error) {
    await queryRunner.rollbackTransaction().catch(() => undefined);
    throw error;
  }
}

/**
 * Runs `fn` in a transaction (a savepoint inside the caller's) that is always rolled back: for dry runs,
 * which do the work to see what it would be and keep none of it.
 */
export async function inRolledBackTransaction<T>(queryRunner: QueryRunner, fn: () => Promise<T>): Promise<T> {
  if (queryRunner.isTransactionActive) {
    await queryRunner.query(savepointSql(DRY_RUN_SAVEPOINT));
    try {
      return await fn();
    } finally {
      await queryRunner.query(rollbackToSql(DRY_RUN_SAVEPOINT));
    }
  }
  await queryRunner.startTransaction();
  try {
    return await fn();
  } finally {
    await queryRunner.rollbackTransaction();
  }
}
