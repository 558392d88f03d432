// One DataSource's auto-refresh: change sources (subscriber collector, trigger listener) feed table
// names; the watch graph turns them into stale views; the scheduler decides when; the coordinator
// refreshes on a connection of its own (connection.ts), within the refresh budget. Nothing here ever throws
// into a writer or awaits a refresh for it.
// The engine owns its options (the conflict rule: options.ts, applied in `applyOptions`) and its sources
// (`addSource` installs them, `stop()` removes them); the registry only maps a DataSource to it.
import type { DataSource, EntitySubscriberInterface } from 'typeorm';
import { STATE_TABLE_NAME, stateSequenceOf } from '../../ddl/auto-refresh';
import { displayName, relationKey, type QualifiedName } from '../../ddl/identifiers';
import { PgViewError } from '../../errors';
import { collectViews, defaultSchemaOf } from '../../metadata/collect';
import type { ViewDefinition } from '../../metadata/definition';
import { ChangeCollector } from './collector';
import { Coordination } from './coordinator';
import { loadWatchGraph } from './graph';
import { ChangeRouter } from './router';
import { ChangeListener } from './listener';
import { attachSubscriber } from './runtime-subscriber';
import { AutoRefreshEmitter, AutoRefreshError, type AutoRefreshEvent, type AutoRefreshStopEvent } from './events';
import { poolSizeOf } from './connection';
import type { RefreshLoad } from './load';
import {
  checkRefreshBudget,
  checkRefreshShare,
  defaultOptionsFor,
  FIXED_AT_FIRST_CALL,
  mergeOptions,
  type AutoRefreshSourceName,
  type EnableAutoRefreshOptions,
  type OptionName,
  type ResolvedAutoRefreshOptions,
} from './options';
import { RefreshSchedule } from './schedule';
import { RefreshScheduler, type Batch, type Outcome } from './scheduler';
import { ensureAutoRefreshTriggers } from './triggers';

/** @internal What the engine needs from outside: a subscriber to install for the `subscriber` source. */
export interface AutoRefreshHooks {
  /** A new AutoRefreshSubscriber (the class lives with the code that finds engines for TypeORM events). */
  createSubscriber(): EntitySubscriberInterface;
}

const LOCK_RETRY_MS = 50;
const WATCHDOG_MS = 1000;

/**
 * A running auto-refresh of one DataSource (from `enableAutoRefresh`, or made by `AutoRefreshSubscriber`):
 * hears committed changes from its sources, refreshes the materialized views that read them, and reports
 * through typed events (`refresh`, `error`, `warning`, `source`, `stop`). `flush()` waits until every
 * pending refresh has run; `stop()` stops hearing and waits for a refresh already running.
 */
export class AutoRefresh extends AutoRefreshEmitter {
  // With the triggers on, which hear every commit, the subscriber's commits are not counted twice.
  private readonly changes = new ChangeCollector((tables) =>
    this.tablesChanged(tables, this.active.has('triggers') ? 0 : 1),
  );
  private readonly scheduler: RefreshScheduler;
  private readonly definitions: readonly ViewDefinition[];
  private settings: ResolvedAutoRefreshOptions;
  private readonly declared: ReadonlySet<string>;
  /** Commits of batches skipped as covered by a refresh that was already running: reported with the next. */
  private readonly covered = new Map<string, number>();
  /** Options that took effect: a different value for one of them is a conflict. */
  private readonly fixed = new Set<OptionName>();
  private readonly active = new Set<AutoRefreshSourceName>();
  private detachSubscriber?: () => void;
  private triggersStarting?: Promise<void>;
  private readonly router: ChangeRouter;
  private listener?: ChangeListener;
  private lastSighting: Promise<void> = Promise.resolve();
  private readonly coordination: Coordination;
  private readonly watchdog: NodeJS.Timeout;
  private stopping?: Promise<void>;
  /** @internal The `refreshEvery` schedules (schedule.ts), of views with or without `autoRefresh`. */
  readonly schedule: RefreshSchedule;

