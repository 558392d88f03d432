// Turns bench/results/<id>[.quick].json into <id>[.quick].svg. Run by bench/run.ts after each scenario,
// or alone: `node -r ts-node/register/transpile-only bench/charts.ts [--quick]`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Row, ScenarioResult } from './lib/report';
import { RESULTS_DIR } from './lib/report';
import { summarize, type Summary } from './lib/stats';
import { barChartSvg, type BarChart } from './lib/svg';

const BASELINE = '#c0504d';
const LIBRARY = '#4f81bd';
const NEUTRAL = '#9bbb59';

const stat = (v: Summary | string | null | undefined, key: keyof Summary = 'median') =>
  v && typeof v === 'object' ? v[key] : NaN;
const find = (rows: Row[], group: string, metric: string) => rows.find((r) => r.group === group && r.metric === metric);

function percentiles(
  r: ScenarioResult,
  title: string,
  unit: string,
  modes: readonly (readonly [string, string, string])[],
): BarChart {
  const pct = (xs: number[], p: number) =>
    [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)] ?? NaN;
  return {
    title,
    unit,
    log: true,
    categories: ['p50', 'p95', 'p99'],
    series: modes.map(([name, key, color]) => ({
      name,
      color,
      values: [50, 95, 99].map((p) => pct(r.samples[key] ?? [], p)),
    })),
  };
}

const CHARTS: Record<string, (r: ScenarioResult) => BarChart> = {
  'write-latency': (r) =>
    percentiles(r, 'repository.save() of one row (lower is better)', 'save latency, ms', [
      ['no refresh', 'save-none', NEUTRAL],
      ['awaited REFRESH in afterTransactionCommit', 'save-naive', BASELINE],
      ['enableAutoRefresh', 'save-auto', LIBRARY],
    ]),
  burst: (r) => {
    const median = (key: string) => stat(summarize(r.samples[key] ?? []));
    const metrics = [
      ['REFRESH statements (count)', 'refreshes'],
      ['burst duration (ms)', 'burst'],
      ['staleness after last commit (ms)', 'staleness'],
    ] as const;
    return {
      title: 'A burst of single-row commits from 10 connections: medians (lower is better)',
      unit: 'count or ms, as labelled',
      log: true,
      categories: metrics.map(([label]) => label),
      series: [
        {
          name: 'awaited REFRESH in afterTransactionCommit',
          color: BASELINE,
          values: metrics.map(([, k]) => median(`${k}-naive`)),
        },
        { name: 'enableAutoRefresh', color: LIBRARY, values: metrics.map(([, k]) => median(`${k}-auto`)) },
      ],
    };
  },
  'multi-process': (r) => {
    const cases = [
      ['1 process', 'one'],
      ['4 processes', 'four'],
      ['4 processes, coordinate: false', 'four-uncoordinated'],
      ["4 processes, source: 'triggers'", 'four-triggers'],
    ] as const;
    return {
      title: 'The same commits from 1 or 4 processes: REFRESH runs summed over processes (median)',
      unit: 'refreshes',
      categories: cases.map(([label]) => label),
      series: [
        {
          name: 'refreshes',
          color: LIBRARY,
          values: cases.map(([, id]) => stat(summarize(r.samples[`refreshes-${id}`] ?? []))),
        },
      ],
    };
  },
  'sync-at-scale': (r) => {
    const groups = [...new Set(r.rows.map((x) => x.group))];
    const metrics = ['first sync (declared order)', 'no-op sync'];
    const categories = groups.flatMap((g) => metrics.map((m) => `${g}: ${m.replace(' (declared order)', '')}`));
    const values = (side: 'baseline' | 'library') =>
      groups.flatMap((g) => metrics.map((m) => stat(find(r.rows, g, m)?.[side])));
    return {
      title: 'Sync at scale: median time (lower is better)',
      unit: 'ms',
      log: true,
      categories,
      series: [
        { name: "TypeORM's synchronize", color: BASELINE, values: values('baseline') },
        { name: 'typeorm-pgview syncViews', color: LIBRARY, values: values('library') },
      ],
    };
  },
  'auto-refresh-at-scale': (r) => {
    const sizes = ((r.parameters.sizes as number[] | undefined) ?? []).map(String);
    const ratio = (n: string, key: 'rate' | 'save') =>
      key === 'rate'
        ? stat(summarize(r.samples[`rate-on-${n}`] ?? [])) / stat(summarize(r.samples[`rate-off-${n}`] ?? []))
        : stat(summarize(r.samples[`save-on-${n}`] ?? []), 'p99') /
          stat(summarize(r.samples[`save-off-${n}`] ?? []), 'p99');
    return {
      title: 'Auto-refresh at scale: on / off ratios per number of views (targets at 500: >= 0.5, <= 2)',
      unit: 'ratio, on / off',
      categories: sizes.map((n) => `${n} views`),
      series: [
        { name: 'commits/s on / off (higher is better)', color: LIBRARY, values: sizes.map((n) => ratio(n, 'rate')) },
        { name: 'save() p99 on / off (lower is better)', color: BASELINE, values: sizes.map((n) => ratio(n, 'save')) },
      ],
    };
  },
  'readers-during-refresh': (r) =>
    percentiles(r, 'Point reads on a materialized view during refreshes (lower is better)', 'read latency, ms', [
      ['no refresh', 'reads-none', NEUTRAL],
      ['plain REFRESH, back to back', 'reads-plain', BASELINE],
      ["refreshMaterializedView 'auto' (CONCURRENTLY)", 'reads-auto', LIBRARY],
    ]),
};

/** Writes the SVG of every scenario whose JSON exists; returns the files written. */
export function writeCharts(quick: boolean): string[] {
  const written: string[] = [];
  for (const [id, build] of Object.entries(CHARTS)) {
    const suffix = quick ? '.quick' : '';
    const json = join(RESULTS_DIR, `${id}${suffix}.json`);
    if (!existsSync(json)) continue;
    const svg = join(RESULTS_DIR, `${id}${suffix}.svg`);
    writeFileSync(svg, barChartSvg(build(JSON.parse(readFileSync(json, 'utf8')) as ScenarioResult)));
    written.push(svg);
  }
  return written;
}

if (require.main === module) console.log(writeCharts(process.argv.includes('--quick')).join('\n'));
