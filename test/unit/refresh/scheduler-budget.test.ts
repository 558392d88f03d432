// The scheduler's refresh budget, adaptive windows and maxStalenessMs bound, on jest's fake clock (it
// fakes performance.now() too): every time below is exact, nothing waits on the wall clock.
import {
  RefreshScheduler,
  type Outcome,
  type SchedulerHooks,
  type ViewTiming,
} from '../../../src/refresh/auto/scheduler';

const REFRESHED: Outcome = { kind: 'refreshed', concurrently: false, durationMs: 1 };

function setup(options: {
  budget?: number;
  maxShare?: number;
  timing?: Record<string, Partial<ViewTiming>>;
  takesMs?: number;
}) {
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const starts: [string, number][] = [];
  const ends: [string, number][] = [];
  const hooks: SchedulerHooks = {
    timing: (view) => ({ debounceMs: 50, maxWaitMs: 1000, ...options.timing?.[view] }),
    ...(options.budget !== undefined ? { budget: () => options.budget! } : {}),
    ...(options.maxShare !== undefined ? { maxShare: () => options.maxShare! } : {}),
    upstream: () => new Set(),
    downstream: () => new Set(),
    run: (view) => {
      starts.push([view, now()]);
      return new Promise((resolve) =>
        setTimeout(() => {
          ends.push([view, now()]);
          resolve(REFRESHED);
        }, options.takesMs ?? 100),
      );
    },
    refreshed: () => undefined,
    failed: () => undefined,
    lockRetryMs: 30,
    backoffMs: () => 100,
  };
  const scheduler = new RefreshScheduler(hooks);
  return { scheduler, starts, ends, now, advance: (ms: number) => jest.advanceTimersByTimeAsync(ms) };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('the budget', () => {
  it('runs at most `budget` refreshes at once; the rest queue, earliest deadline first', async () => {
    const s = setup({ budget: 2, timing: { late: { maxWaitMs: 5000 }, soon: { maxWaitMs: 60 } } });
    for (const view of ['a', 'b', 'late', 'soon']) s.scheduler.mark(view, ['t'], 1);
    await s.advance(50);
    expect(s.starts).toEqual([
      ['a', 50],
      ['b', 50],
    ]);
    // 'soon' was due at 50 too, but one queued view already widened its window (to 55) under the pressure.
    await s.advance(10);
    expect(s.scheduler.load()).toMatchObject({ queued: 2, running: 2, budget: 2, pressure: 1 });
    // Both places free at 150: 'soon' (deadline 60) before 'late' (deadline 5000).
    await s.advance(90);
    expect(s.starts.slice(2)).toEqual([
      ['soon', 150],
      ['late', 150],
    ]);
    await s.advance(100);
    expect(s.scheduler.load()).toMatchObject({ queued: 0, running: 0 });
  });

  it('pendingSince covers a view waiting in the queue', async () => {
    const s = setup({ budget: 1 });
    s.scheduler.mark('a', ['t'], 1);
    s.scheduler.mark('b', ['t'], 1);
    await s.advance(60);
    expect(s.scheduler.pendingSince('b')).toBe(s.scheduler.pendingSince('a'));
    await s.advance(200);
    expect(s.scheduler.pendingSince('b')).toBeUndefined();
  });

  it('flush() waits for queued views too', async () => {
    const s = setup({ budget: 1 });
    for (const view of ['a', 'b', 'c']) s.scheduler.mark(view, ['t'], 1);
    const flushed = s.scheduler.flush();
    await s.advance(300);
    await flushed;
    expect(s.ends.map(([v]) => v).sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('adaptive windows', () => {
  it('with no pressure a view refreshes debounceMs after its last change', async () => {
    const s = setup({ budget: 2, takesMs: 10 });
    s.scheduler.mark('v', ['t'], 1);
    await s.advance(50);
    expect(s.starts).toEqual([['v', 50]]);
  });

  it('under pressure the debounce widens toward maxWaitMs, never past it', async () => {
    const s = setup({ budget: 1, takesMs: 2000 });
    s.scheduler.mark('busy', ['t'], 1);
    await s.advance(50); // 'busy' runs until 2050 and holds the only place
    s.scheduler.mark('q', ['t'], 1);
    await s.advance(50);
    expect(s.scheduler.load().queued).toBe(1); // 'q' due, waiting: pressure 1
    s.scheduler.mark('w', ['t'], 1);
    expect(s.scheduler.windowOf('w')).toEqual({ debounceMs: 1000, maxWaitMs: 1000 });
    // Without pressure 'w' would be due at 150; widened, it is not queued before 1100.
    await s.advance(100);
    expect(s.scheduler.load().queued).toBe(1);
    await s.advance(1000);
    expect(s.scheduler.load().queued).toBe(2);
    await s.advance(3000);
    expect(s.starts).toEqual([
      ['busy', 50],
      ['q', 2050],
      ['w', 4050],
    ]);
  });
});

describe('maxStalenessMs', () => {
  it('caps the window at the bound minus the recent refresh time, never below debounceMs', async () => {
    const s = setup({ takesMs: 300, timing: { v: { maxStalenessMs: 500 } } });
    expect(s.scheduler.windowOf('v', 0)).toEqual({ debounceMs: 50, maxWaitMs: 500 });
    s.scheduler.mark('v', ['t'], 1);
    await s.advance(400); // refreshed 50 -> 350: recent refresh time 300
    expect(s.scheduler.windowOf('v', 0)).toEqual({ debounceMs: 50, maxWaitMs: 200 });
    // Full pressure widens only up to that bound.
    expect(s.scheduler.windowOf('v', 1)).toEqual({ debounceMs: 200, maxWaitMs: 200 });
    // Steady changes every 40 ms: the refresh starts 200 ms after the first, so it ends by the bound.
    for (let i = 0; i < 8; i++) {
      s.scheduler.mark('v', ['t'], 1);
      await s.advance(40);
    }
    expect(s.starts[1]).toEqual(['v', 600]);
  });

  it('a bound shorter than the refresh time leaves the window at debounceMs', async () => {
    const s = setup({ takesMs: 300, timing: { v: { maxStalenessMs: 100 } } });
    s.scheduler.mark('v', ['t'], 1);
    await s.advance(400);
    expect(s.scheduler.windowOf('v', 1)).toEqual({ debounceMs: 50, maxWaitMs: 50 });
  });
});

describe('pacing (maxShare)', () => {
  /** The share of the first `ms` spent refreshing, from the recorded starts and ends. */
  const busyShare = (s: ReturnType<typeof setup>, ms: number) =>
    s.starts.reduce((sum, [, start], i) => sum + Math.min(ms, s.ends[i]?.[1] ?? ms) - Math.min(ms, start), 0) / ms;

  it('under a backlog, keeps refreshes near maxShare of the time; without it they run back to back', async () => {
    const views = Array.from({ length: 40 }, (_, i) => `v${i}`);
    const paced = setup({ budget: 1, maxShare: 0.5, takesMs: 100 });
    const unpaced = setup({ budget: 1, takesMs: 100 });
    for (const s of [paced, unpaced]) for (const view of views) s.scheduler.mark(view, ['t'], 1);
    await paced.advance(4000);
    // Both run on one fake clock: the unpaced scheduler's refreshes advanced with it.
    const share = busyShare(paced, 4000);
    expect(busyShare(unpaced, 4000)).toBeGreaterThan(0.75);
    expect(share).toBeGreaterThan(0.4);
    expect(share).toBeLessThanOrEqual(0.55);
    // Every view is still refreshed, later.
    await paced.advance(10_000);
    expect(new Set(paced.starts.map(([v]) => v)).size).toBe(40);
    const stopped = Promise.all([paced.scheduler.stop(), unpaced.scheduler.stop()]);
    await paced.advance(100);
    await stopped;
  });

  it('never holds back a flush', async () => {
    const s = setup({ budget: 1, maxShare: 0.2, takesMs: 100 });
    for (const view of ['a', 'b', 'c', 'd']) s.scheduler.mark(view, ['t'], 1);
    const flushed = s.scheduler.flush();
    await s.advance(400);
    await flushed;
    // Back to back: 4 refreshes of 100 ms in 400 ms.
    expect(s.ends.map(([, at]) => at)).toEqual([100, 200, 300, 400]);
  });

  it('stop() clears the pacing timer', async () => {
    const s = setup({ budget: 1, maxShare: 0.5, takesMs: 100 });
    for (const view of ['a', 'b', 'c']) s.scheduler.mark(view, ['t'], 1);
    await s.advance(200);
    const stopped = s.scheduler.stop();
    await s.advance(100); // the refresh running ends
    await stopped;
    expect(jest.getTimerCount()).toBe(0);
  });
});
