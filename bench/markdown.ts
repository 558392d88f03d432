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
  'side-by-side-rebuild',
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

// Scenario 7 before/after: the same scenario run on the code before issue 18 (bench/results/
// auto-refresh-at-scale.before.json, from main's commit of that time) beside this run, ratio by ratio.
const beforeFile = join(RESULTS_DIR, `auto-refresh-at-scale.before${suffix}.json`);
const afterFile = join(RESULTS_DIR, `auto-refresh-at-scale${suffix}.json`);
if (existsSync(beforeFile) && existsSync(afterFile)) {
  const read = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as ScenarioResult;
  const [before, after] = [read(beforeFile), read(afterFile)];
  const value = (r: ScenarioResult['rows'][number] | undefined) =>
    !r
      ? '-'
      : r.ratio !== null
        ? r.ratio.toFixed(2)
        : typeof r.library === 'string'
          ? r.library
          : r.library.median.toFixed(2);
  console.log('### Scenario 7 before and after issue 18\n');
  console.log('| case | metric | before | after |');
  console.log('| --- | --- | ---: | ---: |');
  for (const r of after.rows) {
    const b = before.rows.find((x) => x.group === r.group && x.metric === r.metric);
    const label = r.ratio !== null ? `${r.metric} (ratio)` : r.metric;
    console.log(`| ${r.group} | ${label} | ${value(b)} | ${value(r)} |`);
  }
  console.log('');
}
