// One DataSource's auto-refresh: change sources (subscriber collector, trigger listener) feed table
// names; the watch graph turns them into stale views; the scheduler decides when; the coordinator
// refreshes on a pooled connection. Nothing here ever throws into a writer or awaits a refresh for it.
// The engine owns its options (the conflict rule is decided here, in `applyOptions`) and its sources
// (`addSource` installs them, `stop()` removes them); the registry only maps a DataSource to it.
import { EventEmitter } from 'node:events';
import type { DataSource, EntitySubscriberInterface } from 'typeorm';
import { STATE_TABLE_NAME } from '../../ddl/auto-refresh';
import { displayName, relationKey, type QualifiedName } from '../../ddl/identifiers';
import { PgViewError } from '../../errors';
import { collectViews, defaultSchemaOf } from '../../metadata/collect';
import type { ViewDefinition } from '../../metadata/definition';
import { ChangeCollector } from './collector';
import { ensureStateTable, refreshCoordinated } from './coordinator';
import { loadWatchGraph, type WatchGraph } from './graph';
import { ChangeListener } from './listener';
import { RefreshScheduler, type Batch, type Outcome } from './scheduler';
import { ensureAutoRefreshTriggers } from './triggers';

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
  retry?: { initialMs?: number; maxMs?: number };
  /** Re-read the catalog's dependencies when they are older than this at a change. Default: 5000 ms. */
  catalogTtlMs?: number;
}

/** The options an auto-refresh runs with, every field set (`auto.options`). */
export interface ResolvedAutoRefreshOptions {
  readonly installTriggers: boolean;
  readonly coordinate: boolean;
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
  readonly catalogTtlMs: number;
}

const DEFAULT_OPTIONS: ResolvedAutoRefreshOptions = Object.freeze({
  installTriggers: true,
  coordinate: true,
  retry: Object.freeze({ initialMs: 200, maxMs: 30_000 }),
  catalogTtlMs: 5000,
});

/** The options compared one by one (`retry`'s two fields separately, so passing one constrains only it). */
type OptionName = 'installTriggers' | 'coordinate' | 'retry.initialMs' | 'retry.maxMs' | 'catalogTtlMs';

function optionValues(
  options: ResolvedAutoRefreshOptions | EnableAutoRefreshOptions,
): Partial<Record<OptionName, unknown>> {
  const values: Partial<Record<OptionName, unknown>> = {
    installTriggers: options.installTriggers,
    coordinate: options.coordinate,
    'retry.initialMs': options.retry?.initialMs,
    'retry.maxMs': options.retry?.maxMs,
    catalogTtlMs: options.catalogTtlMs,
  };
  for (const key of Object.keys(values) as OptionName[]) if (values[key] === undefined) delete values[key];
  return values;
}

/** A finished auto-refresh. */
export interface AutoRefreshEvent {
  readonly view: QualifiedName;
  readonly durationMs: number;
  /** Whether REFRESH ... CONCURRENTLY ran. */
  readonly concurrently: boolean;
  /** `schema.table` names whose changes it covers (a view name when it follows another auto-refreshed view). */
  readonly changedTables: readonly string[];
  /** Commits (or autocommitted writes) folded into this one refresh. */
  readonly commitsCoalesced: number;
}

/** A change source went live (`'source'` event). */
export interface AutoRefreshSourceEvent {
  readonly source: AutoRefreshSourceName;
}

/** The auto-refresh stopped hearing changes (`'stop'` event): `stop()` was called, or the DataSource was destroyed. */
export interface AutoRefreshStopEvent {
  readonly reason: 'stop' | 'destroyed';
}

/** Every event of `AutoRefresh`, with its listener's arguments. */
export interface AutoRefreshEvents {
  /** A view was refreshed. */
  refresh: [event: AutoRefreshEvent];
  /** A refresh, the listener or the catalog read failed (also written to the DataSource's logger). */
  error: [error: AutoRefreshError];
  /** A change source was added and is live. */
  source: [event: AutoRefreshSourceEvent];
  /** Stopped: sources detached, pending changes dropped (emitted once, before a running refresh ends). */
  stop: [event: AutoRefreshStopEvent];
}

