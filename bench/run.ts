// `npm run bench [-- --quick] [-- --only=sync-at-scale,readers]`: runs the scenarios against the
// PostgreSQL in DATABASE_URL, prints a table per scenario, writes bench/results/<id>[.quick].json and
// regenerates the SVG charts from the JSON files.
import 'reflect-metadata';
import { writeCharts } from './charts';
import { environment } from './lib/database';
import { printTable, writeResult, type ScenarioResult } from './lib/report';
import { autoRefreshAtScale } from './scenarios/auto-refresh-at-scale';
import { burstCoalescing } from './scenarios/burst';
import { multiProcess } from './scenarios/multi-process';
import { readersDuringRefresh } from './scenarios/readers-during-refresh';
import { sideBySideRebuild } from './scenarios/side-by-side-rebuild';
import { syncAtScale } from './scenarios/sync-at-scale';
import { writeLatency } from './scenarios/write-latency';

const SCENARIOS: Record<string, (quick: boolean) => Promise<ScenarioResult>> = {
  'write-latency': writeLatency,
  burst: burstCoalescing,
  'readers-during-refresh': readersDuringRefresh,
  'sync-at-scale': syncAtScale,
  'multi-process': multiProcess,
  'side-by-side-rebuild': sideBySideRebuild,
  'auto-refresh-at-scale': autoRefreshAtScale,
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const unknown = only?.filter((id) => !SCENARIOS[id]);
  if (unknown?.length)
    throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const env = await environment();
  console.log(
    `PostgreSQL ${env.postgres}, ${env.cpus} CPUs, ${env.memoryGb} GB, load ${String(env.loadAverage)}, ${quick ? 'quick' : 'full'} mode`,
  );
  const started = Date.now();
  for (const [id, run] of Object.entries(SCENARIOS)) {
    if (only && !only.includes(id)) continue;
    const t = Date.now();
    const result = await run(quick);
    printTable(result);
    const file = writeResult(result, { ...env, seconds: Math.round((Date.now() - t) / 100) / 10 });
    console.log(`  -> ${file} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  }
  for (const svg of writeCharts(quick)) console.log(`chart -> ${svg}`);
  console.log(`\nTotal ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
