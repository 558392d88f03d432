// When to refresh which view: per view, a debounce window bounded by a maximum wait, one refresh in
// flight, changes arriving meanwhile collected into exactly one trailing refresh, views that read other
// auto-refreshed views run after them, failures retried with exponential backoff. Across views, a budget
// of refreshes at once: views due beyond it queue (earliest deadline first), and while refreshes back up
// every window widens toward its bound (load.ts), so refresh work stays bounded and writers keep their
// share. A view's bound is its maxWaitMs, or less to keep its maxStalenessMs. No I/O here: the refresh
// itself is the `run` callback. Every timer is unref'd so it never keeps the process alive.
import { LoadMeter, type RefreshLoad } from './load';
import { boundOf, windowOf, type ViewTiming } from './window';

export type { ViewTiming };

/** Changes waiting for one view's refresh. Times are `performance.now()` milliseconds. */
export interface Batch {
  /** Display names (`schema.table`) of the tables whose changes this batch holds. */
  readonly tables: Set<string>;
  /** How many commits (or autocommitted writes) were folded into it. */
  commits: number;
  firstAt: number;
  lastAt: number;
  /**
   * Flush generation: batches begun before a `flush()` call (and refreshes of views downstream of them)
   * have an epoch at most that flush's target; it waits for those only.
   */
  epoch: number;
}

/** What a refresh attempt did. */
export type Outcome =
  | { kind: 'refreshed'; concurrently: boolean; durationMs: number }
  /** Another process's refresh, started after these changes committed, already covers them. */
  | { kind: 'covered' }
  /** Another process is refreshing this view right now: try again shortly. */
  | { kind: 'busy' }
  /** Nothing to do any more (the DataSource was destroyed or auto-refresh stopped). */
  | { kind: 'dropped' };

export interface SchedulerHooks {
  timing(view: string): ViewTiming;
  /** How many refreshes may run at once, across views (read at each start). Default: no limit. */
  budget?(): number;
  /**
   * The largest share of the budget's time refreshes may take: past it, due refreshes wait until it falls
   * back (never during a flush). Read at each start. Default: 1 (no pacing).
   */
  maxShare?(): number;
  /** Auto-refreshed views `view` reads: refreshed first when they have pending changes. */
  upstream(view: string): ReadonlySet<string>;
  /** Auto-refreshed views that read `view`: stale after it is refreshed. */
  downstream(view: string): ReadonlySet<string>;
  run(view: string, batch: Batch): Promise<Outcome>;
  refreshed(view: string, batch: Batch, outcome: Extract<Outcome, { kind: 'refreshed' }>): void;
  failed(view: string, batch: Batch, error: unknown, attempt: number, retryInMs: number): void;
  /** Delay before asking again when another process holds the view's lock. */
  lockRetryMs: number;
  /** Backoff after the n-th consecutive failure (n >= 1). */
  backoffMs(failures: number): number;
}

interface ViewState {
  pending?: Batch;
  inFlight?: Promise<void>;
  /** When the refresh in flight started, and the epoch of its batch. */
  startedAt: number;
  inFlightEpoch: number;
  /** The first change of the batch in flight (`performance.now()`). */
  inFlightFirstAt?: number;
  timer?: NodeJS.Timeout;
  failures: number;
  /** Not before this time (lock busy or backoff after a failure). */
  notBefore: number;
  /** notBefore was set because another process held the lock (a flush still waits for that). */
  lockBusy: boolean;
  /** Recent refresh time (a moving average of attempts that refreshed), 0 before the first. */
  recentMs: number;
}

/** Weight of the newest refresh in a view's recent refresh time. */
const RECENT_WEIGHT = 0.3;

export class RefreshScheduler {
  private readonly states = new Map<string, ViewState>();
  private stopped = false;
  private flushes = 0;
  /** The epoch new batches get; each flush() takes the current one as its target and moves it on. */
  private epoch = 0;
  /** The highest target of the flushes running: batches up to it run at once, later ones keep their window. */
  private flushTarget = -1;
  /**
   * Views whose refresh failed while flushes ran, with the highest flush target at that moment: those
   * flushes neither wait for them nor run them again; a flush called later (a higher target) does.
   */
  private readonly failedDuringFlush = new Map<string, number>();
  private idleWaiters: { target: number; resolve: () => void }[] = [];
  /** Views due, waiting for a place in the budget. */
  private readonly queue = new Set<string>();
  private readonly meter = new LoadMeter();
  /** Drains the queue once the refresh share has fallen back under maxShare. */
  private paceTimer?: NodeJS.Timeout;

