// How loaded the refresh budget is, for adaptive coalescing: the share of the budget's time spent
// refreshing (decayed over about a second, so it follows the load without a list of past refreshes), and
// the pressure that widens every view's window toward its bound. O(1) per refresh start and end. Pure.

/** The time constant of the refresh share, in milliseconds. */
const DECAY_MS = 1000;
/** Refresh share at which windows start widening, and the share at which they are fully widened. */
const SHARE_LOW = 0.5;
const SHARE_HIGH = 0.9;

/** The load of the refresh budget at one moment (`'refresh'` events carry it). */
export interface RefreshLoad {
  /** Views whose refresh is due but waits for a free place in the budget. */
  readonly queued: number;
  /** Refreshes running now. */
  readonly running: number;
  /** The budget (`maxConcurrentRefreshes`). */
  readonly budget: number;
  /** Share of the budget's time spent refreshing, over about the last second (0 to 1). */
  readonly refreshShare: number;
  /**
   * How far windows are widened, 0 (each view's `debounceMs`) to 1 (each view waits its full bound):
   * the larger of queued / budget and how far the refresh share is past 0.5 (full at 0.9).
   */
  readonly pressure: number;
}

export class LoadMeter {
  /** The decayed integral of (running / budget), divided by DECAY_MS when read. */
  private busy = 0;
  private at = 0;
  private running = 0;

  /** A refresh started (+1) or ended (-1) at `now`, with `budget` places. */
  change(delta: 1 | -1, now: number, budget: number): void {
    this.advance(now, budget);
    this.running += delta;
  }

  /** The running count. */
  get inFlight(): number {
    return this.running;
  }

  /** The load at `now`, with `queued` views waiting for a place. */
  read(now: number, budget: number, queued: number): RefreshLoad {
    this.advance(now, budget);
    const refreshShare = Math.min(1, Math.max(0, this.busy));
    const fromShare = (refreshShare - SHARE_LOW) / (SHARE_HIGH - SHARE_LOW);
    const pressure = Math.min(1, Math.max(0, queued / budget, fromShare));
    return { queued, running: this.running, budget, refreshShare, pressure };
  }

  /**
   * How long until the refresh share falls to `share` with nothing running (it decays exponentially):
   * 0 when it is there already, Infinity while a refresh runs (its end drains the queue again).
   */
  msUntilShare(share: number, now: number, budget: number): number {
    this.advance(now, budget);
    if (this.busy <= share) return 0;
    if (this.running > 0) return Infinity;
    return DECAY_MS * Math.log(this.busy / share);
  }

  private advance(now: number, budget: number): void {
    const dt = Math.max(0, now - this.at);
    this.at = Math.max(this.at, now);
    if (dt === 0) return;
    const keep = Math.exp(-dt / DECAY_MS);
    this.busy = this.busy * keep + Math.min(1, this.running / budget) * (1 - keep);
  }
}
