// Result rows, the printed table and the JSON files in bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary } from './stats';

/** One measured quantity: the baseline's and the library's samples summarised, and their ratio. */
export interface Row {
  readonly group: string;
  readonly metric: string;
  /** 'ms', 'queries', 'statements', 'refreshes', 'failures'... */
  readonly unit: string;
  readonly baselineName: string;
  readonly baseline: Summary | string | null;
  readonly library: Summary | string;
  /** library / baseline of the statistic `ratioOf` (default: the median), when both are numbers. */
  readonly ratio: number | null;
  readonly ratioOf?: 'median' | 'p99';
  /** The target for this row, in words, and whether this run met it (null: no target). */
  readonly target?: string;
  readonly met?: boolean | null;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly mode: 'quick' | 'full';
  readonly parameters: Record<string, unknown>;
  readonly rows: Row[];
  /** Raw samples by series name, for charts and re-analysis. */
  readonly samples: Record<string, number[]>;
  readonly notes: string[];
}

export function row(r: Omit<Row, 'ratio'>): Row {
  const key = r.ratioOf ?? 'median';
  const ratio =
    typeof r.baseline === 'object' && r.baseline && typeof r.library === 'object' && r.baseline[key] > 0
      ? r.library[key] / r.baseline[key]
      : null;
  return { ...r, ratio };
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function cell(v: Summary | string | null, key: 'median' | 'p95' | 'p99'): string {
  if (v === null) return '-';
  if (typeof v === 'string') return key === 'median' ? v : '';
  return fmt(v[key]);
}

/** The rows as a table of strings (shared by the console output and docs/benchmarks.md). */
export function tableCells(rows: readonly Row[]): string[][] {
  return [
    ['case', 'metric', 'unit', 'baseline', 'median', 'p95', 'p99', 'library median', 'p95', 'p99', 'ratio', 'target'],
    ...rows.map((r) => [
      r.group,
      r.metric,
      r.unit,
      r.baselineName,
      cell(r.baseline, 'median'),
      cell(r.baseline, 'p95'),
      cell(r.baseline, 'p99'),
      cell(r.library, 'median'),
      cell(r.library, 'p95'),
      cell(r.library, 'p99'),
      r.ratio === null ? '' : `${fmt(r.ratio)}${r.ratioOf === 'p99' ? ' (p99)' : ''}`,
      r.target ? `${r.met === true ? 'met' : r.met === false ? 'NOT MET' : ''} ${r.target}`.trim() : '',
    ]),
  ];
}

export function printTable(result: ScenarioResult): void {
  const cells = tableCells(result.rows);
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  console.log(`\n## ${result.title} (${result.mode})`);
  for (const [i, r] of cells.entries()) {
    console.log(r.map((v, c) => (c >= 4 && c <= 10 ? v.padStart(widths[c]!) : v.padEnd(widths[c]!))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  for (const n of result.notes) console.log(`  note: ${n}`);
}

export const RESULTS_DIR = join(__dirname, '..', 'results');

/** Writes `<id>.json` (full mode) or `<id>.quick.json` into bench/results/. */
export function writeResult(result: ScenarioResult, environment: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${result.id}${result.mode === 'quick' ? '.quick' : ''}.json`);
  writeFileSync(file, JSON.stringify({ ...result, environment, finishedAt: new Date().toISOString() }, null, 2) + '\n');
  return file;
}
