// Scenario 4, sync at scale: TypeORM's own synchronize over @ViewEntity classes vs syncViews over the
// same views, at 10/100/1000 views, each measurement in a fresh database, the two interleaved per repetition.
import type { DataSource } from 'typeorm';
import { syncViews } from '../../src';
import { BenchDatabase, QueryCounter } from '../lib/database';
import { row, type Row, type ScenarioResult } from '../lib/report';
import { seededRandom, shuffled, summarize, timed } from '../lib/stats';
import {
  BASE_TABLES_SQL,
  editedViewName,
  pgviewClasses,
  typeormClasses,
  viewSpecs,
  type Edit,
} from '../lib/view-graph';

type Library = 'typeorm' | 'pgview';
type Order = 'declared' | 'shuffled';

/** What one measurement gives; undefined fields were not measured (the first sync failed, or shuffled order). */
interface Measurement {
  firstMs?: number;
  firstQueries?: number;
  firstError?: string;
  noopMs: number[];
  noopQueries?: number;
  noopDdl?: number;
  /** syncViews' own count of its round trips (SyncResult.queries), no-op sync. */
  noopReported?: number;
  whitespaceDdl?: number;
  changeDdl?: number;
  changeApplied?: boolean;
  changeStatements?: string[];
}

const NOOP_RUNS = 3;

async function syncOnce(library: Library, ds: DataSource): Promise<number | undefined> {
  if (library === 'typeorm') {
    await ds.synchronize();
    return undefined;
  }
  return (await syncViews(ds)).queries;
}

/** Builds a DataSource with fresh classes for `edit`, syncs once, and returns the DDL it ran. */
async function syncEdited(db: BenchDatabase, library: Library, count: number, edit: Edit, counter: QueryCounter) {
  const specs = viewSpecs(count, edit);
  const ds = await db.connect(library === 'typeorm' ? typeormClasses(specs) : pgviewClasses(specs), counter);
  try {
    counter.reset();
    await syncOnce(library, ds);
    return { ddl: counter.ddl, text: [...counter.ddlText] };
  } finally {
    await ds.destroy();
  }
}

async function measure(library: Library, count: number, order: Order, seed: number): Promise<Measurement> {
  const db = await BenchDatabase.create(`sync${count}`);
  const result: Measurement = { noopMs: [] };
  try {
    await db.query(BASE_TABLES_SQL);
    const specs = order === 'declared' ? viewSpecs(count) : shuffled(viewSpecs(count), seededRandom(seed));
    const counter = new QueryCounter();
    const ds = await db.connect(library === 'typeorm' ? typeormClasses(specs) : pgviewClasses(specs), counter);
    try {
      counter.reset();
      try {
        result.firstMs = (await timed(() => syncOnce(library, ds))).ms;
        result.firstQueries = counter.queries;
      } catch (error) {
        result.firstError = (error as Error).message.split('\n')[0];
        return result;
      }
      if (order === 'shuffled') return result;
      for (let i = 0; i < NOOP_RUNS; i++) {
        counter.reset();
        const { ms, value } = await timed(() => syncOnce(library, ds));
        result.noopMs.push(ms);
        result.noopQueries = counter.queries;
        result.noopDdl = counter.ddl;
        result.noopReported = value;
      }
    } finally {
      await ds.destroy();
    }
    result.whitespaceDdl = (await syncEdited(db, library, count, 'whitespace', counter)).ddl;
    const change = await syncEdited(db, library, count, 'change', counter);
    result.changeDdl = change.ddl;
    result.changeStatements = change.text.map((s) => s.replace(/\s+/g, ' ').slice(0, 80));
    const [def] = (await db.query('SELECT pg_get_viewdef($1::regclass) AS d', [editedViewName(count)])) as {
      d: string;
    }[];
    result.changeApplied = /x >= 1/.test(def!.d);
    return result;
  } finally {
    await db.drop();
  }
}

const nums = (ms: Measurement[], pick: (m: Measurement) => number | number[] | undefined) =>
  ms.flatMap((m) => pick(m) ?? []);

