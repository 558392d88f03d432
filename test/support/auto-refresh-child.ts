// A separate OS process writing with auto-refresh on, driven line by line over stdin/stdout by
// test/integration/auto-refresh-processes.test.ts. Run with: node -r ts-node/register <this file> <url>
import 'reflect-metadata';
import { createInterface } from 'node:readline';
import { DataSource } from 'typeorm';
import { enableAutoRefresh, type AutoRefreshEvent } from '../../src';
import { burstEntities, Purchase } from './auto-refresh-fixture';

async function main(): Promise<void> {
  const ds = new DataSource({ type: 'postgres', url: process.argv[2], entities: burstEntities, poolSize: 5 });
  await ds.initialize();
  const auto = await enableAutoRefresh(ds);
  const refreshes: AutoRefreshEvent[] = [];
  auto.on('refresh', (e) => refreshes.push(e));
  auto.on('error', (e) => process.stderr.write(`auto-refresh error: ${e.message}\n`));
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say('ready');
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, ...args] = line.trim().split(' ');
    if (command === 'write') {
      // write <customerId> <count>: that many concurrent single-row saves
      const [customerId, count] = args.map(Number) as [number, number];
      await Promise.all(
        Array.from({ length: count }, (_, i) => ds.getRepository(Purchase).save({ customerId, amount: i + 1 })),
      );
      // Its sequence reading taken, so that a refresh by the other process can be seen to cover the writes
      // (a reading still waiting for a pooled connection when that refresh starts makes this one refresh too).
      await (auto as unknown as { sighted(): Promise<void> }).sighted();
      say('written');
    } else if (command === 'flush') {
      await auto.flush();
      const counts: Record<string, number> = {};
      for (const e of refreshes) counts[e.view.name] = (counts[e.view.name] ?? 0) + 1;
      say(`flushed ${JSON.stringify(counts)}`);
    } else if (command === 'stop') {
      await auto.stop();
      await ds.destroy();
      say('stopped');
      process.exit(0); // stdin stays open on the parent's side
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
