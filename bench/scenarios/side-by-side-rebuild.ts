// Scenario 6, readers during a rebuild: point reads by the unique key on a materialized view over 1M rows
// (100k with --quick), from several connections, while syncViews applies a change of its definition.
// In place, the old view is dropped first and its ACCESS EXCLUSIVE lock is held while the new one is
// built: readers wait for the whole build. Side by side, the new one is built and indexed under a
// temporary name first; readers wait only for the swap at the end of the transaction.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import type { RebuildStrategy } from '../../src';
import { MaterializedView, syncViews } from '../../src';
import { BenchDatabase } from '../lib/database';
import { RESULTS_DIR, row, type ScenarioResult } from '../lib/report';
import { now, sleep, summarize } from '../lib/stats';
import { barChartSvg } from '../lib/svg';

type Mode = 'idle' | RebuildStrategy;
const MODES: Mode[] = ['idle', 'in-place', 'side-by-side'];
const READERS = 4;
const READ_INTERVAL_MS = 2;

let version = 0;
/** A new declaration of the same view with a different query each time: every sync is a rebuild. */
function nextDeclaration(): Function {
  class Items {}
  MaterializedView({
    name: 'bench_items_mv',
    expression: `SELECT id, v + ${version++} AS v FROM bench_items`,
    indexes: [{ columns: ['id'], unique: true }],
  })(Items);
  return Items;
}

/**
 * Reads one random key every READ_INTERVAL_MS until `done()`. Latency counts from when the read was due,
 * so reads queued behind a blocked one count their wait too (as in scenario 3).
 */
async function readLoop(client: Client, rows: number, done: () => boolean): Promise<number[]> {
  const latencies: number[] = [];
  const start = now();
  let previousEnd = start;
  for (let i = 0; !done(); i++) {
    const due = start + i * READ_INTERVAL_MS;
    if (due > now()) await sleep(due - now());
    const from = previousEnd > due ? due : now();
    const id = 1 + Math.floor(Math.random() * rows);
    await client.query({ name: 'point', text: 'SELECT v FROM bench_items_mv WHERE id = $1', values: [id] });
    previousEnd = now();
    latencies.push(previousEnd - from);
  }
  return latencies;
}

