import { refreshMaterializedView, syncViews } from '../../src';
import { useTestDatabase } from '../support/database';
import { ActiveUser, Order, User, UserStats, quickstartEntities } from '../fixtures/quickstart';

const db = useTestDatabase();

describe('quick start', () => {
  it('creates the views in order, queries them through repositories, refreshes, and a second sync does nothing', async () => {
    const ds = await db.connect({ entities: quickstartEntities, synchronize: true });
    const [ada, bob] = await ds.getRepository(User).save([{ name: 'Ada' }, { name: 'Bob', isActive: false }]);
    await ds.getRepository(Order).save([
      { user: ada!, amount: '40.00' },
      { user: ada!, amount: '2.50' },
      { user: bob!, amount: '5.00' },
    ]);

    const first = await syncViews(ds);
    expect(first.steps.map((s) => [s.action, s.view.name])).toEqual([
      ['create', 'active_users'],
      ['create', 'user_stats'],
      ['create-index', 'user_stats'],
      ['create-index', 'user_stats'],
    ]);
    expect(await ds.getRepository(ActiveUser).find({ order: { id: 'ASC' } })).toEqual([{ id: ada!.id, name: 'Ada' }]);
    expect(await ds.getRepository(UserStats).find()).toEqual([
      { userId: ada!.id, name: 'Ada', orderCount: 2, totalSpent: '42.50' },
    ]);

    await ds.getRepository(Order).save({ user: ada!, amount: '7.50' });
    const refreshed = await refreshMaterializedView(ds, UserStats, { concurrently: true });
    expect(refreshed).toMatchObject({
      view: { schema: 'public', name: 'user_stats' },
      concurrently: true,
      withData: true,
    });
    expect((await ds.getRepository(UserStats).findOneByOrFail({ userId: ada!.id })).totalSpent).toBe('50.00');

    const second = await syncViews(ds);
    expect(second.steps).toEqual([]);
    expect(second.unchanged).toHaveLength(2);
  });
});
