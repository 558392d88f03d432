// The options of enableAutoRefresh, their defaults, and the one rule for a second call on a running
// auto-refresh: same values, left out or a new source are fine; a different value is an error. Pure.
import { PgViewError } from '../../errors';

/** Where changes are learned from. See docs/auto-refresh.md for the trade-offs. */
export type AutoRefreshSource = 'subscriber' | 'triggers' | 'both';

/** One change source of a running auto-refresh (`'both'` is the two of them). */
export type AutoRefreshSourceName = 'subscriber' | 'triggers';

/**
 * Options of `enableAutoRefresh`. An auto-refresh keeps the options it was first enabled with: a later
 * `enableAutoRefresh` on the same DataSource may pass the same values, omit them or add a source, but a
 * different value throws a `PgViewError` naming the option (`await auto.stop()` first to change it). An
 * auto-refresh the subscriber started on its own, before any `enableAutoRefresh`, runs on the defaults,
 * and the first `enableAutoRefresh` applies its options to it.
 */
export interface EnableAutoRefreshOptions {
  /** `'subscriber'`: TypeORM row and transaction events. `'triggers'`: database triggers + LISTEN. Default: `'subscriber'`. Sources add up over calls. */
  source?: AutoRefreshSource;
  /**
   * With triggers: install missing triggers when the `triggers` source is added (DDL only when one is
   * missing). Default: `true`. Fixed from the call that adds the `triggers` source on.
   */
  installTriggers?: boolean;
  /**
   * Coordinate with other processes through the table `typeorm_pgview_refresh_state` (created on first
   * use), so a change is refreshed once, not once per process. `false`: refreshes of one view still never
   * overlap, but each process refreshes for its own changes. Default: `true`.
   */
  coordinate?: boolean;
  /** Retry delays after a failed refresh: doubled from `initialMs` up to `maxMs`. Default: 200 / 30000. */
  retry?: {
    /** The first delay, in milliseconds. */
    initialMs?: number;
    /** The longest delay, in milliseconds. */
    maxMs?: number;
  };
  /** Re-read the catalog's dependencies when they are older than this at a change. Default: 5000 ms. */
  catalogTtlMs?: number;
  /**
   * The refresh budget: how many refreshes this process runs at once, each on a connection of
   * auto-refresh's own (a pool of this size beside the application's, never taken from it). An integer
   * from 1 to half the DataSource's pool size (`extra.max` or `poolSize`, default 10; at least 1).
   * Default: 1 (measured: 2 at once took both cores of a 2-core machine from the writers). Views due while the budget is used wait in a queue, most
   * urgent first, and under load their windows widen (see docs/auto-refresh.md).
   */
  maxConcurrentRefreshes?: number;
  /**
   * The largest share of the budget's time refreshes may take (over about the last second), from above 0
   * to 1: past it, due refreshes wait until the share falls back, so that under overload refreshes leave
   * the rest of the machine to the writers (views get staler, never the writers slower; docs/auto-refresh.md
   * states the bound). `flush()` is never held back. `1`: no pacing. Default: 0.5.
   */
  maxRefreshShare?: number;
}

/** The options an auto-refresh runs with, every field set (`auto.options`). */
export interface ResolvedAutoRefreshOptions {
  /** See EnableAutoRefreshOptions.installTriggers. */
  readonly installTriggers: boolean;
  /** See EnableAutoRefreshOptions.coordinate. */
  readonly coordinate: boolean;
  /** Retry delays after a failed refresh, doubled from `initialMs` up to `maxMs`. */
  readonly retry: {
    /** The first delay, in milliseconds. */
    readonly initialMs: number;
    /** The longest delay, in milliseconds. */
    readonly maxMs: number;
  };
  /** See EnableAutoRefreshOptions.catalogTtlMs. */
  readonly catalogTtlMs: number;
  /** See EnableAutoRefreshOptions.maxConcurrentRefreshes (the default filled in for the pool's size). */
  readonly maxConcurrentRefreshes: number;
  /** See EnableAutoRefreshOptions.maxRefreshShare. */
  readonly maxRefreshShare: number;
}

export const DEFAULT_OPTIONS: ResolvedAutoRefreshOptions = Object.freeze({
  installTriggers: true,
  coordinate: true,
  retry: Object.freeze({ initialMs: 200, maxMs: 30_000 }),
  catalogTtlMs: 5000,
  maxConcurrentRefreshes: 1,
  maxRefreshShare: 0.5,
});

/** The largest refresh budget a pool of `poolSize` allows: half of it, at least 1. */
export function refreshBudgetCeiling(poolSize: number): number {
  return Math.max(1, Math.floor(poolSize / 2));
}