export async function syncAtScale(quick: boolean): Promise<ScenarioResult> {
  const sizes = quick ? [10, 100] : [10, 100, 1000];
  const repsFor = (n: number) => (quick ? 2 : n >= 1000 ? 3 : 5);
  const rows: Row[] = [];
  const samples: Record<string, number[]> = {};
  const notes: string[] = [];
  /** SyncResult.queries of every no-op sync, by size: the issue wants the same count at every size. */
  const noopCounts: number[] = [];
  for (const count of sizes) {
    const got: Record<`${Library}-${Order}`, Measurement[]> = {
      'typeorm-declared': [],
      'typeorm-shuffled': [],
      'pgview-declared': [],
      'pgview-shuffled': [],
    };
    for (let rep = 0; rep < repsFor(count); rep++) {
      // Alternate who goes first so a warm cache or a colleague's test run does not favour one side.
      const libraries: Library[] = rep % 2 === 0 ? ['typeorm', 'pgview'] : ['pgview', 'typeorm'];
      for (const order of ['declared', 'shuffled'] as const)
        for (const library of libraries) got[`${library}-${order}`].push(await measure(library, count, order, rep + 1));
      process.stderr.write(`  sync ${count} views: repetition ${rep + 1}/${repsFor(count)} done\n`);
    }
    const t = got['typeorm-declared'];
    const p = got['pgview-declared'];
    const g = `${count} views`;
    const base = { group: g, baselineName: 'TypeORM synchronize' };
    const s = (xs: number[]) => summarize(xs);
    const big = count >= 1000;
    noopCounts.push(...nums(p, (m) => m.noopReported));
    const firstNoopCount = noopCounts[0];
    rows.push(
      row({
        ...base,
        metric: 'first sync (declared order)',
        unit: 'ms',
        baseline: s(nums(t, (m) => m.firstMs)),
        library: s(nums(p, (m) => m.firstMs)),
        target: 'faster than TypeORM',
        met: median(p, (m) => m.firstMs) < median(t, (m) => m.firstMs),
      }),
      row({
        ...base,
        metric: 'first sync queries',
        unit: 'queries',
        baseline: s(nums(t, (m) => m.firstQueries)),
        library: s(nums(p, (m) => m.firstQueries)),
      }),
    );
    const failures = (ms: Measurement[]) => `${ms.filter((m) => m.firstError).length} of ${ms.length} failed`;
    const typeormShuffledOk = got['typeorm-shuffled'].filter((m) => m.firstMs !== undefined);
    rows.push(
      row({
        ...base,
        metric: 'first sync, shuffled declaration order',
        unit: 'failures',
        baseline: failures(got['typeorm-shuffled']),
        library: failures(got['pgview-shuffled']),
        ...(big && { target: 'no failure in any order', met: got['pgview-shuffled'].every((m) => !m.firstError) }),
      }),
      row({
        ...base,
        metric: 'first sync (shuffled order, successful runs)',
        unit: 'ms',
        baseline: typeormShuffledOk.length ? s(nums(typeormShuffledOk, (m) => m.firstMs)) : 'all failed',
        library: s(nums(got['pgview-shuffled'], (m) => m.firstMs)),
      }),
      row({
        ...base,
        metric: 'no-op sync',
        unit: 'ms',
        baseline: s(nums(t, (m) => m.noopMs)),
        library: s(nums(p, (m) => m.noopMs)),
        ...(big
          ? {
              target: 'faster than TypeORM, <= 300 ms',
              met: noopMedian(p) < noopMedian(t) && noopMedian(p) <= 300,
            }
          : { target: 'faster than TypeORM', met: noopMedian(p) < noopMedian(t) }),
      }),
      row({
        ...base,
        metric: 'no-op sync queries (logged)',
        unit: 'queries',
        baseline: s(nums(t, (m) => m.noopQueries)),
        library: s(nums(p, (m) => m.noopQueries)),
      }),
      row({
        ...base,
        metric: 'no-op sync queries (SyncResult.queries)',
        unit: 'queries',
        baseline: null,
        library: s(nums(p, (m) => m.noopReported)),
        target: `the same at every size (${String(firstNoopCount)})`,
        met: noopCounts.every((n) => n === firstNoopCount),
      }),
      row({
        ...base,
        metric: 'no-op sync DDL',
        unit: 'statements',
        baseline: s(nums(t, (m) => m.noopDdl)),
        library: s(nums(p, (m) => m.noopDdl)),
        ...(big && { target: 'no DDL', met: nums(p, (m) => m.noopDdl).every((n) => n === 0) }),
      }),
      row({
        ...base,
        metric: 'whitespace-only edit of the middle base view',
        unit: 'statements',
        baseline: s(nums(t, (m) => m.whitespaceDdl)),
        library: s(nums(p, (m) => m.whitespaceDdl)),
        ...(big && { target: 'no DDL', met: nums(p, (m) => m.whitespaceDdl).every((n) => n === 0) }),
      }),
      row({
        ...base,
        metric: 'real change of the middle base view',
        unit: 'statements',
        baseline: s(nums(t, (m) => m.changeDdl)),
        library: s(nums(p, (m) => m.changeDdl)),
        ...(big && {
          target: 'affected subtree only (<= 8 incl. matview index)',
          met: nums(p, (m) => m.changeDdl).every((n) => n <= 8) && p.every((m) => m.changeApplied),
        }),
      }),
    );
    const wrong = [...t, ...p].filter((m) => m.changeApplied === false).length;
    if (wrong) notes.push(`${g}: ${wrong} measurement(s) did not apply the real change`);
    const firstErr = got['typeorm-shuffled'].find((m) => m.firstError)?.firstError;
    if (firstErr) notes.push(`${g}: TypeORM's first sync in shuffled order failed with: ${firstErr}`);
    const pgErr =
      got['pgview-shuffled'].find((m) => m.firstError)?.firstError ?? p.find((m) => m.firstError)?.firstError;
    if (pgErr) notes.push(`${g}: syncViews failed with: ${pgErr}`);
    if (p[0]?.changeStatements)
      notes.push(`${g}: syncViews for the real change ran: ${p[0].changeStatements.join(' | ')}`);
    for (const [k, ms] of Object.entries(got)) {
      samples[`${count}-${k}-first`] = nums(ms, (m) => m.firstMs);
      samples[`${count}-${k}-noop`] = nums(ms, (m) => m.noopMs);
    }
  }
  return {
    id: 'sync-at-scale',
    title: 'Scenario 4: sync at scale',
    mode: quick ? 'quick' : 'full',
    parameters: {
      sizes,
      shape: 'blocks of 10: chain of 5 + fan of 5 on the chain middle; 10% materialized',
      noopRuns: NOOP_RUNS,
    },
    rows,
    samples,
    notes,
  };
}

function median(ms: Measurement[], pick: (m: Measurement) => number | undefined): number {
  return summarize(nums(ms, pick)).median;
}

function noopMedian(ms: Measurement[]): number {
  return summarize(nums(ms, (m) => m.noopMs)).median;
}
