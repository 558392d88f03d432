// The quick-start scenario, printed step by step. Run with `npm run demo` (embedded PostgreSQL unless
// DATABASE_URL is set).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
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

  // What `npx typeorm-pgview <command> -d ormconfig.ts` prints in a project that installed the package; here
  // the CLI runs from this checkout's src/. Each must exit 0 (check: the views match their declarations).
  for (const command of ['status', 'graph', 'refresh --all', 'check', 'sync --dry-run']) {
    step(`The CLI: typeorm-pgview ${command} -d ormconfig.ts`);
    cli(command.split(' '));
  }
  console.log('\nDone.');
}

function cli(args: string[]): void {
  const root = path.join(__dirname, '..');
  const result = spawnSync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', path.join(root, 'src/cli/index.ts'), ...args, '-d', 'ormconfig.ts'],
    { cwd: root, stdio: 'inherit', env: process.env },
  );
  if (result.status !== 0) throw new Error(`typeorm-pgview ${args.join(' ')} exited with ${result.status}`);
}

main().catch(async (error) => {
  console.error(error);
  if (dataSource.isInitialized) await dataSource.destroy();
  process.exit(1);
});