export async function sideBySideRebuild(quick: boolean): Promise<ScenarioResult> {
  const rows = quick ? 100_000 : 1_000_000;
  const reps = quick ? 2 : 3;
  const idleMs = quick ? 500 : 2000;
  const tailMs = 200; // reads go on a little after the sync, so the swap's wait is inside the window
  const db = await BenchDatabase.create('sbs');
  const reads: Record<Mode, number[]> = { idle: [], 'in-place': [], 'side-by-side': [] };
  const maxima: Record<Mode, number[]> = { idle: [], 'in-place': [], 'side-by-side': [] };
  const syncs: Record<Mode, number[]> = { idle: [], 'in-place': [], 'side-by-side': [] };
  try {
    await db.query(
      `CREATE TABLE bench_items (id int PRIMARY KEY, v int NOT NULL);
       INSERT INTO bench_items SELECT g, g % 1000 FROM generate_series(1, ${rows}) g;
       ANALYZE bench_items;`,
    );
    const first = await db.connect([nextDeclaration()]);
    await syncViews(first);
    await first.destroy();
    const readers = await Promise.all(Array.from({ length: READERS }, () => db.client()));
    try {
      for (let rep = 0; rep < reps; rep++) {
        const order = MODES.map((_, i) => MODES[(i + rep) % MODES.length]!);
        for (const mode of order) {
          const ds = mode === 'idle' ? undefined : await db.connect([nextDeclaration()]);
          await sleep(100);
          let done = false;
          const loops = readers.map((r) => readLoop(r, rows, () => done));
          const start = now();
          if (ds) {
            const result = await syncViews(ds, { rebuild: mode as RebuildStrategy });
            syncs[mode].push(now() - start);
            if (!result.steps.some((s) => s.action === (mode === 'side-by-side' ? 'build' : 'create')))
              throw new Error(`the ${mode} sync did not rebuild the view`);
            await sleep(tailMs);
          } else await sleep(idleMs);
          done = true;
          const latencies = (await Promise.all(loops)).flat();
          reads[mode].push(...latencies);
          maxima[mode].push(Math.max(...latencies));
          await ds?.destroy();
        }
        process.stderr.write(`  side-by-side rebuild: repetition ${rep + 1}/${reps} done\n`);
      }
    } finally {
      await Promise.all(readers.map((r) => r.end()));
    }
  } finally {
    await db.drop();
  }
  const idle = summarize(reads.idle);
  const inPlace = summarize(reads['in-place']);
  const sideBySide = summarize(reads['side-by-side']);
  const build = summarize(syncs['in-place']);
  const sbsSync = summarize(syncs['side-by-side']);
  const maxSbs = Math.max(...maxima['side-by-side']);
  const group = `${rows / 1000}k rows`;
  const base = { group, baselineName: 'in-place' };
  const result: ScenarioResult = {
    id: 'side-by-side-rebuild',
    title: 'Scenario 6: readers during a rebuild',
    mode: quick ? 'quick' : 'full',
    parameters: { rows, readers: READERS, reps, readIntervalMs: READ_INTERVAL_MS, idleMs, tailMs },
    rows: [
      row({ ...base, metric: 'point read', unit: 'ms', baseline: inPlace, library: sideBySide, ratioOf: 'p99' }),
      row({
        group,
        baselineName: 'idle (no sync)',
        metric: 'point read, side-by-side vs idle',
        unit: 'ms',
        baseline: idle,
        library: sideBySide,
        ratioOf: 'p99',
        target: 'side-by-side p99 <= 2x idle p99',
        met: sideBySide.p99 <= 2 * idle.p99,
      }),
      row({
        ...base,
        metric: 'slowest read per sync',
        unit: 'ms',
        baseline: summarize(maxima['in-place']),
        library: summarize(maxima['side-by-side']),
        target: 'side-by-side max << build time (<= 1/10 of the in-place sync)',
        met: maxSbs <= build.median / 10,
      }),
      row({ ...base, metric: 'sync duration (the build)', unit: 'ms', baseline: build, library: sbsSync }),
    ],
    samples: {
      'reads-idle': reads.idle,
      'reads-in-place': reads['in-place'],
      'reads-side-by-side': reads['side-by-side'],
      'max-in-place': maxima['in-place'],
      'max-side-by-side': maxima['side-by-side'],
      'sync-in-place': syncs['in-place'],
      'sync-side-by-side': syncs['side-by-side'],
    },
    notes: [
      `Idle: p50 ${idle.median.toFixed(2)} ms, p99 ${idle.p99.toFixed(2)} ms, max ${idle.max.toFixed(2)} ms over ${idle.n} reads. Slowest read with side-by-side: ${maxSbs.toFixed(1)} ms; with in-place: ${inPlace.max.toFixed(0)} ms; in-place sync (drop + build) median ${build.median.toFixed(0)} ms.`,
      `${READERS} readers on their own connections, a read by the unique key due every ${READ_INTERVAL_MS} ms each, latency counted from when it was due; each sync changes the view's query (${rows} rows, one unique index), reads continue ${tailMs} ms after it returns.`,
    ],
  };
  writeChart(result);
  return result;
}

/** The SVG beside the JSON (bench/charts.ts draws the other scenarios'; this one draws its own). */
function writeChart(r: ScenarioResult): void {
  const series = (name: string, key: string, color: string) => {
    const s = summarize(r.samples[key] ?? []);
    return { name, color, values: [s.median, s.p99, s.max] };
  };
  const svg = barChartSvg({
    title: `Point reads while syncViews rebuilds a ${String(r.parameters.rows)}-row materialized view (lower is better)`,
    unit: 'read latency, ms',
    log: true,
    categories: ['p50', 'p99', 'max'],
    series: [
      series('idle (no sync)', 'reads-idle', '#9bbb59'),
      series('in-place', 'reads-in-place', '#c0504d'),
      series('side-by-side', 'reads-side-by-side', '#4f81bd'),
    ],
  });
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${r.id}${r.mode === 'quick' ? '.quick' : ''}.svg`), svg);
}
