// The quick-start scenario, printed step by step. Run with `npm run demo` (embedded PostgreSQL unless
// DATABASE_URL is set).
import dataSource from '../ormconfig';
import { enableAutoRefresh, refreshMaterializedView, syncViews } from '../src';
import { ActiveUser, Order, User, UserStats } from './entities';

const step = (title: string) => console.log(`\n== ${title}`);
const show = (rows: unknown[]) => console.table(rows);

async function main(): Promise<void> {
  step('Connect');
  await dataSource.initialize();
  const [{ version }] = await dataSource.query(`SELECT current_setting('server_version') AS version`);
  console.log(`PostgreSQL ${version}`);

  step('Create tables (TypeORM synchronize; the views are left to typeorm-pgview)');
  await dataSource.synchronize(true);

  step('Insert users and orders');
  const users = dataSource.getRepository(User);
  const orders = dataSource.getRepository(Order);
  const [ada, bob, eve] = await users.save([{ name: 'Ada' }, { name: 'Bob' }, { name: 'Eve', isActive: false }]);
  await orders.save([
    { user: ada!, amount: '40.00' },
    { user: ada!, amount: '2.50' },
    { user: bob!, amount: '10.00' },
    { user: eve!, amount: '99.00' },
  ]);
  console.log(`${await users.count()} users, ${await orders.count()} orders`);

  step('syncViews: create the views in dependency order');
  for (const s of (await syncViews(dataSource)).steps)
    console.log(`${s.action.padEnd(12)} ${s.view.name.padEnd(12)} ${s.sql.split('\n')[0]}`);

  step('Query the view and the materialized view through repositories');
  show(await dataSource.getRepository(ActiveUser).find({ order: { id: 'ASC' } }));
  show(await dataSource.getRepository(UserStats).find({ order: { userId: 'ASC' } }));

  step('A new order; the materialized view is stale until refreshed');
  await orders.save({ user: bob!, amount: '5.00' });
  console.log(
    `Bob's total before refresh: ${(await dataSource.getRepository(UserStats).findOneByOrFail({ userId: bob!.id })).totalSpent}`,
  );
  const refreshed = await refreshMaterializedView(dataSource, UserStats, { concurrently: true });
  console.log(
    `refreshed ${refreshed.view.name} (concurrently: ${refreshed.concurrently}) in ${refreshed.durationMs.toFixed(1)} ms`,
  );
  console.log(
    `Bob's total after refresh:  ${(await dataSource.getRepository(UserStats).findOneByOrFail({ userId: bob!.id })).totalSpent}`,
  );

  step('Auto-refresh: user_stats follows commits; the writers never wait for it');
  const auto = await enableAutoRefresh(dataSource);
  auto.on('refresh', (e) =>
    console.log(
      `auto-refreshed ${e.view.name} (concurrently: ${e.concurrently}) for ${e.commitsCoalesced} commit(s) on ${e.changedTables.join(', ')} in ${e.durationMs.toFixed(1)} ms`,
    ),
  );
  auto.on('error', (e) => console.error(`auto-refresh failed: ${e.message}`));
  const started = performance.now();
  await Promise.all([1, 2, 3, 4, 5].map(() => orders.save({ user: ada!, amount: '1.00' })));
  console.log(`5 concurrent saves committed in ${(performance.now() - started).toFixed(1)} ms`);
  await auto.flush();
  console.log(
    `Ada's total after auto-refresh: ${(await dataSource.getRepository(UserStats).findOneByOrFail({ userId: ada!.id })).totalSpent}`,
  );
  await auto.stop();

  step('syncViews again: nothing changed, nothing to do');
  const again = await syncViews(dataSource);
  console.log(
    `${again.steps.length} statements, ${again.unchanged.length} views unchanged, ${again.queries} catalog queries`,
  );

  await dataSource.destroy();
  console.log('\nDone.');
}

main().catch(async (error) => {
  console.error(error);
  if (dataSource.isInitialized) await dataSource.destroy();
  process.exit(1);
});
