// RefreshScheduler's promises checked on random runs (seeded, so every run is the same): a 4-view graph
// with random reads, timing, refresh lengths, failures, busy locks, writes and overlapping flushes, on
// jest's fake clock. After each run: no change is lost; every flush resolved; a flush resolved only once
// every change made before its call was refreshed (unless that view failed during the flush), and so was
// every view downstream of what it refreshed.
import { RefreshScheduler, type Batch, type Outcome, type SchedulerHooks } from '../../../src/refresh/auto/scheduler';

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

interface Run {
  view: string;
  start: number;
  end?: number;
  tables: string[];
  kind?: string;
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

const SEEDS = Number(process.env.SCHEDULER_SEEDS ?? 200);

for (let seed = 1; seed <= SEEDS; seed++) {
  it(`seed ${seed}`, async () => {
    const r = rng(seed);
    const views = ['a', 'b', 'c', 'd'];
    // DAG: each view reads some earlier ones
    const reads: Record<string, string[]> = {};
    for (let i = 0; i < views.length; i++) reads[views[i]!] = views.slice(0, i).filter(() => r() < 0.4);
    const timing: Record<string, { debounceMs: number; maxWaitMs: number }> = {};
    for (const v of views) {
      const d = Math.floor(r() * 60) + 1;
      timing[v] = { debounceMs: d, maxWaitMs: d + Math.floor(r() * 300) };
    }
    const t0 = performance.now();
    const now = () => performance.now() - t0;
    const runs: Run[] = [];
    let failuresLeft = 6;
    let busyLeft = 6;
    const stopAt = 3000; // after this no more failures/busy, so everything must settle
    const hooks: SchedulerHooks = {
      timing: (v) => timing[v]!,
      // A budget of 1 to 3 refreshes at once, or none: queued views and widened windows keep every promise.
      ...(seed % 4 === 3 ? {} : { budget: () => 1 + (seed % 4) }),
      upstream: (v) => new Set(reads[v] ?? []),
      downstream: (v) => new Set(views.filter((w) => reads[w]!.includes(v))),
      run: (view, batch: Batch) => {
        const run: Run = { view, start: now(), tables: [...batch.tables] };
        runs.push(run);
        const ms = Math.floor(r() * 120);
        const x = r();
        let kind: Outcome['kind'] | 'fail' = 'refreshed';
        if (now() < stopAt && x < 0.15 && failuresLeft > 0) {
          kind = 'fail';
          failuresLeft--;
        } else if (now() < stopAt && x < 0.3 && busyLeft > 0) {
          kind = 'busy';
          busyLeft--;
        }
        return new Promise<Outcome>((resolve, reject) =>
          setTimeout(() => {
            run.end = now();
            run.kind = kind;
            if (kind === 'fail') reject(new Error('boom'));
            else
              resolve(kind === 'busy' ? { kind: 'busy' } : { kind: 'refreshed', concurrently: false, durationMs: ms });
          }, ms),
        );
      },
      refreshed: () => undefined,
      failed: () => undefined,
      lockRetryMs: 30,
      backoffMs: (n) => Math.min(100 * 2 ** (n - 1), 2000),
    };
    const s = new RefreshScheduler(hooks);
    const marks: { id: string; view: string; at: number }[] = [];
    const flushes: { at: number; done?: number; marksBefore: number; runsBefore: number }[] = [];
    let id = 0;
    for (let step = 0; step < 150; step++) {
      const x = r();
      if (x < 0.85) {
        // a write to a table watched by some views (a view watches what its upstream watches too)
        const v = views[Math.floor(r() * views.length)]!;
        const closure = views.filter((w) => w === v || isDownstream(w, v));
        const tag = `m${id++}`;
        for (const w of closure) {
          marks.push({ id: tag, view: w, at: now() });
          s.mark(w, [tag], 1);
        }
      } else if (x < 0.95) {
        const f = { at: now(), marksBefore: marks.length, runsBefore: runs.length } as (typeof flushes)[number];
        flushes.push(f);
        void s.flush().then(() => (f.done = now()));
      }
      await jest.advanceTimersByTimeAsync(Math.floor(r() * 40));
    }
    function isDownstream(w: string, v: string): boolean {
      return reads[w]!.some((u) => u === v || isDownstream(u, v));
    }
    await jest.advanceTimersByTimeAsync(60_000);

    // 1. no lost change: every mark is in some refreshed run that started after it
    for (const m of marks) {
      const ok = runs.some(
        (x) => x.view === m.view && x.kind === 'refreshed' && x.tables.includes(m.id) && x.start >= m.at,
      );
      if (!ok) throw new Error(`seed ${seed}: lost mark ${m.id} on ${m.view} at ${m.at}`);
    }
    // 2. every flush resolved
    for (const f of flushes) if (f.done === undefined) throw new Error(`seed ${seed}: flush at ${f.at} never resolved`);
    // 3. every flush: each earlier mark refreshed by then, unless that view failed between the call and the end
    for (const f of flushes) {
      for (const m of marks.slice(0, f.marksBefore)) {
        if (m.at > f.at) continue;
        const failedDuring = runs.some(
          (x) => x.view === m.view && x.kind === 'fail' && x.end! >= f.at && x.end! <= f.done!,
        );
        const failedBefore = runs.some((x) => x.view === m.view && x.kind === 'fail' && x.end! < f.at);
        if (failedDuring) continue;
        const ok = runs.some(
          (x) => x.view === m.view && x.kind === 'refreshed' && x.tables.includes(m.id) && x.end! <= f.done!,
        );
        if (!ok)
          throw new Error(
            `seed ${seed}: flush at ${f.at} (done ${f.done}) resolved before mark ${m.id} on ${m.view} at ${m.at} was refreshed (failedBefore=${failedBefore}, other flushes active at call: ${JSON.stringify(flushes.filter((g) => g !== f && g.at <= f.at && g.done! >= f.at).map((g) => [g.at, g.done]))}) runs=${JSON.stringify(runs.filter((x) => x.view === m.view && x.tables.includes(m.id)))}`,
          );
      }
    }
    // 4. downstream: an upstream refresh that a flush waited for (it held a pre-call mark) is followed, by
    // the flush's end, by a refresh of each downstream view started after it ended
    for (const f of flushes) {
      const pre = new Set(
        marks
          .slice(0, f.marksBefore)
          .filter((m) => m.at <= f.at)
          .map((m) => m.id),
      );
      for (const up of runs) {
        if (up.kind !== 'refreshed' || up.end! > f.done! || !up.tables.some((t) => pre.has(t))) continue;
        for (const down of views.filter((w) => reads[w]!.includes(up.view))) {
          if (runs.some((x) => x.view === down && x.kind === 'fail' && x.end! <= f.done! && x.end! >= f.at)) continue;
          const ok = runs.some(
            (x) => x.view === down && x.kind === 'refreshed' && x.start >= up.end! && x.end! <= f.done!,
          );
          if (!ok)
            throw new Error(
              `seed ${seed}: flush at ${f.at} done ${f.done}: ${up.view} refreshed ${up.start}-${up.end} but ${down} not after it; reads=${JSON.stringify(reads)} timing=${JSON.stringify(timing)} flushes=${JSON.stringify(flushes.map((g) => [g.at, g.done]).filter(([a, d]) => d! >= f.at - 500 && a! <= f.done!))} runs=${JSON.stringify(runs.filter((x) => x.end! >= f.at - 300 && x.start <= f.done! + 300).map((x) => [x.view, x.start, x.end, x.kind, x.tables.join(' ')]))}`,
            );
        }
      }
    }
  });
}
