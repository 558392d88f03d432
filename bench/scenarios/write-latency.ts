// Scenario 1, write latency with auto-refresh: repository.save() of one row into a table that a
// materialized view (grouped over many rows) reads. (a) no refresh; (b) the hand-written approach, an
// afterTransactionCommit subscriber that awaits REFRESH; (c) enableAutoRefresh, which refreshes after the
// commit without making the writer wait.
import type { DataSource, EntitySubscriberInterface } from 'typeorm';
import { enableAutoRefresh, syncViews } from '../../src';
import { BenchDatabase } from '../lib/database';
import { createOrders, NaiveRefreshSubscriber, Orders, orderTotalsView, saveOrder } from '../lib/orders';
import { row, type ScenarioResult } from '../lib/report';
import { now, seededRandom, sleep, summarize } from '../lib/stats';

type Variant = 'none' | 'naive' | 'auto';
const VARIANTS: Variant[] = ['none', 'naive', 'auto'];
const PlainTotals = orderTotalsView();
// maxWaitMs well under a round's length, so background refreshes run while later saves of the same round
// are measured (with a longer window they would all fall in the pause between rounds, and be charged to no
// save at all).
const TIMING = { debounceMs: 50, maxWaitMs: 250 };
const AutoTotals = orderTotalsView(TIMING);

export async function writeLatency(quick: boolean): Promise<ScenarioResult> {
  const sourceRows = quick ? 20_000 : 200_000;
  const savesPerRound = quick ? 10 : 40;
  const reps = quick ? 2 : 8;
  const pauseMs = 20;
  const db = await BenchDatabase.create('writes');
  const latencies: Record<Variant, number[]> = { none: [], naive: [], auto: [] };
  let autoRefreshes = 0;
  let commitsCoalesced = 0;
  const naive = new NaiveRefreshSubscriber();
  const sources: DataSource[] = [];
  try {
    await createOrders(db, sourceRows);
    const ds: Record<Variant, DataSource> = {
      none: await db.connect([Orders, PlainTotals]),
      naive: await db.connect([Orders, PlainTotals]),
      auto: await db.connect([Orders, AutoTotals]),
    };
    sources.push(...Object.values(ds));
    (ds.naive.subscribers as EntitySubscriberInterface[]).push(naive);
    await syncViews(ds.auto);
    const auto = await enableAutoRefresh(ds.auto, { source: 'subscriber' });
    auto.on('refresh', (e) => {
      autoRefreshes++;
      commitsCoalesced += e.commitsCoalesced;
    });
    auto.on('error', (e) => console.error(`  auto-refresh error: ${e.message}`));
    try {
      for (let rep = 0; rep < reps; rep++) {
        const order = VARIANTS.map((_, i) => VARIANTS[(i + rep) % VARIANTS.length]!);
        for (const variant of order) {
          // The same pauses for every variant of a repetition: exponential, mean pauseMs (arrivals at random).
          const random = seededRandom(rep + 1);
          for (let i = 0; i < savesPerRound; i++) {
            const start = now();
            await saveOrder(ds[variant]);
            latencies[variant].push(now() - start);
            await sleep(-Math.log(1 - random()) * pauseMs);
          }
          // Let the background refresh finish before the next variant, so it is charged to this one only.
          if (variant === 'auto') await auto.flush();
        }
        process.stderr.write(`  write latency: repetition ${rep + 1}/${reps} done\n`);
      }
    } finally {
      await auto.stop();
    }
  } finally {
    for (const s of sources) if (s.isInitialized) await s.destroy();
    await db.drop();
  }
  const none = summarize(latencies.none);
  const g = `${sourceRows / 1000}k rows`;
  const savesAuto = latencies.auto.length;
  return {
    id: 'write-latency',
    title: 'Scenario 1: write latency with auto-refresh',
    mode: quick ? 'quick' : 'full',
    parameters: { sourceRows, savesPerRound, reps, pauseMs, ...TIMING },
    rows: [
      row({
        group: g,
        metric: 'save(): naive awaited REFRESH vs none',
        unit: 'ms',
        baselineName: 'no refresh',
        baseline: none,
        library: summarize(latencies.naive),
      }),
      row({
        group: g,
        metric: 'save(): enableAutoRefresh vs none',
        unit: 'ms',
        baselineName: 'no refresh',
        baseline: none,
        library: summarize(latencies.auto),
        target: '(c)/(a) median <= 1.10',
        met: summarize(latencies.auto).median <= 1.1 * none.median,
      }),
      row({
        group: g,
        metric: 'refreshes run',
        unit: 'refreshes',
        baselineName: 'naive subscriber',
        baseline: summarize([naive.refreshes]),
        library: summarize([autoRefreshes]),
      }),
    ],
    samples: { 'save-none': latencies.none, 'save-naive': latencies.naive, 'save-auto': latencies.auto },
    notes: [
      `${savesAuto} saves per variant in rounds of ${savesPerRound}, one at a time, with random pauses (exponential, mean ${pauseMs} ms, the same for every variant); auto-refresh folded ${commitsCoalesced} commits into ${autoRefreshes} refreshes (debounceMs ${TIMING.debounceMs}, maxWaitMs ${TIMING.maxWaitMs}), most of them during a round.`,
      'The naive subscriber refreshes CONCURRENTLY (readers not blocked), awaited in afterTransactionCommit.',
    ],
  };
}
