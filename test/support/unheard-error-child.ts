// A separate OS process (plain Node, where an unhandled rejection is reported by the process itself, not
// by jest) whose auto-refresh fails with no 'error' listener. Run by
// test/integration/guarantees-auto-refresh.test.ts: node -r ts-node/register/transpile-only <this file> <url> [control]
// Prints each line its DataSource's logger gets as `warn`, each unhandled rejection or uncaught exception,
// then `done`. With `control`, it first makes an unhandled rejection of its own, to show it would be seen.
import 'reflect-metadata';
import { Column, DataSource, Entity, PrimaryGeneratedColumn, ViewColumn, type Logger } from 'typeorm';
import { AutoRefreshSubscriber, MaterializedView, enableAutoRefresh, syncViews } from '../../src';

@Entity({ name: 'divisors' })
class Divisor {
  @PrimaryGeneratedColumn() id!: number;
  @Column('int') value!: number;
}
@MaterializedView({
  name: 'quotients',
  expression: 'SELECT 100 / value AS quotient FROM divisors',
  autoRefresh: { debounceMs: 10, maxWaitMs: 50 },
})
class Quotient {
  @ViewColumn() quotient!: number;
}

const say = (line: string) => process.stdout.write(`${line}\n`);
process.on('unhandledRejection', (reason) => say(`unhandled rejection: ${String(reason)}`));
process.on('uncaughtException', (error) => say(`uncaught exception: ${String(error)}`));

const logger: Logger = {
  logQuery: () => undefined,
  logQueryError: () => undefined,
  logQuerySlow: () => undefined,
  logSchemaBuild: () => undefined,
  logMigration: () => undefined,
  log: (level, message) => {
    if (level === 'warn') say(`logged: ${String(message)}`);
  },
};

async function main(): Promise<void> {
  if (process.argv[3] === 'control') void Promise.reject(new Error('control'));
  const ds = new DataSource({
    type: 'postgres',
    url: process.argv[2],
    entities: [Divisor, Quotient],
    subscribers: [AutoRefreshSubscriber],
    synchronize: true,
    logger,
  });
  await ds.initialize();
  await syncViews(ds);
  const auto = await enableAutoRefresh(ds);
  say(`error listeners: ${auto.listenerCount('error')}`);
  await ds.getRepository(Divisor).save({ value: 0 }); // its refresh divides by zero
  await auto.flush();
  await new Promise((resolve) => setImmediate(resolve)); // unhandled rejections are reported by now
  await auto.stop();
  await ds.destroy();
  say('done');
}

main().catch((error: unknown) => {
  say(`failed: ${String(error)}`);
  process.exitCode = 1;
});
