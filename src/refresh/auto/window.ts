// The window rule of one view, in one place (docs/auto-refresh.md, "The bound of a view"): its bound is
// maxWaitMs, or less to keep maxStalenessMs (minus the view's recent refresh time), never below
// debounceMs; under pressure the debounce widens toward that bound, never past it. Pure.

/** A view's declared windows, in milliseconds. */
export interface ViewTiming {
  readonly debounceMs: number;
  readonly maxWaitMs: number;
  /** The staleness bound: the window never exceeds it minus the view's recent refresh time. */
  readonly maxStalenessMs?: number;
}

/** The longest a view's changes wait for its refresh to start, given its recent refresh time. */
export function boundOf(timing: ViewTiming, recentMs: number): number {
  if (timing.maxStalenessMs === undefined) return timing.maxWaitMs;
  return Math.max(timing.debounceMs, Math.min(timing.maxWaitMs, timing.maxStalenessMs - recentMs));
}

/** The window now: the debounce widened by `pressure` (0 to 1) toward the bound, and the bound. */
export function windowOf(
  timing: ViewTiming,
  recentMs: number,
  pressure: number,
): { debounceMs: number; maxWaitMs: number } {
  const bound = boundOf(timing, recentMs);
  return { debounceMs: timing.debounceMs + pressure * Math.max(0, bound - timing.debounceMs), maxWaitMs: bound };
}
