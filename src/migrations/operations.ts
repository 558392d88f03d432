// Operations for hand-written TypeORM migrations. Each runs on the migration's QueryRunner (inside its
// transaction; a savepoint makes each operation all-or-nothing) and keeps the registry true, so that
// syncViews with the same declarations afterwards runs no DDL.
import { releaseSql, savepointSql, undoSavepointSql } from '../ddl/transaction';
import type { QueryRunner } from 'typeorm';
import { displayName, type QualifiedName } from '../ddl/identifiers';
import {
  commentSql,
  createIndexSql,
  createViewSql,
  createViewStatements,
  dropIndexSql,
  dropViewSql,
} from '../ddl/statements';
import { SyncError, isPgViewError } from '../errors';
import type { MaterializedViewIndexOptions } from '../decorators/options';
import { buildDefinition, defaultIndexName, type ViewDefinition, type ViewKind } from '../metadata/definition';
import { dataSourceOf, inTransaction } from '../db/target';
import { updateRegistry, type RegistryUpdate } from './registry-upkeep';
import { serverVersionOf } from '../catalog/server';
import { checkServer } from '../options/server-support';
import { kindOf, resolveName, resolveSpec, type ViewRef, type ViewSpec } from './resolve';

const REPLACE_SAVEPOINT = 'typeorm_pgview_replace';

/** PostgreSQL's invalid_table_definition: what CREATE OR REPLACE VIEW raises when the columns changed. */
const INVALID_TABLE_DEFINITION = '42P16';

async function run(
  queryRunner: QueryRunner,
  operation: string,
  view: QualifiedName,
  statements: (queryRunner: QueryRunner) => Promise<RegistryUpdate>,
): Promise<void> {
  try {
    await inTransaction(queryRunner, async () => {
      const update = await statements(queryRunner);
      await updateRegistry(queryRunner, view, update);
    });
  } catch (error) {
    if (isPgViewError(error)) throw error;
    const pg = error as { message?: string; query?: string };
    throw new SyncError(
      `${operation}(${displayName(view)}) failed: ${pg.message ?? String(error)}. The operation was rolled back.`,
      pg.query,
      { cause: error },
    );
  }
}

async function execute(queryRunner: QueryRunner, statements: readonly string[]): Promise<void> {
  for (const sql of statements) await queryRunner.query(sql);
}

async function create(queryRunner: QueryRunner, spec: ViewSpec, kind: ViewKind, operation: string): Promise<void> {
  const d = resolveSpec(dataSourceOf(queryRunner), spec, kind, operation);
  checkServer([d], await serverVersionOf(queryRunner), { all: true });
  await run(queryRunner, operation, d, async (qr) => {
    await execute(qr, createViewStatements(d));
    return d;
  });
}

async function drop(queryRunner: QueryRunner, ref: ViewRef, kind: ViewKind, operation: string): Promise<void> {
  const name = resolveName(dataSourceOf(queryRunner), ref, kind, operation);
  await run(queryRunner, operation, name, async (qr) => {
    await qr.query(dropViewSql({ ...name, kind }));
    return 'forget';
  });
}

/**
 * `CREATE VIEW` with the definition's columns, options and comment.
 *
 * @example await createView(queryRunner, { name: 'active_users', expression: 'SELECT id, name FROM users WHERE is_active' });
 */
export function createView(queryRunner: QueryRunner, view: ViewSpec): Promise<void> {
  return create(queryRunner, view, 'view', 'createView');
}

/**
 * `CREATE MATERIALIZED VIEW ... WITH [NO] DATA`, then its indexes and comment.
 *
 * @example
 * await createMaterializedView(queryRunner, {
 *   name: 'user_stats', expression: 'SELECT user_id, count(*) AS n FROM orders GROUP BY user_id',
 *   indexes: [{ columns: ['user_id'], unique: true }],
 * });
 */
export function createMaterializedView(queryRunner: QueryRunner, view: ViewSpec): Promise<void> {
  return create(queryRunner, view, 'materialized', 'createMaterializedView');
}

/**
 * `DROP VIEW` (never CASCADE: a view that others read must have its dependents dropped first, by the
 * migration, so that its `down()` can put them back). A name is enough.
 *
 * @example await dropView(queryRunner, 'active_users');
 */
export function dropView(queryRunner: QueryRunner, view: ViewRef): Promise<void> {
  return drop(queryRunner, view, 'view', 'dropView');
}

