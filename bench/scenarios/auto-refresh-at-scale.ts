// Scenario 7, auto-refresh at scale (issue 18): N auto-refreshed materialized views over N/5 small tables
// (each view a GROUP BY with a unique index over one table of 1k rows), one writer saving single rows back
// to back, round robin over the tables, with the subscriber source. Rounds with auto-refresh off and on
// alternate on the same database, so the ratios come from one run under the same machine load. Measured:
// commits/s, save() p50/p99, refreshes per commit, staleness per view (from each commit to the end of the
// refresh that covers it, tracked here from the events, not from the library's own figures), the share of
// wall time spent refreshing, machine CPU per commit (/proc/stat), and the JavaScript cost of the
// per-commit path (the collector's autocommit path into the engine, timed in a loop).
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Column, Entity, PrimaryGeneratedColumn, type DataSource, type Repository } from 'typeorm';
import { enableAutoRefresh, MaterializedView, syncViews, type AutoRefreshEvent } from '../../src';
import type { AutoRefresh } from '../../src/refresh/auto/engine';
import { BenchDatabase } from '../lib/database';
import { row, type ScenarioResult } from '../lib/report';
import { now, percentile, summarize } from '../lib/stats';

const VIEWS_PER_TABLE = 5;
const ROWS_PER_TABLE = 1000;
const DEBOUNCE_MS = 50;
const MAX_WAIT_MS = 1000;
const LOOP_CALLS = 2000;

type Class = Function;
const freshClass = (name: string): Class => ({ [name]: class {} })[name]!;

/** The tables' entities and the views' classes for N views. */
function model(views: number): { tables: Class[]; matviews: Class[]; viewsOf: string[][] } {
  const tables: Class[] = [];
  const matviews: Class[] = [];
  const viewsOf: string[][] = [];
  for (let t = 0; t < views / VIEWS_PER_TABLE; t++) {
    const table = freshClass(`S${t}`);
    Entity({ name: `s_${t}` })(table);
    PrimaryGeneratedColumn()(table.prototype as object, 'id');
    Column('int')(table.prototype as object, 'k');
    Column('int')(table.prototype as object, 'amount');
    tables.push(table);
    viewsOf.push([]);
    for (let j = 0; j < VIEWS_PER_TABLE; j++) {
      const name = `m_${t}_${j}`;
      const view = freshClass(name);
      MaterializedView({
        name,
        expression: `SELECT k, count(*)::int AS n, sum(amount)::int AS total FROM s_${t} WHERE k % ${VIEWS_PER_TABLE} = ${j} GROUP BY k`,
        indexes: [{ columns: ['k'], unique: true }],
        autoRefresh: { debounceMs: DEBOUNCE_MS, maxWaitMs: MAX_WAIT_MS },
      })(view);
      matviews.push(view);
      viewsOf[t]!.push(name);
    }
  }
  return { tables, matviews, viewsOf };
}

/** Busy and total CPU time of the machine so far (all cores), in ms, from /proc/stat. */
function machineCpu(): { busy: number; total: number } {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0) * 10;
    const idle = ((fields[3] ?? 0) + (fields[4] ?? 0)) * 10;
    return { busy: total - idle, total };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

interface Round {
  commits: number;
  seconds: number;
  saves: number[];
  cpuMsPerCommit: number;
}

/** Saves single rows back to back for `ms`, round robin over the tables; `committed` hears each one. */
async function writeFor(
  repos: Repository<object>[],
  ms: number,
  committed?: (table: number, at: number) => void,
): Promise<Round> {
  const saves: number[] = [];
  const cpu0 = machineCpu();
  const start = now();
  let i = 0;
  while (now() - start < ms) {
    const table = i % repos.length;
    const t = now();
    await repos[table]!.save({ k: i % 50, amount: 1 + (i % 7) });
    const at = now();
    saves.push(at - t);
    committed?.(table, at);
    i++;
  }
  const seconds = (now() - start) / 1000;
  const cpu1 = machineCpu();
  return { commits: i, seconds, saves, cpuMsPerCommit: (cpu1.busy - cpu0.busy) / i };
}

interface SizeResult {
  views: number;
  off: Round[];
  on: Round[];
  refreshes: number;
  refreshMs: number;
  maxRefreshMs: number;
  /** Per view: every covered commit's staleness. */
  staleness: Map<string, number[]>;
  lost: number;
  jsMicros: number;
  budget: number;
  /** maxRefreshShare (1 when the code has no pacing). */
  share: number;
  maxQueued: number;
  maxPressure: number;
  errors: number;
}

