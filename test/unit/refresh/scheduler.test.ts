// RefreshScheduler on jest's fake clock (it fakes performance.now() too, which the scheduler reads), so
// every time below is exact and no test waits on the wall clock. Refreshes are scripted `run` results.
import { RefreshScheduler, type Batch, type Outcome, type SchedulerHooks } from '../../../src/refresh/auto/scheduler';

type Script = (batch: Batch) => Outcome | Promise<Outcome>;

const REFRESHED: Outcome = { kind: 'refreshed', concurrently: false, durationMs: 1 };
const LOCK_RETRY_MS = 30;
/** 100, 200, 400, ... */
const backoffMs = (n: number) => 100 * 2 ** (n - 1);

interface Seen {
  view: string;
  at: number;
  tables: string[];
  commits: number;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A run that stays in flight until the test settles it. */
function held() {
  const d = deferred<Outcome>();
  return { script: () => d.promise, finish: (outcome: Outcome = REFRESHED) => d.resolve(outcome), fail: d.reject };
}

/** A refresh that takes `ms` on the fake clock. */
const takes =
  (ms: number): Script =>
  () =>
    new Promise((resolve) => setTimeout(() => resolve(REFRESHED), ms));

const fail =
  (message: string): Script =>
  () =>
    Promise.reject(new Error(message));

function setup(
  options: {
    /** Per view; default debounce 50 ms, maximum wait 200 ms. */
    timing?: Record<string, { debounceMs?: number; maxWaitMs?: number }>;
    /** view -> auto-refreshed views it reads. */
    reads?: Record<string, string[]>;
  } = {},
) {
  const reads = options.reads ?? {};
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const seen = (view: string, batch: Batch): Seen => ({
    view,
    at: now(),
    tables: [...batch.tables].sort(),
    commits: batch.commits,
  });
  const runs: Seen[] = [];
  const refreshes: Seen[] = [];
  const failures: (Seen & { attempt: number; retryInMs: number; error: unknown })[] = [];
  const scripts = new Map<string, Script[]>();
  const hooks: SchedulerHooks = {
    timing: (view) => ({ debounceMs: 50, maxWaitMs: 200, ...options.timing?.[view] }),
    upstream: (view) => new Set(reads[view] ?? []),
    downstream: (view) => new Set(Object.keys(reads).filter((v) => reads[v]!.includes(view))),
    run: (view, batch) => {
      runs.push(seen(view, batch));
      const script = scripts.get(view)?.shift();
      return Promise.resolve(script ? script(batch) : REFRESHED);
    },
    refreshed: (view, batch) => void refreshes.push(seen(view, batch)),
    failed: (view, batch, error, attempt, retryInMs) =>
      void failures.push({ ...seen(view, batch), attempt, retryInMs, error }),
    lockRetryMs: LOCK_RETRY_MS,
    backoffMs,
  };
  const scheduler = new RefreshScheduler(hooks);
  return {
    scheduler,
    hooks,
    runs,
    refreshes,
    failures,
    now,
    /** The next runs of `view` do this, in order; later ones refresh at once. */
    script: (view: string, ...next: Script[]) => scripts.set(view, [...(scripts.get(view) ?? []), ...next]),
    mark: (view: string, tables: string[], commits = 1) => scheduler.mark(view, tables, commits),
    /** Moves the fake clock, running due timers and the promise callbacks they cause. */
    advance: (ms: number) => jest.advanceTimersByTimeAsync(ms),
    /** A promise's state, without waiting for it. */
    track: (promise: Promise<void>) => {
      const state = { done: false };
      void promise.then(() => (state.done = true));
      return state;
    },
  };
}

const at = (runs: Seen[]) => runs.map((r) => [r.view, r.at]);

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('the clock', () => {
  // The scheduler measures windows on performance.now(), which never jumps; jest's setSystemTime moves
  // Date.now() only (timers stay put), like an NTP step or a changed time zone on a real machine.
  it('keeps a due refresh on time when the wall clock jumps back an hour', async () => {
    const s = setup();
    s.mark('v', ['a']);
    await s.advance(20);
    jest.setSystemTime(Date.now() - 3_600_000);
    await s.advance(30);
    expect(at(s.runs)).toEqual([['v', 50]]);
  });

  it('does not count a forward jump of the wall clock as quiet time or as waiting', async () => {
    const s = setup();
    s.mark('v', ['a']);
    await s.advance(20);
    jest.setSystemTime(Date.now() + 3_600_000);
    s.mark('v', ['b']); // 20 ms after the first change, not an hour: the window goes on
    await s.advance(49);
    expect(s.runs).toEqual([]);
    await s.advance(1);
    expect(s.runs).toEqual([{ view: 'v', at: 70, tables: ['a', 'b'], commits: 2 }]);
  });
});

describe('debounce and maximum wait', () => {
  it('folds N changes inside the window into one run: commits = N, tables = their union', async () => {
    const s = setup();
    s.mark('v', ['a']);
    await s.advance(20);
    s.mark('v', ['b']);
    await s.advance(20);
    s.mark('v', ['a', 'c']);
    await s.advance(49);
    expect(s.runs).toEqual([]); // 50 ms after the last change, not the first
    await s.advance(1);
    expect(s.runs).toEqual([{ view: 'v', at: 90, tables: ['a', 'b', 'c'], commits: 3 }]);
    await s.advance(10_000);
    expect(s.runs).toHaveLength(1);
    expect(s.refreshes).toEqual(s.runs);
    expect(s.scheduler.busy).toBe(false);
  });

  it('under continuous changes runs no later than maxWaitMs after the first change of a window', async () => {
    const s = setup();
    for (let i = 0; i < 50; i++) {
      s.mark('v', ['a']); // at 0, 10, ..., 490: never 50 ms of quiet
      await s.advance(10);
    }
    await s.advance(100);
    expect(s.runs.map((r) => [r.at, r.commits])).toEqual([
      [200, 20], // changes at 0..190
      [400, 20], // changes at 200..390
      [540, 10], // changes at 400..490, then 50 ms of quiet
    ]);
  });

  it('uses each view’s own timing', async () => {
    const s = setup({ timing: { fast: { debounceMs: 5, maxWaitMs: 5 }, slow: { debounceMs: 300, maxWaitMs: 1000 } } });
    s.mark('slow', ['t']);
    s.mark('v', ['t']);
    s.mark('fast', ['t']);
    await s.advance(1000);
    expect(at(s.runs)).toEqual([
      ['fast', 5],
      ['v', 50],
      ['slow', 300],
    ]);
  });

  it('never keeps the process alive, and leaves no timer behind once idle', async () => {
    const setTimeoutSpy = jest.spyOn(globalThis, 'setTimeout');
    const s = setup();
    s.script('v', fail('boom'), () => ({ kind: 'busy' }));
    s.mark('v', ['a']);
    expect(jest.getTimerCount()).toBe(1);
    await s.advance(50 + 100 + LOCK_RETRY_MS); // a window, a backoff, a lock wait
    expect(s.refreshes).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(0);
    const timers = setTimeoutSpy.mock.results.map((r) => r.value as NodeJS.Timeout);
    expect(timers).toHaveLength(3);
    expect(timers.filter((t) => t.hasRef())).toEqual([]);
  });
});

describe('one refresh in flight per view', () => {
  it('changes arriving while a refresh runs cause exactly one trailing refresh', async () => {
    const s = setup();
    const first = held();
    s.script('v', first.script);
    s.mark('v', ['a']);
    await s.advance(50);
    expect(at(s.runs)).toEqual([['v', 50]]);
    for (const t of ['b', 'c', 'b', 'a']) {
      await s.advance(10);
      s.mark('v', [t]);
    }
    await s.advance(1000); // far past the trailing batch's window: still waiting for the first run
    expect(s.runs).toHaveLength(1);
    first.finish();
    await s.advance(0);
    expect(s.runs).toEqual([
      { view: 'v', at: 50, tables: ['a'], commits: 1 },
      { view: 'v', at: 1090, tables: ['a', 'b', 'c'], commits: 4 },
    ]);
    await s.advance(10_000);
    expect(s.runs).toHaveLength(2);
    expect(s.refreshes.map((r) => r.commits)).toEqual([1, 4]);
  });

  it('a trailing refresh still waits for the window of its own changes', async () => {
    const s = setup();
    const first = held();
    s.script('v', first.script);
    s.mark('v', ['a']);
    await s.advance(55);
    s.mark('v', ['b']); // at 55, during the run
    await s.advance(5);
    first.finish(); // at 60
    await s.advance(44);
    expect(s.runs).toHaveLength(1);
    await s.advance(1);
    expect(at(s.runs)).toEqual([
      ['v', 50],
      ['v', 105],
    ]);
  });

  it('views do not wait for each other', async () => {
    const s = setup();
    const v = held();
    s.script('v', v.script);
    s.mark('v', ['a']);
    await s.advance(10);
    s.mark('w', ['a']);
    await s.advance(100);
    expect(at(s.runs)).toEqual([
      ['v', 50],
      ['w', 60],
    ]);
    v.finish();
  });
});

describe('views reading other auto-refreshed views', () => {
  // `down` reads `up`; a change to table t makes both stale (the watch graph follows down through up).
  const reads = { down: ['up'] };

  it('refreshes the upstream view first, then the downstream one once, with the upstream as a change', async () => {
    const s = setup({ reads, timing: { down: { debounceMs: 10 } } });
    const up = held();
    s.script('up', up.script);
    s.mark('down', ['t']);
    s.mark('up', ['t']);
    await s.advance(100); // down's own window ended at 10; up runs at 50 and is still running
    expect(at(s.runs)).toEqual([['up', 50]]);
    up.finish();
    await s.advance(10); // down was marked stale again at 100: its window restarts
    expect(s.runs).toEqual([
      { view: 'up', at: 50, tables: ['t'], commits: 1 },
      { view: 'down', at: 110, tables: ['t', 'up'], commits: 1 },
    ]);
    await s.advance(10_000);
    expect(s.runs).toHaveLength(2);
  });

  it('a refreshed upstream view makes its downstream views stale even with no change of their own', async () => {
    const s = setup({ reads });
    s.mark('up', ['t']);
    await s.advance(1000);
    expect(s.refreshes).toEqual([
      { view: 'up', at: 50, tables: ['t'], commits: 1 },
      { view: 'down', at: 100, tables: ['up'], commits: 0 },
    ]);
  });

  it('an upstream refresh that was covered elsewhere does not make the downstream view stale', async () => {
    const s = setup({ reads });
    s.script('up', () => ({ kind: 'covered' }));
    s.mark('up', ['t']);
    await s.advance(1000);
    expect(at(s.runs)).toEqual([['up', 50]]);
  });

  it('a failing upstream view does not hold the downstream one back', async () => {
    const s = setup({ reads, timing: { down: { debounceMs: 10 } } });
    s.script('up', fail('up is broken'));
    s.mark('down', ['t']);
    s.mark('up', ['t']);
    await s.advance(50);
    expect(at(s.runs)).toEqual([
      ['up', 50],
      ['down', 50],
    ]);
    expect(s.failures.map((f) => [f.view, f.attempt])).toEqual([['up', 1]]);
  });

  it('steady changes to the upstream view do not hold the downstream one back past its maximum wait', async () => {
    // Every upstream refresh ends with changes pending for the next one: "wait while upstream has work"
    // would never let `down` run.
    const s = setup({ reads });
    s.script('up', ...Array.from({ length: 20 }, () => takes(30)));
    for (let i = 0; i < 200; i++) {
      s.mark('up', ['t']); // a write to t makes both stale
      s.mark('down', ['t']);
      await s.advance(10);
    }
    const times = (view: string) => s.runs.filter((r) => r.view === view).map((r) => r.at);
    expect(times('up')).toEqual([200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000]);
    // Each time right after the upstream refresh it waited for, so it reads what that one wrote.
    expect(times('down')).toEqual([230, 430, 630, 830, 1030, 1230, 1430, 1630, 1830]);
  });

  it('an upstream refresh longer than the maximum wait does not hold the downstream one back either', async () => {
    const s = setup({ reads });
    s.script('up', ...Array.from({ length: 5 }, () => takes(500)));
    for (let i = 0; i < 200; i++) {
      s.mark('up', ['t']);
      s.mark('down', ['t']);
      await s.advance(10);
    }
    // Back to back: each one ends with the next one due.
    expect(at(s.runs)).toEqual([
      ['up', 200],
      ['up', 700], // started after down's window (0..200) ended: down does not wait for this one
      ['down', 700],
      ['up', 1200],
      ['down', 1200],
      ['up', 1700],
      ['down', 1700],
    ]);
  });

  it('stops waiting as soon as the upstream refresh is no longer due within its own window', async () => {
    // down's change (a table only it watches) is due at 50, its window ends at 200; up's window is longer.
    const s = setup({ reads, timing: { up: { maxWaitMs: 1000 } } });
    s.mark('down', ['payments']);
    for (let i = 0; i < 20; i++) {
      s.mark('up', ['t']); // at 160 up's refresh moves to 210
      await s.advance(10);
    }
    expect(at(s.runs)).toEqual([['down', 160]]);
  });

  it('a chain refreshes in order: a, then b, then c', async () => {
    const s = setup({ reads: { b: ['a'], c: ['a', 'b'] } });
    for (const v of ['c', 'b', 'a']) s.mark(v, ['t']);
    await s.advance(1000);
    expect(at(s.runs)).toEqual([
      ['a', 50],
      ['b', 100],
      ['c', 150],
    ]);
  });
});

describe('outcomes', () => {
  it("'covered': nothing reported, nothing retried, nothing left pending", async () => {
    const s = setup();
    s.script('v', () => ({ kind: 'covered' }));
    s.mark('v', ['a']);
    await s.advance(10_000);
    expect(at(s.runs)).toEqual([['v', 50]]);
    expect(s.refreshes).toEqual([]);
    expect(s.failures).toEqual([]);
    expect(s.scheduler.busy).toBe(false);
  });

  it("'busy' (another process holds the lock): the same batch is asked again lockRetryMs later", async () => {
    const s = setup();
    s.script(
      'v',
      () => ({ kind: 'busy' }),
      () => ({ kind: 'busy' }),
    );
    s.mark('v', ['a'], 2);
    await s.advance(50 + LOCK_RETRY_MS * 2 - 1);
    expect(s.runs.map((r) => r.at)).toEqual([50, 80]);
    await s.advance(1);
    expect(s.runs.map((r) => r.at)).toEqual([50, 80, 110]);
    expect(s.refreshes).toEqual([{ view: 'v', at: 110, tables: ['a'], commits: 2 }]);
    expect(s.failures).toEqual([]); // being busy is no failure
  });

  it("'busy': changes arriving meanwhile join the retried batch", async () => {
    const s = setup({ timing: { v: { debounceMs: 1 } } });
    s.script('v', () => ({ kind: 'busy' }));
    s.mark('v', ['a']);
    await s.advance(5);
    s.mark('v', ['b']); // its window ends at 7, the lock wait at 31
    await s.advance(25);
    expect(s.runs).toHaveLength(1);
    await s.advance(1);
    expect(s.runs[1]).toEqual({ view: 'v', at: 31, tables: ['a', 'b'], commits: 2 });
  });

  it('a failing refresh is reported with attempt numbers and backoff, retried on that schedule, and a new change retries within its window', async () => {
    const s = setup();
    s.script('v', fail('boom 1'), fail('boom 2'), fail('boom 3'));
    s.mark('v', ['a']);
    await s.advance(400);
    expect(s.failures.map((f) => [f.at, f.attempt, f.retryInMs, (f.error as Error).message])).toEqual([
      [50, 1, 100, 'boom 1'],
      [150, 2, 200, 'boom 2'],
      [350, 3, 400, 'boom 3'], // next try due at 750
    ]);
    expect(s.failures.every((f) => f.tables.join() === 'a' && f.commits === 1)).toBe(true);
    s.mark('v', ['b']); // at 400: may be the fix; no waiting out the backoff, just the debounce
    await s.advance(49);
    expect(s.runs.map((r) => r.at)).toEqual([50, 150, 350]);
    await s.advance(1);
    expect(s.runs.map((r) => r.at)).toEqual([50, 150, 350, 450]);
    expect(s.refreshes).toEqual([{ view: 'v', at: 450, tables: ['a', 'b'], commits: 2 }]);

    // Success reset the count: the next failure is attempt 1 again.
    s.script('v', fail('boom 4'));
    s.mark('v', ['a']);
    await s.advance(50);
    expect(s.failures.at(-1)).toMatchObject({ at: 500, attempt: 1, retryInMs: 100 });
    await s.advance(10_000);
    expect(s.runs.map((r) => r.at)).toEqual([50, 150, 350, 450, 500, 600]);
  });

  it('steady writes retry a broken view once per maximum wait, not back to back', async () => {
    const s = setup(); // debounce 50, maximum wait 200; backoff 100, 200, 400, ...
    s.script('v', ...Array.from({ length: 50 }, () => fail('broken')));
    const writes = setInterval(() => s.mark('v', ['a']), 10);
    try {
      await s.advance(1000);
    } finally {
      clearInterval(writes);
    }
    // First try at 200 (maximum wait from the first change at 10), then every 200 ms after each failure.
    expect(s.runs.map((r) => r.at)).toEqual([210, 410, 610, 810]);
  });

  it('without a new change, a failing view succeeds at its scheduled retry', async () => {
    const s = setup();
    s.script('v', fail('boom'));
    s.mark('v', ['a']);
    await s.advance(149);
    expect(s.refreshes).toEqual([]);
    await s.advance(1);
    expect(s.refreshes).toEqual([{ view: 'v', at: 150, tables: ['a'], commits: 1 }]);
  });

  it('a view being retried after a failure keeps waiting for the lock when a change arrives', async () => {
    const s = setup({ timing: { v: { debounceMs: 1 } } });
    s.script('v', fail('boom'), () => ({ kind: 'busy' }));
    s.mark('v', ['a']);
    await s.advance(101); // failed at 1, busy at 101: next ask at 131
    s.mark('v', ['b']);
    await s.advance(29);
    expect(s.runs.map((r) => r.at)).toEqual([1, 101]);
    await s.advance(1);
    expect(s.runs.map((r) => r.at)).toEqual([1, 101, 131]);
  });

  it('a run that throws synchronously is a failure like any other', async () => {
    const s = setup();
    s.script('v', () => {
      throw new Error('sync');
    });
    s.mark('v', ['a']);
    await s.advance(150);
    expect(s.failures.map((f) => [f.at, f.attempt])).toEqual([[50, 1]]);
    expect(s.refreshes.map((r) => r.at)).toEqual([150]);
  });

  it('hooks that throw do not break scheduling', async () => {
    const s = setup({ reads: { down: ['up'] } });
    const refreshed = jest.fn(() => {
      throw new Error('listener bug');
    });
    const failed = jest.fn(() => {
      throw new Error('listener bug');
    });
    s.hooks.refreshed = refreshed;
    s.hooks.failed = failed;
    s.script('up', fail('boom'));
    s.mark('up', ['t']);
    await s.advance(1000);
    expect(failed).toHaveBeenCalledTimes(1);
    expect(at(s.runs)).toEqual([
      ['up', 50],
      ['up', 150],
      ['down', 200], // still made stale by up's refresh
    ]);
    expect(refreshed).toHaveBeenCalledTimes(2);
  });
});

describe('flush', () => {
  it('runs every pending refresh now, ignoring windows, and resolves when they are done', async () => {
    const s = setup({ timing: { w: { debounceMs: 500, maxWaitMs: 1000 } } });
    const v = held();
    s.script('v', v.script);
    s.mark('v', ['a']);
    s.mark('w', ['b']);
    await s.advance(10);
    const flushed = s.track(s.scheduler.flush());
    await s.advance(0);
    expect(at(s.runs)).toEqual([
      ['v', 10],
      ['w', 10],
    ]);
    expect(flushed.done).toBe(false); // v is still running
    v.finish();
    await s.advance(0);
    expect(flushed.done).toBe(true);
    expect(s.now()).toBe(10);
    await s.advance(10_000);
    expect(s.runs).toHaveLength(2);
  });

  it('resolves at once when nothing is pending', async () => {
    const s = setup();
    const flushed = s.track(s.scheduler.flush());
    await s.advance(0);
    expect(flushed.done).toBe(true);
  });

  it('waits for the trailing refresh of changes made during a running one, without its window', async () => {
    const s = setup();
    const first = held();
    s.script('v', first.script);
    s.mark('v', ['a']);
    await s.advance(50);
    s.mark('v', ['b']);
    const flushed = s.track(s.scheduler.flush());
    first.finish();
    await s.advance(0);
    expect(s.runs.map((r) => [r.at, r.tables])).toEqual([
      [50, ['a']],
      [50, ['b']],
    ]);
    expect(flushed.done).toBe(true);
  });

  it('refreshes upstream before downstream, and the downstream view after the upstream one changed it', async () => {
    const s = setup({ reads: { down: ['up'] } });
    s.mark('down', ['t']);
    s.mark('up', ['t']);
    await s.scheduler.flush();
    expect(s.runs).toEqual([
      { view: 'up', at: 0, tables: ['t'], commits: 1 },
      { view: 'down', at: 0, tables: ['t', 'up'], commits: 1 },
    ]);
  });

  it('does not wait for a view that fails during the flush: it is reported and keeps its backoff', async () => {
    const s = setup();
    s.script('v', fail('boom'));
    s.mark('v', ['a']);
    s.mark('w', ['b']);
    const flushed = s.track(s.scheduler.flush());
    await s.advance(0);
    expect(flushed.done).toBe(true);
    expect(s.failures.map((f) => [f.view, f.at, f.attempt])).toEqual([['v', 0, 1]]);
    expect(s.refreshes.map((r) => r.view)).toEqual(['w']);
    expect(s.scheduler.busy).toBe(true); // v is still pending, on its retry schedule
    await s.advance(99);
    expect(s.runs).toHaveLength(2);
    await s.advance(1);
    expect(s.refreshes.map((r) => [r.view, r.at])).toEqual([
      ['w', 0],
      ['v', 100],
    ]);
  });

  it('a later flush runs a failing view again at once', async () => {
    const s = setup();
    s.script('v', fail('boom 1'), fail('boom 2'));
    s.mark('v', ['a']);
    await s.scheduler.flush();
    await s.advance(10);
    await s.scheduler.flush(); // not waiting for the retry at 100
    expect(s.failures.map((f) => [f.at, f.attempt, f.retryInMs])).toEqual([
      [0, 1, 100],
      [10, 2, 200],
    ]);
  });

  it('waits for a view whose lock another process holds', async () => {
    const s = setup();
    s.script('v', () => ({ kind: 'busy' }));
    s.mark('v', ['a']);
    const flushed = s.track(s.scheduler.flush());
    await s.advance(LOCK_RETRY_MS - 1);
    expect(flushed.done).toBe(false);
    await s.advance(1);
    expect(flushed.done).toBe(true);
    expect(s.refreshes.map((r) => r.at)).toEqual([LOCK_RETRY_MS]);
  });

  it('ends under steady writes: it waits for the changes made before it, and later ones keep their window', async () => {
    const s = setup(); // debounce 50, maximum wait 200
    s.script('v', takes(30), takes(30), takes(30));
    const writes = setInterval(() => s.mark('v', ['a']), 10);
    try {
      await s.advance(100); // changes at 10, 20, ... 100: nothing due before 210
      const flushed = s.track(s.scheduler.flush());
      await s.advance(29);
      expect(flushed.done).toBe(false);
      await s.advance(1);
      expect(flushed.done).toBe(true); // its refresh ran from 100 to 130; writes go on
      await s.advance(300);
      // After the flush, the window is back: the next run waits the maximum wait from its first change
      // (at 110), instead of refreshes back to back while the writes never pause.
      expect(at(s.runs)).toEqual([
        ['v', 100],
        ['v', 310],
      ]);
    } finally {
      clearInterval(writes);
    }
  });

  it('also waits for the views downstream of what it refreshed', async () => {
    const s = setup({ reads: { down: ['up'] } });
    s.script('up', takes(30));
    s.script('down', takes(40));
    s.mark('up', ['t']);
    const flushed = s.track(s.scheduler.flush());
    await s.advance(69);
    expect(flushed.done).toBe(false);
    await s.advance(1);
    expect(flushed.done).toBe(true);
    expect(s.runs.map((r) => [r.view, r.at, r.tables])).toEqual([
      ['up', 0, ['t']],
      ['down', 30, ['up']],
    ]);
  });

  it('does not hold a downstream view pending at the call back for upstream changes made after it', async () => {
    const s = setup({ reads: { down: ['up'] } }); // debounce 50, maximum wait 200
    s.script('up', takes(30), takes(30));
    s.script('down', takes(30), takes(30));
    s.mark('up', ['t']);
    s.mark('down', ['t']);
    await s.advance(10);
    const flushed = s.track(s.scheduler.flush());
    await s.advance(5);
    s.mark('up', ['t2']); // after the call: keeps its window
    s.mark('down', ['t2']);
    await s.advance(55);
    expect(flushed.done).toBe(true); // up 10-40, then down 40-70
    expect(s.runs.slice(0, 2).map((r) => [r.view, r.at, r.tables])).toEqual([
      ['up', 10, ['t']],
      ['down', 40, ['t', 't2', 'up']],
    ]);
    await s.advance(500);
    expect(at(s.runs).slice(2)).toEqual([
      ['up', 65], // t2, by its debounce
      ['down', 145], // stale again after up's refresh ended at 95: its own debounce
    ]);
  });

  it('a flush called while an earlier one runs retries a view that failed during the earlier one', async () => {
    const s = setup();
    const w = held();
    s.script('w', w.script);
    s.script('v', fail('broken'));
    s.mark('v', ['a']);
    s.mark('w', ['b']);
    const first = s.track(s.scheduler.flush()); // v fails at 0; w keeps running
    await s.advance(10);
    s.mark('v', ['fix']);
    const second = s.track(s.scheduler.flush()); // at 10: v's change came before this call
    await s.advance(0);
    expect(at(s.runs)).toEqual([
      ['v', 0],
      ['w', 0],
      ['v', 10],
    ]);
    expect(second.done).toBe(false); // it waits for w too: w's change also came before its call
    w.finish();
    await s.advance(0);
    expect([first.done, second.done]).toEqual([true, true]);
    expect(s.refreshes.map((r) => [r.view, r.at, r.tables])).toEqual([
      ['v', 10, ['a', 'fix']],
      ['w', 10, ['b']],
    ]);
  });

  it('resolves when the scheduler is stopped meanwhile', async () => {
    const s = setup();
    const v = held();
    s.script('v', v.script);
    s.mark('v', ['a']);
    s.mark('v', ['b']);
    await s.advance(50);
    s.mark('v', ['c']);
    const flushed = s.track(s.scheduler.flush());
    const stopped = s.track(s.scheduler.stop());
    await s.advance(0);
    expect(flushed.done).toBe(true);
    expect(stopped.done).toBe(false);
    v.finish();
    await s.advance(0);
    expect(stopped.done).toBe(true);
  });
});

describe('stop', () => {
  it('drops pending changes and ignores later ones', async () => {
    const s = setup();
    s.mark('v', ['a']);
    await s.advance(10);
    await s.scheduler.stop();
    expect(jest.getTimerCount()).toBe(0);
    s.mark('v', ['b']);
    await s.scheduler.flush();
    await s.advance(10_000);
    expect(s.runs).toEqual([]);
    expect(s.scheduler.busy).toBe(false);
    await s.scheduler.stop(); // twice is harmless
  });

  it('waits for a refresh already running, then starts nothing more', async () => {
    const s = setup({ reads: { down: ['up'] } });
    const up = held();
    s.script('up', up.script);
    s.mark('up', ['a']);
    await s.advance(50);
    s.mark('up', ['b']); // would be a trailing refresh
    const stopped = s.track(s.scheduler.stop());
    await s.advance(1000);
    expect(stopped.done).toBe(false);
    up.finish();
    await s.advance(0);
    expect(stopped.done).toBe(true);
    await s.advance(10_000);
    expect(at(s.runs)).toEqual([['up', 50]]); // no trailing run, no downstream run
  });

  it('does not retry a refresh that was running when stopped and then failed or met a busy lock', async () => {
    const s = setup();
    const v = held();
    const w = held();
    s.script('v', v.script);
    s.script('w', w.script);
    s.mark('v', ['a']);
    s.mark('w', ['a']);
    await s.advance(50);
    const stopped = s.scheduler.stop();
    v.fail(new Error('connection closed'));
    w.finish({ kind: 'busy' });
    await stopped;
    await s.advance(10_000);
    expect(s.runs).toHaveLength(2);
    expect(s.scheduler.busy).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
  });
});