/** A refresh (or the listener) failed. The writes stay committed; the refresh is retried with backoff. */
export class AutoRefreshError extends PgViewError {
  constructor(
    message: string,
    /** The view, when the failure was a refresh. */
    readonly view?: QualifiedName,
    /** Consecutive failures of this view so far. */
    readonly attempt = 0,
    /** When the next try is due, in ms (undefined when none is scheduled). */
    readonly retryInMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** @internal What the engine needs from outside: a subscriber to install for the `subscriber` source. */
export interface AutoRefreshHooks {
  /** A new AutoRefreshSubscriber (the class lives with the code that finds engines for TypeORM events). */
  createSubscriber(): EntitySubscriberInterface;
}

/** True for an AutoRefreshSubscriber from any copy of this package (a brand; instanceof is not). */
export function isAutoRefreshSubscriber(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { isPgViewAutoRefreshSubscriber?: unknown }).isPgViewAutoRefreshSubscriber === true
  );
}

const LOCK_RETRY_MS = 50;
const WATCHDOG_MS = 1000;

type Listener<E extends keyof AutoRefreshEvents> = (...args: AutoRefreshEvents[E]) => void;

export class AutoRefresh extends EventEmitter {
  // With the triggers on, which hear every commit, the subscriber's commits are not counted twice.
  private readonly changes = new ChangeCollector((tables) =>
    this.tablesChanged(tables, this.active.has('triggers') ? 0 : 1),
  );
  private readonly scheduler: RefreshScheduler;
  private readonly definitions: readonly ViewDefinition[];
  private settings: ResolvedAutoRefreshOptions = DEFAULT_OPTIONS;
  /** Options that took effect: a different value for one of them is a conflict. */
  private readonly fixed = new Set<OptionName>();
  private readonly active = new Set<AutoRefreshSourceName>();
  private runtimeSubscriber?: EntitySubscriberInterface;
  private triggersStarting?: Promise<void>;
  private graph?: WatchGraph;
  private graphAt = -Infinity;
  private graphLoading?: Promise<void>;
  private buffered: { tables: QualifiedName[]; commits: number }[] = [];
  private listener?: ChangeListener;
  private stateTable?: QualifiedName;
  private stateTableChecked?: Promise<void>;
  private readonly watchdog: NodeJS.Timeout;
  private stopping?: Promise<void>;

  /** @internal Use `enableAutoRefresh` or `AutoRefreshSubscriber`. Starts on the defaults, with no source. */
  constructor(
    readonly dataSource: DataSource,
    private readonly hooks: AutoRefreshHooks,
  ) {
    super();
    this.definitions = collectViews(dataSource).filter((d) => d.kind === 'materialized' && d.autoRefresh);
    this.stateTable = { schema: defaultSchemaOf(dataSource), name: STATE_TABLE_NAME };
    this.scheduler = new RefreshScheduler({
      timing: (view) => this.graph!.views.get(view)!.autoRefresh!,
      upstream: (view) => this.graph?.upstream.get(view) ?? new Set(),
      downstream: (view) => this.graph?.downstream.get(view) ?? new Set(),
      run: (view, batch) => this.run(view, batch),
      refreshed: (view, batch, outcome) => this.emitRefresh(view, batch, outcome),
      failed: (view, _batch, error, attempt, retryInMs) => {
        const name = displayName(this.graph!.views.get(view)!);
        this.report(
          new AutoRefreshError(
            `Auto-refresh of ${name} failed (attempt ${attempt}, retrying in ${Math.round(retryInMs)} ms): ${messageOf(error)}. The writes that caused it are committed; fix the cause, and the next attempt or change refreshes it.`,
            this.graph!.views.get(view),
            attempt,
            retryInMs,
            { cause: error },
          ),
        );
      },
      lockRetryMs: LOCK_RETRY_MS,
      // Read at each failure, so options applied later (to a lazily started engine) take effect.
      backoffMs: (n) => Math.min(this.settings.retry.maxMs, this.settings.retry.initialMs * 2 ** (n - 1)),
    });
    // The DataSource has no "destroyed" event: look now and then, so a forgotten stop() holds nothing open.
    this.watchdog = setInterval(() => {
      if (!this.dataSource.isInitialized) void this.halt('destroyed');
    }, WATCHDOG_MS);
    this.watchdog.unref();
  }

  /**
   * Listens for finished refreshes (`'refresh'`), failures (`'error'`, also written to the DataSource
   * logger), sources going live (`'source'`) and the stop (`'stop'`).
   *
   * @example auto.on('stop', (e) => console.log(`auto-refresh stopped (${e.reason})`));
   */
  override on<E extends keyof AutoRefreshEvents>(event: E, listener: Listener<E>): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override once<E extends keyof AutoRefreshEvents>(event: E, listener: Listener<E>): this {
    return super.once(event, listener as (...args: unknown[]) => void);
  }

