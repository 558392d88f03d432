// The quick-start scenario, printed step by step. Run with `npm run demo` (embedded PostgreSQL unless
// DATABASE_URL is set).
import dataSource from '../ormconfig';
import { Order, User } from './entities';

const step = (title: string) => console.log(`\n== ${title}`);

async function main(): Promise<void> {
  step('Connect');
  await dataSource.initialize();
  const [{ version }] = await dataSource.query(`SELECT current_setting('server_version') AS version`);
  console.log(`PostgreSQL ${version}`);

  step('Create tables (TypeORM synchronize)');
  await dataSource.synchronize(true);

  step('Insert users and orders');
  const users = dataSource.getRepository(User);
  const orders = dataSource.getRepository(Order);
  const [ada, bob] = await users.save([
    { name: 'Ada', isActive: true },
    { name: 'Bob', isActive: false },
  ]);
  await orders.save([
    { user: ada!, amount: '40.00' },
    { user: ada!, amount: '2.50' },
    { user: bob!, amount: '10.00' },
  ]);
  console.log(`${await users.count()} users, ${await orders.count()} orders`);

  await dataSource.destroy();
  console.log('\nDone.');
}

main().catch(async (error) => {
  console.error(error);
  if (dataSource.isInitialized) await dataSource.destroy();
  process.exit(1);
});
