// One application process of scenario 5: a DataSource over bench_orders with auto-refresh, driven line by
// line over stdin/stdout by bench/scenarios/multi-process.ts.
// Run with: node -r ts-node/register/transpile-only bench/lib/writer-process.ts <database url>
//   enable <subscriber|triggers> <coordinate: on|off>  -> enabled
//   write <commits> <concurrency>                      -> written <epoch ms of the last commit>
//   flush                                              -> flushed <refreshes> <commits coalesced>  (since enable)
//   disable                                            -> disabled
//   exit
import 'reflect-metadata';
import { createInterface } from 'node:readline';
import { DataSource } from 'typeorm';
import { enableAutoRefresh, type AutoRefresh, type AutoRefreshSource } from '../../src';
import { Orders, orderTotalsView, saveOrder } from './orders';

/** Milliseconds since the epoch with sub-millisecond resolution, comparable between processes. */
export const epochMs = () => performance.timeOrigin + performance.now();

export const MULTI_PROCESS_TIMING = { debounceMs: 50, maxWaitMs: 500 };

async function main(): Promise<void> {
  const ds = new DataSource({
    type: 'postgres',
    url: process.argv[2],
    entities: [Orders, orderTotalsView(MULTI_PROCESS_TIMING)],
    extra: { max: 6 },
  });
  await ds.initialize();
  let auto: AutoRefresh | undefined;
  let refreshes = 0;
  let commitsCoalesced = 0;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say('ready');
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, ...args] = line.trim().split(' ');
    if (command === 'enable') {
      auto = await enableAutoRefresh(ds, { source: args[0] as AutoRefreshSource, coordinate: args[1] === 'on' });
      refreshes = commitsCoalesced = 0;
      auto.on('refresh', (e) => {
        refreshes++;
        commitsCoalesced += e.commitsCoalesced;
      });
      auto.on('error', (e) => process.stderr.write(`auto-refresh error: ${e.message}\n`));
      say('enabled');
    } else if (command === 'write') {
      const [commits, concurrency] = args.map(Number) as [number, number];
      let remaining = commits;
      let last = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (remaining-- > 0) {
            await saveOrder(ds);
            last = epochMs();
          }
        }),
      );
      say(`written ${last}`);
    } else if (command === 'flush') {
      await auto?.flush();
      say(`flushed ${refreshes} ${commitsCoalesced}`);
    } else if (command === 'disable') {
      await auto?.stop();
      auto = undefined;
      say('disabled');
    } else if (command === 'exit') {
      await auto?.stop();
      await ds.destroy();
      process.exit(0); // stdin stays open on the parent's side
    } else {
      throw new Error(`unknown command: ${line}`);
    }
  }
}

if (require.main === module)
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