  override off<E extends keyof AutoRefreshEvents>(event: E, listener: Listener<E>): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }

  /** The auto-refreshed views, as declared. */
  get views(): readonly ViewDefinition[] {
    return this.definitions;
  }

  /** The options it runs with (defaults filled in). */
  get options(): ResolvedAutoRefreshOptions {
    return this.settings;
  }

  /** The live change sources, in the order they were added. Empty once stopped. */
  get sources(): readonly AutoRefreshSourceName[] {
    return [...this.active];
  }

  /** Whether `stop()` was called (or the DataSource was destroyed). */
  get stopped(): boolean {
    return this.stopping !== undefined;
  }

  /**
   * @internal Use `enableAutoRefresh`. Applies explicit options, or throws a `PgViewError` naming every
   * option whose value differs from one already in effect. The one place the rule is decided: `coordinate`,
   * `retry` and `catalogTtlMs` take effect at the first call (before it an engine runs on the defaults, so
   * a lazily started one takes them), `installTriggers` when the `triggers` source is added. All of them can
   * change on a running engine, which is why a lazily started one is reconfigured, not recreated.
   */
  applyOptions(options: EnableAutoRefreshOptions): void {
    const current = optionValues(this.settings);
    const given = optionValues(options);
    const conflicts = (Object.keys(given) as OptionName[]).filter(
      (key) => this.fixed.has(key) && given[key] !== current[key],
    );
    if (conflicts.length > 0) {
      const list = conflicts
        .map((key) => `\`${key}\` is ${JSON.stringify(current[key])}, this call passes ${JSON.stringify(given[key])}`)
        .join('; ');
      throw new PgViewError(
        `enableAutoRefresh: auto-refresh is already running on this DataSource with other options (${list}). Options cannot change while it runs: pass the same values (or leave them out), or \`await auto.stop()\` first and enable it again with the new ones.`,
      );
    }
    const next: ResolvedAutoRefreshOptions = Object.freeze({
      installTriggers: options.installTriggers ?? this.settings.installTriggers,
      coordinate: options.coordinate ?? this.settings.coordinate,
      retry: Object.freeze({ ...this.settings.retry, ...definedOnly(options.retry) }),
      catalogTtlMs: options.catalogTtlMs ?? this.settings.catalogTtlMs,
    });
    if (next.coordinate !== this.settings.coordinate)
      this.stateTable = next.coordinate
        ? { schema: defaultSchemaOf(this.dataSource), name: STATE_TABLE_NAME }
        : undefined;
    this.settings = next;
    for (const key of ['coordinate', 'retry.initialMs', 'retry.maxMs', 'catalogTtlMs'] as const) this.fixed.add(key);
    if (this.active.has('triggers') || this.triggersStarting) this.fixed.add('installTriggers');
  }

  /**
   * Adds a change source (idempotent). `'subscriber'` registers an `AutoRefreshSubscriber` on the DataSource
   * unless one is there (removed again by `stop()`); `'triggers'` installs missing triggers (unless
   * `installTriggers: false`) and opens the LISTEN connection. Resolves once the source is live.
   *
   * @example await auto.addSource('triggers'); // now raw SQL and other services' writes refresh too
   */
  addSource(source: AutoRefreshSourceName): Promise<void> {
    if (this.stopping)
      return Promise.reject(
        new PgViewError(
          `addSource('${source}'): this auto-refresh is stopped. Call enableAutoRefresh(dataSource) for a new one.`,
        ),
      );
    if (source === 'subscriber') {
      this.addSubscriber();
      return Promise.resolve();
    }
    if (source === 'triggers')
      return (this.triggersStarting ??= this.startTriggers().catch((error: unknown) => {
        this.triggersStarting = undefined;
        throw error;
      }));
    return Promise.reject(
      new PgViewError(`addSource: the source is ${JSON.stringify(source)}. Use 'subscriber' or 'triggers'.`),
    );
  }

  /** @internal The subscriber source's collector, while that source is on (read by AutoRefreshSubscriber). */
  get collector(): ChangeCollector | undefined {
    return this.active.has('subscriber') ? this.changes : undefined;
  }

  /** @internal The listener's backend pid (tests). */
  get listenerPid(): number | undefined {
    return this.listener?.pid;
  }

  /** @internal Loads the watch graph now (so the first changes resolve without waiting). */
  async loadGraph(): Promise<void> {
    this.graphAt = -Infinity;
    await this.ensureGraph();
  }

  /** Tables whose changes are committed: mark the views that read them stale. Never throws. */
  tablesChanged(tables: readonly QualifiedName[], commits: number): void {
    if (this.stopping || tables.length === 0) return;
    this.buffered.push({ tables: [...tables], commits });
    // A declared view missing from the catalog (not created yet) makes the graph stale at once.
    const ttl = this.graphComplete() ? this.settings.catalogTtlMs : 0;
    if (performance.now() - this.graphAt <= ttl) this.resolveBuffered();
    else void this.ensureGraph();
  }

  /**
   * Resolves when every change committed before the call (heard by the subscriber, or notified through
   * the triggers) has been refreshed, or its refresh failed and was reported. Ignores debounce windows.
   */
  async flush(): Promise<void> {
    // With triggers, first hear every notification committed so far.
    await this.listener?.sync().catch(() => undefined);
    do {
      if (this.graphLoading || this.buffered.length > 0) await this.ensureGraph();
      await this.scheduler.flush();
      // Changes buffered behind a catalog reload meanwhile: go round again.
    } while (!this.stopping && (this.graphLoading || this.buffered.length > 0));
  }

  /**
   * Stops: removes the subscriber it registered, drops changes not refreshed yet (call `flush()` first to
   * run them), waits for a refresh already running, closes the listener and clears every timer. Emits
   * `'stop'`. Safe to call twice, and after `destroy()`.
   */
  stop(): Promise<void> {
    return this.halt('stop');
  }

  private halt(reason: AutoRefreshStopEvent['reason']): Promise<void> {
    if (this.stopping) return this.stopping;
    clearInterval(this.watchdog);
    this.buffered = [];
    this.active.clear();
    this.removeSubscriber();
    this.stopping = Promise.all([this.scheduler.stop(), this.listener?.stop()]).then(() => undefined);
    this.emitSafely('stop', { reason });
    return this.stopping;
  }

  private addSubscriber(): void {
    if (this.active.has('subscriber')) return;
    const subscribers = this.dataSource.subscribers as EntitySubscriberInterface[];
    // Added at runtime (TypeORM reads the array at each event) unless the DataSource options have one.
    if (!subscribers.some(isAutoRefreshSubscriber)) {
      this.runtimeSubscriber = this.hooks.createSubscriber();
      subscribers.push(this.runtimeSubscriber);
    }
    this.active.add('subscriber');
    this.emitSafely('source', { source: 'subscriber' });
  }

  private removeSubscriber(): void {
    if (!this.runtimeSubscriber) return;
    const subscribers = this.dataSource.subscribers as EntitySubscriberInterface[];
    const at = subscribers.indexOf(this.runtimeSubscriber);
    if (at >= 0) subscribers.splice(at, 1);
    this.runtimeSubscriber = undefined;
  }

  /** Installs missing triggers (unless told not to), then LISTENs. */
  private async startTriggers(): Promise<void> {
    this.fixed.add('installTriggers');
    if (this.settings.installTriggers) await ensureAutoRefreshTriggers(this.dataSource, this.definitions);
    if (this.stopping) return;
    this.listener = new ChangeListener(
      this.dataSource,
      {
        changed: (tables) => this.tablesChanged(tables, 1),
        reconnected: () => this.markAll(),
        error: (error) =>
          this.report(
            new AutoRefreshError(`Auto-refresh listener: ${messageOf(error)}; reconnecting.`, undefined, 0, undefined, {
              cause: error,
            }),
          ),
      },
      (n) => Math.min(5000, 100 * 2 ** (n - 1)),
    );
    await this.listener.start();
    if (this.stopping) return;
    this.active.add('triggers');
    this.emitSafely('source', { source: 'triggers' });
  }

  /** Marks every auto-refreshed view stale (after the listener missed notifications). */
  private markAll(): void {
    void this.ensureGraph().then(() => {
      const tables = new Map<string, QualifiedName>();
      for (const list of this.graph?.tablesByView.values() ?? []) for (const t of list) tables.set(relationKey(t), t);
      this.tablesChanged([...tables.values()], 0);
    });
  }

  private graphComplete(): boolean {
    return this.definitions.every((d) => (this.graph?.tablesByView.get(relationKey(d))?.length ?? 0) > 0);
  }

  private ensureGraph(): Promise<void> {
    return (this.graphLoading ??= (async () => {
      try {
        this.graph = await loadWatchGraph((sql) => this.dataSource.query(sql), this.definitions);
        this.graphAt = performance.now();
      } catch (error) {
        if (this.dataSource.isInitialized)
          this.report(
            new AutoRefreshError(
              `Auto-refresh could not read view dependencies: ${messageOf(error)}.`,
              undefined,
              0,
              undefined,
              { cause: error },
            ),
          );
      } finally {
        this.graphLoading = undefined;
      }
      this.resolveBuffered();
    })());
  }

  private resolveBuffered(): void {
    const graph = this.graph;
    if (!graph || this.stopping) return;
    const changes = this.buffered;
    this.buffered = [];
    for (const { tables, commits } of changes) {
      const perView = new Map<string, string[]>();
      for (const table of tables)
        for (const view of graph.viewsByTable.get(relationKey(table)) ?? [])
          perView.set(view, [...(perView.get(view) ?? []), displayName(table)]);
      for (const [view, names] of perView) this.scheduler.mark(view, names, commits);
    }
  }

  private async run(view: string, batch: Batch): Promise<Outcome> {
    if (!this.dataSource.isInitialized || this.stopping) {
      void this.halt(this.dataSource.isInitialized ? 'stop' : 'destroyed');
      return { kind: 'dropped' };
    }
    const definition = this.graph!.views.get(view)!;
    if (this.stateTable) {
      this.stateTableChecked ??= ensureStateTable(this.dataSource, this.stateTable).catch((error: unknown) => {
        this.report(
          new AutoRefreshError(
            `Auto-refresh cannot create ${displayName(this.stateTable!)} (${messageOf(error)}), so it runs without coordinating with other processes: each process refreshes for its own changes. Create the table (see docs/auto-refresh.md) or pass coordinate: false.`,
            undefined,
            0,
            undefined,
            { cause: error },
          ),
        );
        this.stateTable = undefined;
      });
      await this.stateTableChecked;
    }
    return refreshCoordinated(this.dataSource, {
      view: { schema: definition.schema, name: definition.name },
      concurrently: definition.autoRefresh!.concurrently,
      lastChangeAt: batch.lastAt,
      ...(this.stateTable ? { stateTable: this.stateTable } : {}),
    });
  }

  private emitRefresh(view: string, batch: Batch, outcome: Extract<Outcome, { kind: 'refreshed' }>): void {
    const definition = this.graph!.views.get(view)!;
    const event: AutoRefreshEvent = {
      view: { schema: definition.schema, name: definition.name },
      durationMs: outcome.durationMs,
      concurrently: outcome.concurrently,
      changedTables: [...batch.tables].sort(),
      commitsCoalesced: batch.commits,
    };
    this.emitSafely('refresh', event);
  }

  /** Emits to the user's listeners; one that throws is reported, never thrown into auto-refresh. */
  private emitSafely<E extends 'refresh' | 'source' | 'stop'>(event: E, ...args: AutoRefreshEvents[E]): void {
    try {
      this.emit(event, ...args);
    } catch (error) {
      const view = event === 'refresh' ? (args[0] as AutoRefreshEvent).view : undefined;
      this.report(
        new AutoRefreshError(`An auto-refresh '${event}' listener threw: ${messageOf(error)}.`, view, 0, undefined, {
          cause: error,
        }),
      );
    }
  }

  /** Logs through the DataSource's logger and emits 'error' when someone listens (an unheard 'error' would throw). */
  private report(error: AutoRefreshError): void {
    try {
      this.dataSource.logger?.log('warn', error.message);
    } catch {
      // a broken logger must not break auto-refresh
    }
    if (this.listenerCount('error') === 0) return;
    try {
      this.emit('error', error);
    } catch {
      // an 'error' listener that throws has nowhere better to go
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `retry` without its undefined fields (so `{ initialMs: undefined }` keeps the current value). */
function definedOnly(retry: EnableAutoRefreshOptions['retry']): Partial<ResolvedAutoRefreshOptions['retry']> {
  const out: { initialMs?: number; maxMs?: number } = {};
  if (retry?.initialMs !== undefined) out.initialMs = retry.initialMs;
  if (retry?.maxMs !== undefined) out.maxMs = retry.maxMs;
  return out;
}
