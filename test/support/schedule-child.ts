// A separate OS process running auto-refresh with the sched_ticks schedule, for
// test/integration/auto-refresh-schedule-processes.test.ts (run with -r test/support/swc-register.js).
// Args: <url> <application name>. Prints `ready` once running; on `stop`, stops and prints
// `stopped <timers left>`.
import 'reflect-metadata';
import { createInterface } from 'node:readline';
import { DataSource } from 'typeorm';
import { enableAutoRefresh } from '../../src';
import { Ticks } from './schedule-fixture';

async function main(): Promise<void> {
  const [url, applicationName] = process.argv.slice(2) as [string, string];
  const ds = new DataSource({ type: 'postgres', url, applicationName, entities: [Ticks], poolSize: 3 });
  await ds.initialize();
  const auto = await enableAutoRefresh(ds);
  auto.on('error', (e) => process.stderr.write(`auto-refresh error: ${e.message}\n`));
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() !== 'stop') continue;
    await auto.stop();
    const left = (auto as unknown as { schedule: { armed: number } }).schedule.armed;
    await ds.destroy();
    process.stdout.write(`stopped ${left}\n`);
    process.exit(0);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
