// Hand-written migration operations, run by TypeORM's own migration runner on real PostgreSQL.
import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  createMaterializedView,
  createMaterializedViewIndex,
  createView,
  dropMaterializedView,
  dropMaterializedViewIndex,
  dropView,
  refreshMaterializedView,
  replaceView,
  syncViews,
  type ViewDefinitionInput,
} from '../../src';
import { quickstartEntities } from '../fixtures/quickstart';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

// The SQL is embedded, as a migration should have it: the classes may change later, this must not.
const activeUsers = {
  name: 'active_users',
  expression: 'SELECT u.id, u.name FROM users u WHERE u.is_active = true',
};
const activeUsersOld = { name: 'active_users', expression: 'SELECT u.id FROM users u WHERE u.is_active = true' };
const userStats: ViewDefinitionInput = {
  name: 'user_stats',
  expression: `SELECT u.id AS user_id, u.name, count(o.id)::int AS order_count, coalesce(sum(o.amount), 0) AS total_spent
      FROM active_users u LEFT JOIN orders o ON o."userId" = u.id
     GROUP BY u.id, u.name`,
  // The key gives the unique index CONCURRENTLY needs, as the class's declared index does.
  primaryKey: ['user_id'],
};

class CreateViews1700000000001 implements MigrationInterface {
  async up(qr: QueryRunner) {
    await createView(qr, activeUsersOld);
    await replaceView(qr, activeUsersOld, activeUsers); // adds a column: CREATE OR REPLACE
    await createMaterializedView(qr, userStats);
    await createMaterializedViewIndex(qr, 'user_stats', { columns: ['total_spent'], where: 'total_spent > 0' });
    await refreshMaterializedView(qr, 'user_stats', { concurrently: true });
  }
  async down(qr: QueryRunner) {
    await dropMaterializedViewIndex(qr, 'user_stats', { columns: ['total_spent'] });
    await dropMaterializedView(qr, 'user_stats');
    await replaceView(qr, activeUsers, activeUsersOld); // removes a column: drop and create
    await dropView(qr, activeUsersOld);
  }
}

const viewNames = async () =>
  (
    await db.query<{ relname: string }>(
      "SELECT relname FROM pg_class WHERE relkind IN ('v', 'm') AND relnamespace = 'public'::regnamespace ORDER BY 1",
    )
  ).map((r) => r.relname);

describe('migration operations', () => {
  it('run in a TypeORM migration, leave syncViews nothing to do, and revert', async () => {
    const ds = await db.connect({
      entities: quickstartEntities,
      synchronize: true,
      migrations: [CreateViews1700000000001],
    });
    await ds.query("INSERT INTO users (name) VALUES ('ann'), ('bob')");
    await ds.runMigrations();
    expect(await viewNames()).toEqual(['active_users', 'user_stats']);
    const indexes = await db.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE tablename = 'user_stats' ORDER BY 1",
    );
    expect(indexes.map((i) => i.indexname)).toEqual(['user_stats_total_spent_idx', 'user_stats_user_id_key']);
    expect(await db.query('SELECT user_id, name FROM user_stats ORDER BY 1')).toEqual([
      { user_id: 1, name: 'ann' },
      { user_id: 2, name: 'bob' },
    ]);
    const registry = await db.query<{ view_name: string }>('SELECT view_name FROM typeorm_pgview_views ORDER BY 1');
    expect(registry.map((r) => r.view_name)).toEqual(['active_users', 'user_stats']);

    // The classes declare the same views (as a query builder and with a second index): no DDL.
    const sync = await syncViews(ds);
    expect(sync.steps).toEqual([]);

    await ds.undoLastMigration();
    expect(await viewNames()).toEqual([]);
    expect(await db.query('SELECT view_name FROM typeorm_pgview_views')).toEqual([]);
  });

  it('refuses a definition of the wrong kind before running anything', async () => {
    const ds = await db.connect({ entities: quickstartEntities });
    const qr = ds.createQueryRunner();
    try {
      await expect(createView(qr, { ...userStats, kind: 'materialized' })).rejects.toThrow(
        /definition public.user_stats declares a materialized view public.user_stats, not a plain view. Use the operation for that kind \(createMaterializedView\)/,
      );
      await expect(createView(qr, { name: 'x', expression: 'DELETE FROM users' })).rejects.toThrow(/expression/);
    } finally {
      await qr.release();
    }
    expect(await viewNames()).toEqual([]);
  });

  it('rolls an operation back when PostgreSQL rejects it, naming the view', async () => {
    const ds = await db.connect({ entities: quickstartEntities });
    const qr = ds.createQueryRunner();
    try {
      await qr.startTransaction();
      await expect(createView(qr, { name: 'broken', expression: 'SELECT nope FROM users' })).rejects.toThrow(
        /createView\(public.broken\) failed: column "nope" does not exist/,
      );
      // The migration's transaction is still usable.
      await createView(qr, activeUsers);
      await qr.rollbackTransaction();
    } finally {
      await qr.release();
    }
  });
});