/** The defaults for a DataSource whose pool has `poolSize` connections (the budget within its share). */
export function defaultOptionsFor(poolSize: number): ResolvedAutoRefreshOptions {
  const maxConcurrentRefreshes = Math.min(DEFAULT_OPTIONS.maxConcurrentRefreshes, refreshBudgetCeiling(poolSize));
  return Object.freeze({ ...DEFAULT_OPTIONS, maxConcurrentRefreshes });
}

/** Throws a PgViewError naming `maxConcurrentRefreshes` unless it is an integer within the pool's share. */
export function checkRefreshBudget(value: number | undefined, poolSize: number): void {
  if (value === undefined) return;
  const ceiling = refreshBudgetCeiling(poolSize);
  if (!Number.isInteger(value) || value < 1 || value > ceiling)
    throw new PgViewError(
      `enableAutoRefresh: option \`maxConcurrentRefreshes\` is ${JSON.stringify(value)}. Use an integer from 1 to ${ceiling} (half the DataSource's pool of ${poolSize}), or leave it out for the default (${DEFAULT_OPTIONS.maxConcurrentRefreshes}); to allow more, raise the pool size (\`extra.max\`).`,
    );
}

/** Throws a PgViewError naming `maxRefreshShare` unless it is a number above 0 and at most 1. */
export function checkRefreshShare(value: number | undefined): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1)
    throw new PgViewError(
      `enableAutoRefresh: option \`maxRefreshShare\` is ${JSON.stringify(value)}. Use a share above 0 and at most 1 (1: no pacing), or leave it out for the default (${DEFAULT_OPTIONS.maxRefreshShare}).`,
    );
}

/** The options compared one by one (`retry`'s two fields separately, so passing one constrains only it). */
export type OptionName =
  | 'installTriggers'
  | 'coordinate'
  | 'retry.initialMs'
  | 'retry.maxMs'
  | 'catalogTtlMs'
  | 'maxConcurrentRefreshes'
  | 'maxRefreshShare';

function optionValues(
  options: ResolvedAutoRefreshOptions | EnableAutoRefreshOptions,
): Partial<Record<OptionName, unknown>> {
  const values: Partial<Record<OptionName, unknown>> = {
    installTriggers: options.installTriggers,
    coordinate: options.coordinate,
    'retry.initialMs': options.retry?.initialMs,
    'retry.maxMs': options.retry?.maxMs,
    catalogTtlMs: options.catalogTtlMs,
    maxConcurrentRefreshes: options.maxConcurrentRefreshes,
    maxRefreshShare: options.maxRefreshShare,
  };
  for (const key of Object.keys(values) as OptionName[]) if (values[key] === undefined) delete values[key];
  return values;
}

/** Options fixed by the first enableAutoRefresh (`installTriggers` only once the `triggers` source is added). */
export const FIXED_AT_FIRST_CALL = [
  'coordinate',
  'retry.initialMs',
  'retry.maxMs',
  'catalogTtlMs',
  'maxConcurrentRefreshes',
  'maxRefreshShare',
] as const;

/**
 * The options after `options` are applied to `settings`, or a PgViewError naming every option in `fixed`
 * whose value `options` changes, both values and the fix.
 */
export function mergeOptions(
  settings: ResolvedAutoRefreshOptions,
  fixed: ReadonlySet<OptionName>,
  options: EnableAutoRefreshOptions,
): ResolvedAutoRefreshOptions {
  const current = optionValues(settings);
  const given = optionValues(options);
  const conflicts = (Object.keys(given) as OptionName[]).filter((key) => fixed.has(key) && given[key] !== current[key]);
  if (conflicts.length > 0) {
    const list = conflicts
      .map((key) => `\`${key}\` is ${JSON.stringify(current[key])}, this call passes ${JSON.stringify(given[key])}`)
      .join('; ');
    throw new PgViewError(
      `enableAutoRefresh: auto-refresh is already running on this DataSource with other options (${list}). Options cannot change while it runs: pass the same values (or leave them out), or \`await auto.stop()\` first and enable it again with the new ones.`,
    );
  }
  return Object.freeze({
    installTriggers: options.installTriggers ?? settings.installTriggers,
    coordinate: options.coordinate ?? settings.coordinate,
    retry: Object.freeze({ ...settings.retry, ...definedOnly(options.retry) }),
    catalogTtlMs: options.catalogTtlMs ?? settings.catalogTtlMs,
    maxConcurrentRefreshes: options.maxConcurrentRefreshes ?? settings.maxConcurrentRefreshes,
    maxRefreshShare: options.maxRefreshShare ?? settings.maxRefreshShare,
  });
}

/** `retry` without its undefined fields (so `{ initialMs: undefined }` keeps the current value). */
function definedOnly(retry: EnableAutoRefreshOptions['retry']): Partial<ResolvedAutoRefreshOptions['retry']> {
  const out: { initialMs?: number; maxMs?: number } = {};
  if (retry?.initialMs !== undefined) out.initialMs = retry.initialMs;
  if (retry?.maxMs !== undefined) out.maxMs = retry.maxMs;
  return out;
}
