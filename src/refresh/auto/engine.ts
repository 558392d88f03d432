// One DataSource's auto-refresh: change sources (subscriber collector, trigger listener) feed table
// names; the watch graph turns them into stale views; the scheduler decides when; the coordinator
// refreshes on a pooled connection. Nothing here ever throws into a writer or awaits a refresh for it.
import { EventEmitter } from 'node:events';
import type { DataSource } from 'typeorm';
import { displayName, relationKey, type QualifiedName } from '../../ddl/identifiers';
import { PgViewError } from '../../errors';
import { collectViews, defaultSchemaOf } from '../../metadata/collect';
import type { ViewDefinition } from '../../metadata/definition';
import { ChangeCollector } from './collector';
import { STATE_TABLE_NAME } from '../../ddl/auto-refresh';
import { ensureStateTable, refreshCoordinated } from './coordinator';
import { loadWatchGraph, type WatchGraph } from './graph';
import { ChangeListener } from './listener';
import { RefreshScheduler, type Batch, type Outcome } from './scheduler';
import { ensureAutoRefreshTriggers } from './triggers';

/** Where changes are learned from. See docs/auto-refresh.md for the trade-offs. */
export type AutoRefreshSource = 'subscriber' | 'triggers' | 'both';

/** Options of `enableAutoRefresh`. */
export interface EnableAutoRefreshOptions {
  /** `'subscriber'`: TypeORM row and transaction events. `'triggers'`: database triggers + LISTEN. Default: `'subscriber'`. */
  source?: AutoRefreshSource;
  /** With triggers: install missing triggers when enabling (DDL only when one is missing). Default: `true`. */
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

const LOCK_RETRY_MS = 50;
const WATCHDOG_MS = 1000;

export class AutoRefresh extends EventEmitter {
  // With source 'both' every commit is heard twice; the triggers, which hear them all, do the counting.
  /** @internal */ readonly collector = new ChangeCollector((tables) =>
    this.tablesChanged(tables, this.options.source === 'both' ? 0 : 1),
  );
  private readonly scheduler: RefreshScheduler;
  private readonly definitions: readonly ViewDefinition[];
  private graph?: WatchGraph;
  private graphAt = -Infinity;
  private graphLoading?: Promise<void>;
  private buffered: { tables: QualifiedName[]; commits: number }[] = [];
  private listener?: ChangeListener;
  private stateTable?: QualifiedName;
  private stateTableChecked?: Promise<void>;
  private watchdog?: NodeJS.Timeout;
  private stopping?: Promise<void>;
  /** @internal */ subscriberSource = false;
  /** @internal */ onStop?: () => void;

  /** @internal Use `enableAutoRefresh` or `AutoRefreshSubscriber`. */
  constructor(
    readonly dataSource: DataSource,
    private readonly options: EnableAutoRefreshOptions = {},
  ) {
    super();
    this.definitions = collectViews(dataSource).filter((d) => d.kind === 'materialized' && d.autoRefresh);
    if (options.coordinate !== false) this.stateTable = { schema: defaultSchemaOf(dataSource), name: STATE_TABLE_NAME };
    const retry = { initialMs: 200, maxMs: 30_000, ...options.retry };
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
      backoffMs: (n) => Math.min(retry.maxMs, retry.initialMs * 2 ** (n - 1)),
    });
    // The DataSource has no "destroyed" event: look now and then, so a forgotten stop() holds nothing open.
    this.watchdog = setInterval(() => {
      if (!this.dataSource.isInitialized) void this.stop();
    }, WATCHDOG_MS);
    this.watchdog.unref();
  }

  /** Listens for finished refreshes (`'refresh'`) or failures (`'error'`, also written to the DataSource logger). */
  override on(event: 'refresh', listener: (event: AutoRefreshEvent) => void): this;
  override on(event: 'error', listener: (error: AutoRefreshError) => void): this;
  override on(event: string, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override once(event: 'refresh', listener: (event: AutoRefreshEvent) => void): this;
  override once(event: 'error', listener: (error: AutoRefreshError) => void): this;
  override once(event: string, listener: (...args: never[]) => void): this {
    return super.once(event, listener as (...args: unknown[]) => void);
  }

  override off(event: 'refresh' | 'error', listener: (...args: never[]) => void): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }

  /** The auto-refreshed views, as declared. */
  get views(): readonly ViewDefinition[] {
    return this.definitions;
  }

  /** @internal Starts the trigger listener (installing missing triggers first unless told not to). */
  async startTriggers(): Promise<void> {
    if (this.listener) return;
    if (this.options.installTriggers !== false) await ensureAutoRefreshTriggers(this.dataSource, this.definitions);
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
    const ttl = this.graphComplete() ? (this.options.catalogTtlMs ?? 5000) : 0;
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
   * Stops: drops changes not refreshed yet (call `flush()` first to run them), waits for a refresh already
   * running, closes the listener and clears every timer. Safe to call twice, and after `destroy()`.
   */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      if (this.watchdog) clearInterval(this.watchdog);
      this.buffered = [];
      this.onStop?.();
      await Promise.all([this.scheduler.stop(), this.listener?.stop()]);
    })());
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
      void this.stop();
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
    try {
      this.emit('refresh', event);
    } catch (error) {
      this.report(
        new AutoRefreshError(
          `An auto-refresh 'refresh' listener threw: ${messageOf(error)}.`,
          event.view,
          0,
          undefined,
          { cause: error },
        ),
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