/** `DROP MATERIALIZED VIEW` (its indexes go with it). A name is enough. */
export function dropMaterializedView(queryRunner: QueryRunner, view: ViewRef): Promise<void> {
  return drop(queryRunner, view, 'materialized', 'dropMaterializedView');
}

/**
 * Moves a view from `from` to `to`. A plain view is changed with CREATE OR REPLACE VIEW, which keeps the
 * views that read it; when PostgreSQL refuses that (a column is removed, renamed or retyped), the view is
 * dropped and created, which works only when nothing reads it. A materialized view is always dropped and
 * created (with its indexes). `down()` calls it with the two definitions swapped.
 *
 * @example
 * up:   await replaceView(queryRunner, activeUsersV1, activeUsersV2);
 * down: await replaceView(queryRunner, activeUsersV2, activeUsersV1);
 */
export async function replaceView(queryRunner: QueryRunner, from: ViewSpec, to: ViewSpec): Promise<void> {
  const dataSource = dataSourceOf(queryRunner);
  const fallback = kindOf(dataSource, to, kindOf(dataSource, from, 'view'));
  const old = resolveSpec(dataSource, from, kindOf(dataSource, from, fallback), 'replaceView');
  const next = resolveSpec(dataSource, to, kindOf(dataSource, to, old.kind), 'replaceView');
  if (old.schema !== next.schema || old.name !== next.name)
    throw new SyncError(
      `replaceView: the two definitions name different views (${displayName(old)} and ${displayName(next)}). Use dropView and createView to rename.`,
    );
  checkServer([next], await serverVersionOf(queryRunner), { all: true });
  await run(queryRunner, 'replaceView', next, async (qr) => {
    const clearComment = old.comment !== undefined && next.comment === undefined ? [commentSql(next, undefined)] : [];
    if (old.kind === 'view' && next.kind === 'view') {
      await qr.query(savepointSql(REPLACE_SAVEPOINT));
      try {
        await qr.query(createViewSql(next, { orReplace: true }));
        await qr.query(releaseSql(REPLACE_SAVEPOINT));
        await execute(qr, [...(next.comment !== undefined ? [commentSql(next, next.comment)] : []), ...clearComment]);
        return next;
      } catch (error) {
        await qr.query(undoSavepointSql(REPLACE_SAVEPOINT));
        if ((error as { code?: string }).code !== INVALID_TABLE_DEFINITION) throw error;
      }
    }
    await qr.query(dropViewSql(old));
    await execute(qr, createViewStatements(next));
    return next;
  });
}

/** An index definition validated like a declared one (default name `<view>_<cols>_idx` / `_key`). */
function indexOf(view: QualifiedName, index: MaterializedViewIndexOptions) {
  const d: ViewDefinition = buildDefinition({
    kind: 'materialized',
    schema: view.schema,
    name: view.name,
    sql: 'SELECT 1',
    dependsOn: [],
    options: { indexes: [index] },
    source: `index on ${displayName(view)}`,
  });
  return d.indexes[0]!;
}

/**
 * `CREATE [UNIQUE] INDEX` on a materialized view.
 *
 * @example await createMaterializedViewIndex(queryRunner, 'user_stats', { columns: ['user_id'], unique: true });
 */
export async function createMaterializedViewIndex(
  queryRunner: QueryRunner,
  view: ViewRef,
  index: MaterializedViewIndexOptions,
): Promise<void> {
  const name = resolveName(dataSourceOf(queryRunner), view, 'materialized', 'createMaterializedViewIndex');
  const definition = indexOf(name, index);
  await run(queryRunner, 'createMaterializedViewIndex', name, async (qr) => {
    await qr.query(createIndexSql(name, definition));
    return 'catalog';
  });
}

/**
 * `DROP INDEX` of a materialized view's index, given its name or the options it was created with.
 *
 * @example await dropMaterializedViewIndex(queryRunner, 'user_stats', 'user_stats_user_id_key');
 */
export async function dropMaterializedViewIndex(
  queryRunner: QueryRunner,
  view: ViewRef,
  index: string | MaterializedViewIndexOptions,
): Promise<void> {
  const name = resolveName(dataSourceOf(queryRunner), view, 'materialized', 'dropMaterializedViewIndex');
  const indexName =
    typeof index === 'string'
      ? index
      : (index.name ?? defaultIndexName(name.name, index.columns, index.unique === true));
  await run(queryRunner, 'dropMaterializedViewIndex', name, async (qr) => {
    await qr.query(dropIndexSql(name.schema, indexName));
    return 'catalog';
  });
}
