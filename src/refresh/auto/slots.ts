// The pure arithmetic of scheduled refresh: a view's interval, when a process wakes for the next slot, how
// soon it retries a busy lock. Slots themselves are the server's (src/ddl/schedule.ts); these only turn
// its answers into this process's timers.
import { MIN_REFRESH_EVERY_MS, type ViewDefinition } from '../../metadata/definition';

/** The most a wake is spread after a slot's start, so processes do not all try the lock at one instant. */
export const MAX_JITTER_MS = 250;
/** The first retry after the view's lock was busy; doubling, at most `MAX_BUSY_RETRY_MS` or an eighth of the interval. */
export const BUSY_RETRY_MS = 100;
/** The longest wait between two tries of a busy lock (a long refresh by another process). */
export const MAX_BUSY_RETRY_MS = 5000;
/** A wake never comes sooner than this, so a timer that fired a little early does not spin. */
export const MIN_WAKE_MS = 5;

/**
 * The interval a view is refreshed on, in milliseconds, or undefined when it has no schedule:
 * `refreshEvery`, shortened to `maxStalenessMs` when that is smaller (a view with both must be refreshed at
 * least that often), never under `MIN_REFRESH_EVERY_MS` (a schedule is not a busy loop).
 */
export function scheduleIntervalMs(definition: Pick<ViewDefinition, 'refreshEveryMs' | 'maxStalenessMs'>) {
  if (definition.refreshEveryMs === undefined) return undefined;
  return Math.max(MIN_REFRESH_EVERY_MS, Math.min(definition.refreshEveryMs, definition.maxStalenessMs ?? Infinity));
}

/**
 * How long to sleep before the next slot's check: until it begins (`nextInMs`, the server's answer), plus a
 * jitter of up to `MAX_JITTER_MS` (and at most a twentieth of the interval). `random` is in [0, 1).
 */
export function wakeDelayMs(nextInMs: number, intervalMs: number, random: number): number {
  return Math.max(MIN_WAKE_MS, nextInMs) + random * Math.min(MAX_JITTER_MS, intervalMs / 20);
}

/**
 * How long to wait before trying a busy lock again, for the `attempt`-th busy try in a row (from 1):
 * soon, so a process that died holding it is replaced within the slot, and less often while a long refresh
 * runs elsewhere.
 */
export function busyRetryMs(attempt: number, intervalMs: number): number {
  return Math.min(BUSY_RETRY_MS * 2 ** (attempt - 1), MAX_BUSY_RETRY_MS, Math.max(BUSY_RETRY_MS, intervalMs / 8));
}

/**
 * Without the state table: whether this process's own last refresh of the view (begun at `startedAt`, on
 * its monotonic clock) began in the current slot, `elapsedMs` (the server's answer, read at `now`) into it.
 */
export function servedLocally(startedAt: number | undefined, now: number, elapsedMs: number): boolean {
  return startedAt !== undefined && now - startedAt <= elapsedMs;
}