async function measureSize(views: number, quick: boolean): Promise<SizeResult> {
  const roundMs = quick ? 3000 : 8000;
  const reps = quick ? 1 : 2;
  const { tables, matviews, viewsOf } = model(views);
  const db = await BenchDatabase.create('scale');
  const sources: DataSource[] = [];
  try {
    await db.query(
      Array.from(
        { length: tables.length },
        (_, t) =>
          `CREATE TABLE s_${t} (id serial PRIMARY KEY, k int NOT NULL, amount int NOT NULL);
INSERT INTO s_${t} (k, amount) SELECT g % 50, g % 7 FROM generate_series(1, ${ROWS_PER_TABLE}) g;`,
      ).join('\n'),
    );
    const off = await db.connect([...tables, ...matviews]);
    const on = await db.connect([...tables, ...matviews]);
    sources.push(off, on);
    await syncViews(on);
    const repos = (ds: DataSource) => tables.map((t) => ds.getRepository(t) as Repository<object>);
    const auto: AutoRefresh = await enableAutoRefresh(on, { source: 'subscriber' });
    const budget = (auto.options as { maxConcurrentRefreshes?: number }).maxConcurrentRefreshes ?? Infinity;
    const share = (auto.options as { maxRefreshShare?: number }).maxRefreshShare ?? 1;
    const pending = new Map<string, number[]>();
    const staleness = new Map<string, number[]>();
    let refreshes = 0;
    let refreshMs = 0;
    let maxRefreshMs = 0;
    let maxQueued = 0;
    let maxPressure = 0;
    let errors = 0;
    auto.on('error', (e) => {
      errors++;
      if (errors <= 3) console.error(`  auto-refresh error: ${e.message}`);
    });
    auto.on('refresh', (e: AutoRefreshEvent) => {
      const end = now();
      refreshes++;
      refreshMs += e.durationMs;
      maxRefreshMs = Math.max(maxRefreshMs, e.durationMs);
      const load = (e as { load?: { queued: number; pressure: number } }).load;
      if (load) [maxQueued, maxPressure] = [Math.max(maxQueued, load.queued), Math.max(maxPressure, load.pressure)];
      // READ COMMITTED: the statement's snapshot, taken as it started, holds every commit before then.
      const startedAt = end - e.durationMs;
      const list = pending.get(e.view.name) ?? [];
      let covered = 0;
      while (covered < list.length && list[covered]! <= startedAt) covered++;
      const samples = staleness.get(e.view.name) ?? [];
      for (const at of list.splice(0, covered)) samples.push(end - at);
      staleness.set(e.view.name, samples);
    });
    const committed = (table: number, at: number) => {
      for (const v of viewsOf[table]!) {
        const list = pending.get(v);
        if (list) list.push(at);
        else pending.set(v, [at]);
      }
    };
    const result: SizeResult = {
      views,
      off: [],
      on: [],
      refreshes: 0,
      refreshMs: 0,
      maxRefreshMs: 0,
      staleness,
      lost: 0,
      jsMicros: NaN,
      budget,
      share,
      maxQueued: 0,
      maxPressure: 0,
      errors: 0,
    };
    try {
      for (let rep = 0; rep < reps; rep++) {
        result.off.push(await writeFor(repos(off), roundMs));
        result.on.push(await writeFor(repos(on), roundMs, committed));
        await auto.flush();
        process.stderr.write(`  at scale: ${views} views, repetition ${rep + 1}/${reps} done\n`);
      }
      result.lost = [...pending.values()].reduce((a, l) => a + l.length, 0);
      // Counted over the rounds only: the loop below makes refreshes of its own.
      Object.assign(result, { refreshes, refreshMs, maxRefreshMs, maxQueued, maxPressure, errors });
      // The per-commit path alone: the collector's autocommit path into the router and the scheduler.
      const collector = auto.collector!;
      const names = tables.map((_, t) => ({ schema: 'public', name: `s_${t}` }));
      // Batches of LOOP_CALLS, each then flushed; the median batch (a GC pause or a busy core lands in one).
      const batches: number[] = [];
      for (let b = 0; b < 5; b++) {
        await auto.loadGraph();
        const t0 = now();
        for (let i = 0; i < LOOP_CALLS; i++) collector.rowChanged(undefined, names[i % names.length]!);
        batches.push(((now() - t0) * 1000) / LOOP_CALLS);
        await auto.flush();
      }
      result.jsMicros = percentile(batches, 50);
    } finally {
      await auto.stop();
    }
    return result;
  } finally {
    for (const s of sources) if (s.isInitialized) await s.destroy();
    await db.drop();
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const rate = (rounds: Round[]) => sum(rounds.map((r) => r.commits)) / sum(rounds.map((r) => r.seconds));

export async function autoRefreshAtScale(quick: boolean): Promise<ScenarioResult> {
  const sizes = quick ? [10, 100] : [10, 100, 500];
  const results: SizeResult[] = [];
  for (const n of sizes) results.push(await measureSize(n, quick));
  const small = results[0]!;
  const rows = results.flatMap((r) => {
    const g = `${r.views} views (${r.views / VIEWS_PER_TABLE} tables)`;
    const commitsOn = sum(r.on.map((x) => x.commits));
    const perView = [...r.staleness.values()].map((s) => percentile(s, 95));
    // The stated bound: the window (maxWaitMs), the queue (every view ahead, budget at a time, paced to
    // maxRefreshShare) and the refresh.
    const bound = MAX_WAIT_MS + ((Math.ceil(r.views / Math.min(r.budget, r.views)) + 1) * r.maxRefreshMs) / r.share;
    const worst = Math.max(...perView);
    const savesOff = summarize(r.off.flatMap((x) => x.saves));
    const savesOn = summarize(r.on.flatMap((x) => x.saves));
    const big = r.views >= 500;
    return [
      row({
        group: g,
        metric: 'commits/s, auto-refresh on vs off',
        unit: 'commits/s',
        baselineName: 'off',
        baseline: summarize([rate(r.off)]),
        library: summarize([rate(r.on)]),
        ...(big ? { target: 'on/off >= 0.5', met: rate(r.on) / rate(r.off) >= 0.5 } : {}),
      }),
      row({
        group: g,
        metric: 'save(), auto-refresh on vs off',
        unit: 'ms',
        baselineName: 'off',
        baseline: savesOff,
        library: savesOn,
        ratioOf: 'p99',
        ...(big ? { target: 'p99 on/off <= 2', met: savesOn.p99 / savesOff.p99 <= 2 } : {}),
      }),
      row({
        group: g,
        metric: 'machine CPU per commit, on vs off',
        unit: 'ms',
        baselineName: 'off',
        baseline: summarize(r.off.map((x) => x.cpuMsPerCommit)),
        library: summarize(r.on.map((x) => x.cpuMsPerCommit)),
      }),
      row({
        group: g,
        metric: 'refreshes per commit',
        unit: 'refreshes',
        baselineName: '-',
        baseline: null,
        library: summarize([r.refreshes / commitsOn]),
      }),
      row({
        group: g,
        metric: 'staleness p95 per view: median view / worst view',
        unit: 'ms',
        baselineName: 'stated bound',
        baseline: summarize([bound]),
        library: `${percentile(perView, 50).toFixed(0)} / ${worst.toFixed(0)}`,
        target: 'every view within its bound',
        met: worst <= bound && r.lost === 0,
      }),
      row({
        group: g,
        metric: 'share of wall time refreshing (sum of refresh durations)',
        unit: 'share',
        baselineName: '-',
        baseline: null,
        library: summarize([r.refreshMs / 1000 / sum(r.on.map((x) => x.seconds))]),
      }),
      row({
        group: g,
        metric: 'JavaScript per commit (collector -> scheduler)',
        unit: 'µs',
        baselineName: `${small.views} views`,
        baseline: summarize([small.jsMicros]),
        library: summarize([r.jsMicros]),
        ...(big ? { target: '<= 1.5x the 10-view cost', met: r.jsMicros <= 1.5 * small.jsMicros } : {}),
      }),
    ];
  });
  const samples: Record<string, number[]> = {};
  for (const r of results) {
    samples[`save-off-${r.views}`] = r.off.flatMap((x) => x.saves);
    samples[`save-on-${r.views}`] = r.on.flatMap((x) => x.saves);
    samples[`rate-off-${r.views}`] = [rate(r.off)];
    samples[`rate-on-${r.views}`] = [rate(r.on)];
    samples[`staleness-p95-${r.views}`] = [...r.staleness.values()].map((s) => percentile(s, 95));
  }
  return {
    id: 'auto-refresh-at-scale',
    title: 'Scenario 7: auto-refresh at scale (N views over N/5 tables, one writer)',
    mode: quick ? 'quick' : 'full',
    parameters: {
      sizes,
      viewsPerTable: VIEWS_PER_TABLE,
      rowsPerTable: ROWS_PER_TABLE,
      debounceMs: DEBOUNCE_MS,
      maxWaitMs: MAX_WAIT_MS,
      cpus: cpus().length,
    },
    rows,
    samples,
    notes: [
      ...results.map(
        (r) =>
          `${r.views} views: ${r.refreshes} refreshes (${r.errors} errors), budget ${String(r.budget)} at once, longest refresh ${r.maxRefreshMs.toFixed(1)} ms, queue up to ${r.maxQueued}, pressure up to ${r.maxPressure.toFixed(2)}; ${r.lost} commits not covered after flush().`,
      ),
      `Rounds of ${quick ? 3 : 8} s, off and on alternating (${quick ? 1 : 2} each per size), one writer saving back to back; staleness per commit = end of the refresh whose statement began after the save resolved, minus that moment.`,
      'The stated bound per view: maxWaitMs + (ceil(views / budget) + 1) x the longest refresh of the run / maxRefreshShare (the queue ahead, paced, then its own refresh).',
    ],
  };
}