  constructor(private readonly hooks: SchedulerHooks) {}

  /**
   * Records changes for `view` and schedules its refresh. `epoch`: the epoch of the upstream batch whose
   * refresh made `view` stale (a flush waiting for that batch waits for this refresh too).
   */
  mark(view: string, tables: Iterable<string>, commits: number, epoch = this.epoch): void {
    if (this.stopped) return;
    const state = this.stateOf(view);
    const now = performance.now();
    const batch = (state.pending ??= { tables: new Set(), commits: 0, firstAt: now, lastAt: now, epoch });
    batch.epoch = Math.min(batch.epoch, epoch);
    for (const t of tables) batch.tables.add(t);
    batch.commits += commits;
    batch.lastAt = now;
    // A new change may be what fixes a failing refresh: retry within its window, not after the backoff.
    if (commits > 0 && state.failures > 0 && !state.lockBusy) state.notBefore = 0;
    this.pump(view);
    // This view's refresh may now be due later than what a view waiting for it is willing to wait.
    for (const down of this.hooks.downstream(view)) if (this.states.get(down)?.pending) this.pump(down);
  }

  /**
   * When the oldest change marked for `view` that no finished refresh covers was seen
   * (`performance.now()`): pending, or in a refresh still running. Undefined: nothing outstanding.
   */
  pendingSince(view: string): number | undefined {
    const state = this.states.get(view);
    if (!state) return undefined;
    const times = [state.pending?.firstAt, state.inFlight ? state.inFlightFirstAt : undefined].filter(
      (t): t is number => t !== undefined,
    );
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  /** The budget's load now: queue length, refreshes running, refresh share and the resulting pressure. */
  load(): RefreshLoad {
    return this.meter.read(performance.now(), this.budget(), this.queue.size);
  }

  /**
   * The window `view` gets now, in milliseconds: `maxWaitMs` bounds how long after its first change it
   * refreshes, `debounceMs` how long after its last (widened toward that bound under pressure).
   */
  windowOf(view: string, pressure = this.load().pressure): { debounceMs: number; maxWaitMs: number } {
    return windowOf(this.hooks.timing(view), this.states.get(view)?.recentMs ?? 0, pressure);
  }

  /** True while some view has a refresh running, or pending work that no running flush gave up on. */
  get busy(): boolean {
    for (const [view, s] of this.states)
      if (s.inFlight || (s.pending && !this.failedDuringFlush.has(view))) return true;
    return false;
  }

  /**
   * Runs every refresh pending at the call now, ignoring debounce, and resolves when they (and the
   * refreshes of views downstream of them) are done. Changes marked after the call keep their windows and
   * are not waited for, so a flush ends under steady writes too. A view whose refresh fails during the
   * flush is left to its backoff schedule (reported through `failed`), so a flush never waits on a broken
   * view.
   */
  async flush(): Promise<void> {
    if (this.stopped) return;
    const target = this.epoch++;
    this.flushes++;
    this.flushTarget = Math.max(this.flushTarget, target);
    try {
      for (const view of this.states.keys()) this.pump(view);
      while (this.busyUpTo(target) && !this.stopped)
        await new Promise<void>((resolve) => this.idleWaiters.push({ target, resolve }));
    } finally {
      if (--this.flushes === 0) {
        this.failedDuringFlush.clear();
        this.flushTarget = -1;
      }
    }
  }

  /** Whether `view` failed during a flush whose target is `target` or later (that flush gives up on it). */
  private failedFor(view: string, target: number): boolean {
    return (this.failedDuringFlush.get(view) ?? -1) >= target;
  }

  /** Whether `batch` of `view` belongs to a running flush: it runs at once and holds that flush. */
  private flushing(view: string, batch: Batch): boolean {
    return this.flushes > 0 && batch.epoch <= this.flushTarget && !this.failedFor(view, this.flushTarget);
  }

  /** Work of epoch `target` or earlier still pending (and not failed during a flush) or running. */
  private busyUpTo(target: number): boolean {
    for (const [view, s] of this.states) {
      if (s.inFlight && s.inFlightEpoch <= target) return true;
      if (s.pending && s.pending.epoch <= target && !this.failedFor(view, target)) return true;
    }
    return false;
  }

  /** Drops pending work, clears every timer, and waits for refreshes already running. */
  async stop(): Promise<void> {
    this.stopped = true;
    const running: Promise<void>[] = [];
    for (const s of this.states.values()) {
      if (s.timer) clearTimeout(s.timer);
      s.timer = undefined;
      s.pending = undefined;
      if (s.inFlight) running.push(s.inFlight);
    }
    this.queue.clear();
    if (this.paceTimer) clearTimeout(this.paceTimer);
    this.paceTimer = undefined;
    this.wakeIdle();
    await Promise.all(running);
  }

  private stateOf(view: string): ViewState {
    let state = this.states.get(view);
    if (!state)
      this.states.set(
        view,
        (state = { startedAt: 0, inFlightEpoch: 0, failures: 0, notBefore: 0, lockBusy: false, recentMs: 0 }),
      );
    return state;
  }

  private budget(): number {
    const budget = this.hooks.budget?.() ?? Infinity;
    return budget >= 1 ? budget : 1;
  }

  /**
   * When the refresh of `batch` is due: its window (widened by the pressure), or now in a flush; not
   * before a lock wait or backoff.
   */
  private dueAt(view: string, state: ViewState, batch: Batch, now: number, pressure: number): number {
    const flushing = this.flushing(view, batch);
    let settled = now;
    if (!flushing) {
      const { debounceMs, maxWaitMs } = this.windowOf(view, pressure);
      settled = Math.min(batch.lastAt + debounceMs, batch.firstAt + maxWaitMs);
    }
    return flushing && !state.lockBusy ? now : Math.max(settled, state.notBefore);
  }

  /** The pressure now, read once per decision (O(1)). */
  private pressure(now: number): number {
    return this.meter.read(now, this.budget(), this.queue.size).pressure;
  }

  /**
   * An upstream view with work that should land first: a refresh of it running, or due, by the end of
   * this view's own window (`maxWaitMs` after its first pending change). Later upstream work does not
   * count, or steady writes upstream, which always leave its next refresh pending, would hold this view
   * back for good. A failing upstream view does not hold others back.
   */
  private blockedBy(view: string, batch: Batch, now: number, pressure: number): boolean {
    // In a flush, this view's window ends now: upstream work not due yet (changes after the call) waits.
    const deadline = this.flushing(view, batch) ? now : this.deadlineOf(view, batch);
    for (const up of this.hooks.upstream(view)) {
      const s = this.states.get(up);
      if (s?.inFlight) {
        if (s.startedAt <= deadline) return true;
      } else if (s?.pending && s.failures === 0 && this.dueAt(up, s, s.pending, now, pressure) <= deadline) return true;
    }
    return false;
  }

  /** The end of a batch's window: the queue runs the earliest first. */
  private deadlineOf(view: string, batch: Batch): number {
    return batch.firstAt + boundOf(this.hooks.timing(view), this.states.get(view)?.recentMs ?? 0);
  }

  /** Decides about `view`: wait for upstream, arm its timer, or queue it for the budget (and run the queue). */
  private pump(view: string): void {
    const state = this.states.get(view);
    if (this.stopped || !state?.pending || state.inFlight) {
      this.queue.delete(view);
      return this.checkIdle();
    }
    // Already due and the budget is full: it keeps its place (the per-commit path stays O(1)).
    if (this.queue.has(view) && this.meter.inFlight >= this.budget()) return;
    const now = performance.now();
    const batch = state.pending;
    const pressure = this.pressure(now);
    // Pumped again when the upstream refresh finishes, or its due time moves.
    if (this.blockedBy(view, batch, now, pressure)) {
      this.queue.delete(view);
      return this.checkIdle();
    }
    const due = this.dueAt(view, state, batch, now, pressure);
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
    if (due > now) {
      this.queue.delete(view);
      state.timer = setTimeout(() => {
        state.timer = undefined;
        this.pump(view);
      }, due - now);
      state.timer.unref();
      return;
    }
    this.queue.add(view);
    this.drain();
  }

  /**
   * Whether the refresh share is past `maxShare` (outside a flush): then nothing starts, and a timer drains
   * the queue again once the share has fallen back (a running refresh drains it when it ends).
   */
  private paced(): boolean {
    const maxShare = this.hooks.maxShare?.() ?? 1;
    if (maxShare >= 1 || this.flushes > 0) return false;
    const wait = this.meter.msUntilShare(maxShare, performance.now(), this.budget());
    if (wait === 0) return false;
    if (wait !== Infinity && !this.paceTimer) {
      this.paceTimer = setTimeout(
        () => {
          this.paceTimer = undefined;
          this.drain();
        },
        Math.ceil(wait) + 1,
      );
      this.paceTimer.unref();
    }
    return true;
  }

  /** Starts queued views, earliest deadline first, while the budget has places and the share allows. */
  private drain(): void {
    while (!this.stopped && this.queue.size > 0 && this.meter.inFlight < this.budget() && !this.paced()) {
      let next: string | undefined;
      let nextDeadline = Infinity;
      for (const view of this.queue) {
        const batch = this.states.get(view)?.pending;
        const deadline = batch ? this.deadlineOf(view, batch) : -Infinity;
        if (next === undefined || deadline < nextDeadline) [next, nextDeadline] = [view, deadline];
      }
      this.queue.delete(next!);
      this.start(next!);
    }
  }

  private start(view: string): void {
    const state = this.states.get(view);
    if (!state?.pending || state.inFlight) return;
    const now = performance.now();
    const batch = state.pending;
    this.meter.change(1, now, this.budget());
    state.pending = undefined;
    state.startedAt = now;
    state.inFlightEpoch = batch.epoch;
    state.inFlightFirstAt = batch.firstAt;
    state.inFlight = this.attempt(view, state, batch).finally(() => {
      state.inFlight = undefined;
      state.inFlightFirstAt = undefined;
      this.meter.change(-1, performance.now(), this.budget());
      this.drain();
      this.pump(view);
      for (const down of this.hooks.downstream(view)) this.pump(down);
      this.checkIdle();
    });
  }

  private async attempt(view: string, state: ViewState, batch: Batch): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await this.hooks.run(view, batch);
    } catch (error) {
      state.failures++;
      const wait = this.hooks.backoffMs(state.failures);
      state.notBefore = performance.now() + wait;
      state.lockBusy = false;
      this.requeue(state, batch);
      // The window starts again at the failure: a new change (maybe the fix) retries within a normal
      // window rather than waiting out the backoff, but steady writes cannot retry a broken view back to
      // back either: at most once per maxWaitMs, like a healthy view.
      if (state.pending) state.pending.firstAt = performance.now();
      if (this.flushes > 0) this.failedDuringFlush.set(view, this.flushTarget);
      this.safely(() => this.hooks.failed(view, batch, error, state.failures, wait));
      return;
    }
    if (outcome.kind === 'busy') {
      state.notBefore = performance.now() + this.hooks.lockRetryMs;
      state.lockBusy = true;
      this.requeue(state, batch);
      return;
    }
    state.failures = 0;
    state.notBefore = 0;
    state.lockBusy = false;
    this.failedDuringFlush.delete(view);
    if (outcome.kind === 'refreshed') {
      const took = performance.now() - state.startedAt;
      state.recentMs = state.recentMs === 0 ? took : state.recentMs + RECENT_WEIGHT * (took - state.recentMs);
      this.safely(() => this.hooks.refreshed(view, batch, outcome));
      // Views reading this one now read new data: they are stale too.
      for (const down of this.hooks.downstream(view)) this.mark(down, [view], 0, batch.epoch);
    }
  }

  /** Puts a batch that did not run back in front of whatever arrived meanwhile. */
  private requeue(state: ViewState, batch: Batch): void {
    if (this.stopped) return;
    const later = state.pending;
    if (later) {
      for (const t of later.tables) batch.tables.add(t);
      batch.commits += later.commits;
      batch.lastAt = Math.max(batch.lastAt, later.lastAt);
      batch.epoch = Math.min(batch.epoch, later.epoch);
    }
    state.pending = batch;
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch {
      // A throwing listener must not break the scheduler; the engine reports listener errors itself.
    }
  }

  /** Wakes the flushes whose work is done (all of them once stopped). */
  private checkIdle(): void {
    if (this.stopped) return this.wakeIdle();
    const waiting: typeof this.idleWaiters = [];
    const done: typeof this.idleWaiters = [];
    for (const w of this.idleWaiters) (this.busyUpTo(w.target) ? waiting : done).push(w);
    this.idleWaiters = waiting;
    for (const w of done) w.resolve();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w.resolve();
  }
}
