// Prints the results in bench/results/*.json as Markdown tables, for docs/benchmarks.md:
// `node -r ts-node/register/transpile-only bench/markdown.ts [--quick]`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_DIR, tableCells, type ScenarioResult } from './lib/report';

const IDS = [
  'write-latency',
  'burst',
  'readers-during-refresh',
  'sync-at-scale',
  'multi-process',
  'auto-refresh-at-scale',
];
const suffix = process.argv.includes('--quick') ? '.quick' : '';
for (const id of IDS) {
  const file = join(RESULTS_DIR, `${id}${suffix}.json`);
  if (!existsSync(file)) continue;
  const result = JSON.parse(readFileSync(file, 'utf8')) as ScenarioResult & { environment: Record<string, unknown> };
  const [head, ...body] = tableCells(result.rows);
  console.log(`### ${result.title}\n`);
  console.log(`| ${head!.join(' | ')} |`);
  console.log(`|${head!.map((_, i) => (i >= 4 && i <= 10 ? ' ---: ' : ' --- ')).join('|')}|`);
  for (const r of body) console.log(`| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  console.log('');
  for (const n of result.notes) console.log(`- ${n.replace(/\|/g, '\\|')}`);
  console.log(
    `\nRun: ${String(result.environment.seconds)} s, load average at start ${String(result.environment.loadAverage)}.\n`,
  );
}
