// definePgView / defineMaterializedView: EntitySchema views beside decorated classes, on real PostgreSQL,
// through every API that takes a view class.
import {
  AutoRefreshSubscriber,
  collectViews,
  createMaterializedView,
  defineMaterializedView,
  definePgView,
  enableAutoRefresh,
  generateMigration,
  getViewDependencies,
  refreshMaterializedView,
  syncViews,
  RefreshError,
  ViewDeclarationError,
} from '../../src';
import { EntitySchema } from 'typeorm';
import { ActiveUser, Order, User } from '../fixtures/quickstart';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

interface UserTotal {
  user_id: number;
  order_count: number;
}

const UserTotals = defineMaterializedView<UserTotal>({
  name: 'user_totals',
  expression: `SELECT u.id AS user_id, count(o.id)::int AS order_count
                 FROM active_users u LEFT JOIN orders o ON o."userId" = u.id GROUP BY u.id`,
  dependsOn: [ActiveUser],
  indexes: [{ columns: ['user_id'], unique: true }],
  autoRefresh: { on: [Order, User], debounceMs: 0, maxWaitMs: 0 },
  comment: 'orders per active user',
  entityColumns: { user_id: { type: Number, primary: true }, order_count: { type: Number } },
});

const BusyUsers = definePgView<{ user_id: number }>({
  name: 'busy_users',
  expression: 'SELECT user_id FROM user_totals WHERE order_count > 1',
  dependsOn: [UserTotals],
  entityColumns: { user_id: { type: Number, primary: true } },
});

const entities = [User, Order, ActiveUser, UserTotals, BusyUsers];

describe('views declared as EntitySchemas', () => {
  it('are collected beside decorated classes, named after the schema', async () => {
    const ds = await db.connect({ entities });
    const views = collectViews(ds);
    expect(views.map((v) => [v.source, v.kind, v.name])).toEqual([
      ['class ActiveUser', 'view', 'active_users'],
      ['EntitySchema user_totals', 'materialized', 'user_totals'],
      ['EntitySchema busy_users', 'view', 'busy_users'],
    ]);
    expect(views[1]!.dependsOn).toEqual([{ schema: 'public', name: 'active_users' }]);
    expect(views[1]!.autoRefresh?.on).toEqual([
      { schema: 'public', name: 'orders' },
      { schema: 'public', name: 'users' },
    ]);
    expect(views[2]!.dependsOn).toEqual([{ schema: 'public', name: 'user_totals' }]);
  });

  it('refer to TypeORM table EntitySchemas in dependsOn and autoRefresh.on, by their metadata', async () => {
    const Tags = new EntitySchema<{ id: number }>({
      name: 'Tag',
      tableName: 'tags',
      schema: 'catalogue',
      columns: { id: { type: Number, primary: true } },
    });
    const TagCount = defineMaterializedView({
      name: 'tag_count',
      expression: 'SELECT count(*) AS n FROM catalogue.tags',
      dependsOn: [Tags],
      autoRefresh: { on: [Tags] },
      entityColumns: { n: { type: String, primary: true } },
    });
    const ds = await db.connect({ entities: [Tags, TagCount] });
    const [definition] = collectViews(ds);
    expect(definition!.dependsOn).toEqual([{ schema: 'catalogue', name: 'tags' }]);
    expect(definition!.autoRefresh?.on).toEqual([{ schema: 'catalogue', name: 'tags' }]);
    const Elsewhere = new EntitySchema({ name: 'Elsewhere', columns: { id: { type: Number, primary: true } } });
    const Stray = definePgView({
      name: 'stray',
      expression: 'SELECT 1 AS id',
      dependsOn: [Elsewhere],
      entityColumns: { id: { type: Number, primary: true } },
    });
    const ds2 = await db.connect({ entities: [Stray] });
    expect(() => collectViews(ds2)).toThrow(
      new ViewDeclarationError(
        "EntitySchema stray: option `dependsOn[0]` has EntitySchema Elsewhere, which is not in this DataSource's entities. Add it to `entities`, or name the relation as 'schema.name'.",
      ),
    );
  });

  it('generate a migration that creates them, named after the schema', async () => {
    const ds = await db.connect({ entities, synchronize: true });
    const migration = await generateMigration(ds, { name: 'Init', timestamp: 1700000000000 });
    expect(migration!.source).toMatch(/public\.user_totals \(EntitySchema user_totals\): created/);
    expect(migration!.source).toMatch(/public\.busy_users \(EntitySchema busy_users\): created/);
    expect(migration!.source).toContain('order_count > 1');
  });

  describe('once synced', () => {
    let ds: Awaited<ReturnType<typeof db.connect>>;
    beforeAll(async () => {
      ds = await db.connect({ entities, synchronize: true, subscribers: [AutoRefreshSubscriber] });
      await syncViews(ds);
      const ada = await ds.getRepository(User).save({ name: 'Ada' });
      await ds.getRepository(Order).save([
        { user: ada, amount: '1.00' },
        { user: ada, amount: '2.00' },
      ]);
    });

    it('are queried through getRepository(schema), refreshed, and found by the dependency API', async () => {
      expect(await ds.getRepository(UserTotals).find()).toEqual([]);
      const result = await refreshMaterializedView(ds, UserTotals);
      expect(result).toMatchObject({ view: { schema: 'public', name: 'user_totals' } });
      const rows = await ds.getRepository(UserTotals).find();
      expect(rows.map((r) => ({ ...r }))).toEqual([{ user_id: 1, order_count: 2 }]);
      expect(await ds.getRepository(BusyUsers).count()).toBe(1);
      const deps = await getViewDependencies(ds, BusyUsers);
      expect(deps.map((d) => d.name)).toEqual(['user_totals']);
      await expect(refreshMaterializedView(ds, BusyUsers)).rejects.toThrow(
        new RefreshError(
          'EntitySchema busy_users is made by definePgView, a plain view: only materialized views can be refreshed.',
        ),
      );
    });

    it('are refreshed by auto-refresh after a save', async () => {
      const auto = await enableAutoRefresh(ds);
      try {
        const ada = await ds.getRepository(User).findOneByOrFail({ name: 'Ada' });
        await ds.getRepository(Order).save({ user: ada, amount: '3.00' });
        await auto.flush();
        expect(await ds.getRepository(UserTotals).findOneByOrFail({ user_id: ada.id })).toMatchObject({
          order_count: 3,
        });
      } finally {
        await auto.stop();
      }
    });

    it('are accepted by migration operations', async () => {
      const qr = ds.createQueryRunner();
      try {
        await qr.query('DROP MATERIALIZED VIEW user_totals CASCADE');
        await createMaterializedView(qr, UserTotals);
        const [row] = await qr.query("SELECT count(*)::int AS n FROM pg_matviews WHERE matviewname = 'user_totals'");
        expect(row.n).toBe(1);
      } finally {
        await qr.release();
      }
    });
  });

  it('are validated like decorated classes, errors naming the schema', async () => {
    const Bad = defineMaterializedView({
      name: 'bad_totals',
      expression: 'SELECT 1 AS id',
      entityColumns: { id: { type: Number, primary: true } },
      ...({ checkOption: 'local' } as object),
    });
    const ds = await db.connect({ entities: [Bad] });
    expect(() => collectViews(ds)).toThrow(
      new ViewDeclarationError(
        'EntitySchema bad_totals (materialized view public.bad_totals): option `checkOption` applies to plain views only. Use @PgView, or remove the option.',
      ),
    );
  });
});
