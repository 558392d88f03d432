// Scenario 3, readers during refresh: point reads on a materialized view while another connection
// refreshes it back to back. Plain REFRESH (what users write by hand) takes an ACCESS EXCLUSIVE lock and
// blocks every reader for the whole refresh; refreshMaterializedView(..., { concurrently: 'auto' }) uses
// REFRESH ... CONCURRENTLY, which readers do not wait for, because the view has a unique index.
import type { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { MaterializedView, refreshMaterializedView, syncViews } from '../../src';
import { BenchDatabase } from '../lib/database';
import { row, type ScenarioResult } from '../lib/report';
import { now, sleep, summarize } from '../lib/stats';

type Mode = 'none' | 'plain' | 'auto';
const MODES: Mode[] = ['none', 'plain', 'auto'];
const GROUPS = 5000;

class Totals {}
MaterializedView({
  name: 'bench_totals',
  expression: 'SELECT k, count(*) AS n, sum(v) AS total FROM bench_source GROUP BY k',
  indexes: [{ columns: ['k'], unique: true }],
})(Totals);

const READ_INTERVAL_MS = 2;

/**
 * Reads one random group every READ_INTERVAL_MS until `until`. Latency counts from when the read was due,
 * not from when it was sent: a reader stuck behind a lock delays the reads due after it, and those waits
 * count too (otherwise a blocked reader would simply take fewer samples while blocked).
 */
async function readLoop(client: Client, until: number): Promise<number[]> {
  const latencies: number[] = [];
  const start = now();
  let previousEnd = start;
  for (let i = 0; ; i++) {
    const due = start + i * READ_INTERVAL_MS;
    if (due >= until) break;
    if (due > now()) await sleep(due - now());
    // Late because the previous read was blocked: count from when this one was due. Late only because the
    // timer fired late: count from when it was sent (timer jitter is not the database's doing).
    const from = previousEnd > due ? due : now();
    const k = Math.floor(Math.random() * GROUPS);
    await client.query({ name: 'point', text: 'SELECT n, total FROM bench_totals WHERE k = $1', values: [k] });
    previousEnd = now();
    latencies.push(previousEnd - from);
  }
  return latencies;
}

/** Changes a few source rows, then refreshes, back to back until `until`; returns the refresh durations. */
async function refreshLoop(ds: DataSource, mode: Mode, until: number): Promise<number[]> {
  const durations: number[] = [];
  let round = 0;
  while (now() < until) {
    await ds.query('UPDATE bench_source SET v = v + 1 WHERE id % 2000 = $1', [round++ % 2000]);
    const start = now();
    if (mode === 'plain') await ds.query('REFRESH MATERIALIZED VIEW bench_totals');
    else await refreshMaterializedView(ds, Totals, { concurrently: 'auto' });
    durations.push(now() - start);
  }
  return durations;
}

export async function readersDuringRefresh(quick: boolean): Promise<ScenarioResult> {
  const sourceRows = quick ? 20_000 : 200_000;
  const windowMs = quick ? 700 : 4000;
  const reps = quick ? 2 : 5;
  const db = await BenchDatabase.create('readers');
  const reads: Record<Mode, number[]> = { none: [], plain: [], auto: [] };
  const refreshes: Record<Mode, number[]> = { none: [], plain: [], auto: [] };
  let concurrentlyUsed = false;
  try {
    await db.query(
      `CREATE TABLE bench_source (id int PRIMARY KEY, k int NOT NULL, v int NOT NULL);
       INSERT INTO bench_source SELECT g, g % ${GROUPS}, g % 1000 FROM generate_series(1, ${sourceRows}) g;
       ANALYZE bench_source;`,
    );
    const ds = await db.connect([Totals]);
    const reader = await db.client();
    try {
      await syncViews(ds);
      concurrentlyUsed = (await refreshMaterializedView(ds, Totals, { concurrently: 'auto' })).concurrently;
      for (let rep = 0; rep < reps; rep++) {
        // Rotate the order of the modes so none of them always runs right after another.
        const order = MODES.map((_, i) => MODES[(i + rep) % MODES.length]!);
        for (const mode of order) {
          await sleep(100);
          const until = now() + windowMs;
          const [latencies, durations] = await Promise.all([
            readLoop(reader, until),
            mode === 'none' ? Promise.resolve([]) : refreshLoop(ds, mode, until),
          ]);
          reads[mode].push(...latencies);
          refreshes[mode].push(...durations);
        }
        process.stderr.write(`  readers during refresh: repetition ${rep + 1}/${reps} done\n`);
      }
    } finally {
      await reader.end();
      await ds.destroy();
    }
  } finally {
    await db.drop();
  }
  const none = summarize(reads.none);
  const plain = summarize(reads.plain);
  const auto = summarize(reads.auto);
  const g = `${sourceRows / 1000}k source rows`;
  const base = { group: g, baselineName: 'plain REFRESH' };
  return {
    id: 'readers-during-refresh',
    title: 'Scenario 3: readers during refresh',
    mode: quick ? 'quick' : 'full',
    parameters: { sourceRows, groups: GROUPS, windowMs, reps, concurrentlyUsed },
    rows: [
      row({ ...base, metric: 'point read', unit: 'ms', baseline: plain, library: auto }),
      row({ ...base, metric: 'point read, p99 ratio', unit: 'ms', baseline: plain, library: auto, ratioOf: 'p99' }),
      row({
        group: g,
        baselineName: 'no refresh',
        metric: "point read, 'auto' vs no refresh",
        unit: 'ms',
        baseline: none,
        library: auto,
        ratioOf: 'p99',
        target: "'auto' p99 <= 2x p99 with no refresh",
        met: auto.p99 <= 2 * none.p99,
      }),
      row({
        ...base,
        metric: 'refresh duration',
        unit: 'ms',
        baseline: summarize(refreshes.plain),
        library: summarize(refreshes.auto),
      }),
      row({
        ...base,
        metric: 'refreshes per window',
        unit: 'refreshes',
        baseline: perWindow(refreshes.plain.length, reps),
        library: perWindow(refreshes.auto.length, reps),
      }),
    ],
    samples: {
      'reads-none': reads.none,
      'reads-plain': reads.plain,
      'reads-auto': reads.auto,
      'refresh-plain': refreshes.plain,
      'refresh-auto': refreshes.auto,
    },
    notes: [
      `'auto' ran REFRESH ... CONCURRENTLY: ${concurrentlyUsed}. With no refresh: p50 ${none.median.toFixed(2)} ms, p99 ${none.p99.toFixed(2)} ms over ${none.n} reads.`,
      `One reader, a read due every ${READ_INTERVAL_MS} ms, latency counted from when it was due; refreshes back to back on another connection, each after an UPDATE of ${sourceRows / 2000} source rows.`,
    ],
  };
}

function perWindow(total: number, reps: number) {
  return summarize([total / reps]);
}