  /** @internal Use `enableAutoRefresh` or `AutoRefreshSubscriber`. Starts on the defaults, with no source. */
  constructor(
    dataSource: DataSource,
    private readonly hooks: AutoRefreshHooks,
  ) {
    super(dataSource);
    this.settings = defaultOptionsFor(poolSizeOf(dataSource));
    // Collected once: the auto-refreshed views here, the scheduled ones (refreshEvery) below.
    const declared = collectViews(dataSource);
    this.definitions = declared.filter((d) => d.kind === 'materialized' && d.autoRefresh);
    this.declared = new Set(this.definitions.map(relationKey));
    this.coordination = new Coordination(
      dataSource,
      this.stateTableName(),
      {
        unavailable: (table, error) =>
          this.fail(
            `Auto-refresh cannot create or upgrade ${displayName(table)} (${messageOf(error)}), so it runs without coordinating with other processes: each process refreshes for its own changes. Create the table (see docs/auto-refresh.md) or pass coordinate: false.`,
            error,
          ),
        undecided: (view, table) =>
          this.warn({
            code: 'state-undecidable',
            view,
            message: `Auto-refresh of ${displayName(view)}: the last refresh start recorded in ${displayName(table)} is beyond its sequence ${displayName(stateSequenceOf(table))} (reset or recreated, or the table was copied from elsewhere), so whether it covers the pending changes cannot be decided; refreshing anyway. This refresh records a current value, so the next ones decide normally.`,
          }),
      },
      () => this.settings.maxConcurrentRefreshes,
    );
    this.router = new ChangeRouter(this.definitions, {
      load: () => loadWatchGraph((sql) => this.dataSource.query(sql), this.definitions),
      ttlMs: () => this.settings.catalogTtlMs,
      mark: (view, tables, commits) => this.scheduler.mark(view, tables, commits),
      // After the marks: the reading is taken after the change, so a refresh recorded later covers it.
      marked: () => {
        this.lastSighting = this.coordination.seen();
      },
      failed: (error) => {
        if (this.dataSource.isInitialized)
          this.fail(`Auto-refresh could not read view dependencies: ${messageOf(error)}.`, error);
      },
      stopped: () => this.stopping !== undefined,
    });
    this.scheduler = new RefreshScheduler({
      timing: (view) => this.router.graph!.timing.get(view)!,
      budget: () => this.settings.maxConcurrentRefreshes,
      maxShare: () => this.settings.maxRefreshShare,
      upstream: (view) => this.router.graph?.upstream.get(view) ?? new Set(),
      downstream: (view) => this.router.graph?.downstream.get(view) ?? new Set(),
      run: (view, batch) => this.run(view, batch),
      refreshed: (view, batch, outcome) => this.emitRefresh(view, batch, outcome),
      failed: (view, _batch, error, attempt, retryInMs) => {
        const name = displayName(this.router.graph!.views.get(view)!);
        this.report(
          new AutoRefreshError(
            `Auto-refresh of ${name} failed (attempt ${attempt}, retrying in ${Math.round(retryInMs)} ms): ${messageOf(error)}. The writes that caused it are committed; fix the cause, and the next attempt or change refreshes it.`,
            this.router.graph!.views.get(view),
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
    this.schedule = new RefreshSchedule(dataSource, declared, {
      stateTable: () => this.coordination.ready(),
      lease: () => this.coordination.lease(),
      load: () => this.scheduler.load(),
      refreshed: (event) => this.emitSafely('refresh', event),
      failed: (error) => this.report(error),
      backoffMs: (n) => Math.min(this.settings.retry.maxMs, this.settings.retry.initialMs * 2 ** (n - 1)),
    });
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

  /**
   * Whether this auto-refresh knows of committed changes to what `view` reads that no finished refresh
   * covers: the time the oldest was seen, or `null` when nothing is outstanding. Undefined when `view` is
   * not one it refreshes (it cannot tell). Used by `getFreshness`.
   */
  pendingSince(view: QualifiedName): Date | null | undefined {
    const key = relationKey(view);
    if (!this.declared.has(key)) return undefined;
    const since = this.scheduler.pendingSince(key);
    return since === undefined ? null : new Date(Date.now() - (performance.now() - since));
  }

  /**
   * The refresh budget's load now: views queued for a place, refreshes running, the budget, the share of
   * its time spent refreshing and the pressure that widens windows (also on every `'refresh'` event).
   */
  get load(): RefreshLoad {
    return this.scheduler.load();
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
    checkRefreshBudget(options.maxConcurrentRefreshes, poolSizeOf(this.dataSource));
    checkRefreshShare(options.maxRefreshShare);
    const next = mergeOptions(this.settings, this.fixed, options);
    if (next.coordinate !== this.settings.coordinate)
      this.coordination.use(next.coordinate ? this.stateTableName() : undefined);
    this.settings = next;
    for (const key of FIXED_AT_FIRST_CALL) this.fixed.add(key);
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

  /** @internal A subscriber handler failed (a bug here): reported, never thrown into the writer's save(). */
  subscriberFailed(error: unknown): void {
    this.fail(
      `Auto-refresh could not handle a TypeORM event: ${messageOf(error)}. The write is unaffected; changes it made may not be refreshed until the next one.`,
      error,
    );
  }

  /** @internal Loads the watch graph now (so the first changes resolve without waiting). */
  async loadGraph(): Promise<void> {
    await this.router.reload();
  }

  /** Tables whose changes are committed: mark the views that read them stale. Never throws. */
  tablesChanged(tables: readonly QualifiedName[], commits: number): void {
    if (this.stopping || tables.length === 0) return;
    this.router.changed(tables, commits);
  }

  /**
   * @internal For tests of several processes: resolves once the sequence reading after the last change seen
   * has been taken (until then, another process's refresh cannot be shown to cover that change).
   */
  async sighted(): Promise<void> {
    if (this.router.pending) await this.router.ensure(); // changes waiting for the watch graph: marked after it
    await this.lastSighting;
  }

  /**
   * Resolves when every change committed before the call (heard by the subscriber, or notified through
   * the triggers) has been refreshed, or its refresh failed and was reported. Ignores debounce windows.
   */
  async flush(): Promise<void> {
    // With triggers, first hear every notification committed so far.
    await this.listener?.sync().catch(() => undefined);
    do {
      if (this.router.pending) await this.router.ensure();
      await this.scheduler.flush();
      // Changes buffered behind a catalog reload meanwhile: go round again.
    } while (!this.stopping && this.router.pending);
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
    this.router.clear();
    this.active.clear();
    this.detachSubscriber?.();
    this.detachSubscriber = undefined;
    // The refresh pool closes after the scheduler and the schedule: a refresh still running keeps its connection to the end.
    this.stopping = Promise.all([
      Promise.all([this.scheduler.stop(), this.schedule.stop()]).then(() => this.coordination.stop()),
      this.listener?.stop(),
    ]).then(() => undefined);
    this.emitSafely('stop', { reason });
    return this.stopping;
  }

  private addSubscriber(): void {
    if (this.active.has('subscriber')) return;
    this.detachSubscriber = attachSubscriber(this.dataSource, () => this.hooks.createSubscriber());
    this.active.add('subscriber');
    this.emitSafely('source', { source: 'subscriber' });
  }

  /** Installs missing triggers (unless told not to), then LISTENs. */
  private async startTriggers(): Promise<void> {
    this.fixed.add('installTriggers');
    // The watch graph enableAutoRefresh just loaded serves the trigger plan too: the catalog is read once.
    if (this.settings.installTriggers)
      await ensureAutoRefreshTriggers(this.dataSource, this.definitions, this.router.graph);
    if (this.stopping) return;
    this.listener = new ChangeListener(
      this.dataSource,
      {
        changed: (tables) => this.tablesChanged(tables, 1),
        reconnected: () => this.markAll(),
        error: (error) => this.fail(`Auto-refresh listener: ${messageOf(error)}; reconnecting.`, error),
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
    void this.router.ensure().then(() => this.tablesChanged(this.router.watchedTables(), 0));
  }

  private async run(view: string, batch: Batch): Promise<Outcome> {
    if (!this.dataSource.isInitialized || this.stopping) {
      void this.halt(this.dataSource.isInitialized ? 'stop' : 'destroyed');
      return { kind: 'dropped' };
    }
    const definition = this.router.graph!.views.get(view)!;
    const name = { schema: definition.schema, name: definition.name };
    try {
      const outcome = await this.coordination.refresh(name, definition.autoRefresh!.concurrently, batch.lastAt);
      if (outcome.kind === 'covered') this.covered.set(view, (this.covered.get(view) ?? 0) + batch.commits);
      return outcome;
    } catch (error) {
      if (this.dataSource.isInitialized) throw error;
      // destroy() does not wait for the pool's clients: it cut this refresh off. Not a failure to retry.
      this.warn({
        code: 'destroyed-during-refresh',
        view: name,
        message: `Auto-refresh of ${displayName(name)} was cut off: the DataSource was destroyed while it ran and it failed (${messageOf(error)}), so it was rolled back and ${batch.commits} commit(s) it covered are not in the view. Call await auto.flush() and await auto.stop() before dataSource.destroy().`,
      });
      void this.halt('destroyed');
      return { kind: 'dropped' };
    }
  }

  private stateTableName(): QualifiedName {
    return { schema: defaultSchemaOf(this.dataSource), name: STATE_TABLE_NAME };
  }

  private emitRefresh(view: string, batch: Batch, outcome: Extract<Outcome, { kind: 'refreshed' }>): void {
    const definition = this.router.graph!.views.get(view)!;
    this.schedule.noteRefresh(view, outcome.durationMs);
    const covered = this.covered.get(view) ?? 0;
    this.covered.delete(view);
    const event: AutoRefreshEvent = {
      view: { schema: definition.schema, name: definition.name },
      reason: 'change',
      durationMs: outcome.durationMs,
      concurrently: outcome.concurrently,
      changedTables: [...batch.tables].sort(),
      commitsCoalesced: batch.commits + covered,
      stalenessMs: performance.now() - batch.firstAt,
      load: this.scheduler.load(),
    };
    this.emitSafely('refresh', event);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
