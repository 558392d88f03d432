// The provider PgViewModule makes per DataSource: the startup sync, the auto-refresh handle and its
// shutdown, and the library's refresh and status functions bound to that DataSource.
import type { BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { PgViewError } from '../errors';
import { getFreshness, type ViewFreshness } from '../freshness/freshness';
import { enableAutoRefresh } from '../refresh/auto/enable';
import type { AutoRefresh } from '../refresh/auto/engine';
import type { AutoRefreshEvents, AutoRefreshListener } from '../refresh/auto/events';
import { runningAutoRefresh } from '../refresh/auto/registry';
import {
  refreshAllMaterializedViews,
  refreshMaterializedView,
  refreshMaterializedViews,
  type RefreshOptions,
  type RefreshResult,
  type ViewTarget,
} from '../refresh/refresh';
import { getStatus, type StatusOptions, type ViewStatus } from '../status/status';
import { synchronizeSchema } from '../sync/schema';
import { syncViews } from '../sync/sync-views';
import type { ResolvedPgViewOptions } from './options';

type Subscription = { [E in keyof AutoRefreshEvents]: [E, AutoRefreshListener<E>] }[keyof AutoRefreshEvents];

/**
 * The views of one TypeORM DataSource in a Nest application. Injected as `PgViewService` for the default
 * DataSource, with `@InjectPgView(name)` for a named one. Its lifecycle, run by Nest: `onModuleInit` syncs
 * the views (option `sync`) then starts auto-refresh (option `autoRefresh`); `beforeApplicationShutdown`,
 * which Nest runs before TypeOrmModule destroys the DataSource, flushes and stops the auto-refresh.
 *
 * @example
 * // in a provider's constructor(private readonly views: PgViewService):
 * views.on('refresh', (e) => console.log(`${e.view.name} refreshed in ${e.durationMs} ms`));
 * await views.refresh(UserStats, { concurrently: true });
 */
export class PgViewService implements OnModuleInit, BeforeApplicationShutdown {
  private auto?: AutoRefresh;
  private readonly subscriptions: Subscription[] = [];

  /** @internal Made by PgViewModule; inject it, do not construct it. */
  constructor(
    /** The TypeORM DataSource these views live in (the one TypeOrmModule created). */
    readonly dataSource: DataSource,
    /** The module's options, defaults applied. */
    readonly options: ResolvedPgViewOptions,
  ) {}

  /** The running auto-refresh started at bootstrap (undefined before it, with `autoRefresh: false`, or after shutdown). */
  get autoRefresh(): AutoRefresh | undefined {
    return this.auto && !this.auto.stopped ? this.auto : undefined;
  }

  /**
   * Listens to the auto-refresh's events (`'refresh'`, `'error'`, `'warning'`, `'source'`, `'stop'`). May be
   * called before bootstrap (in a constructor): the listener is attached when auto-refresh starts.
   *
   * @example views.on('error', (e) => logger.warn(e.message));
   */
  on<E extends keyof AutoRefreshEvents>(event: E, listener: AutoRefreshListener<E>): this {
    this.subscriptions.push([event, listener] as Subscription);
    this.auto?.on(event, listener);
    return this;
  }

  /** Removes a listener added with `on`. */
  off<E extends keyof AutoRefreshEvents>(event: E, listener: AutoRefreshListener<E>): this {
    const at = this.subscriptions.findIndex(([e, l]) => e === event && l === listener);
    if (at >= 0) this.subscriptions.splice(at, 1);
    this.auto?.off(event, listener);
    return this;
  }

  /** Refreshes one materialized view (`refreshMaterializedView` on this DataSource). */
  refresh(view: ViewTarget, options?: RefreshOptions): Promise<RefreshResult> {
    return refreshMaterializedView(this.dataSource, view, options);
  }

  /** Refreshes several materialized views in dependency order (`refreshMaterializedViews`). */
  refreshMany(views: readonly ViewTarget[], options?: RefreshOptions): Promise<RefreshResult[]> {
    return refreshMaterializedViews(this.dataSource, views, options);
  }

  /** Refreshes every materialized view the DataSource declares (`refreshAllMaterializedViews`). */
  refreshAll(options?: RefreshOptions): Promise<RefreshResult[]> {
    return refreshAllMaterializedViews(this.dataSource, options);
  }

  /** Each declared view's state, drift and last refresh (`getStatus`): what a health check reads. */
  getStatus(options?: StatusOptions): Promise<ViewStatus[]> {
    return getStatus(this.dataSource, options);
  }

  /**
   * How fresh one materialized view is, or every declared one (`getFreshness`): last refresh, age, stale
   * (from this application's auto-refresh), the `maxStalenessMs` breach, the last error.
   *
   * @example
   * const f = await views.getFreshness(UserStats);
   * if (f.breached) logger.warn(`user_stats is ${f.ageMs} ms old`);
   */
  getFreshness(view: ViewTarget): Promise<ViewFreshness>;
  getFreshness(): Promise<ViewFreshness[]>;
  getFreshness(view?: ViewTarget): Promise<ViewFreshness | ViewFreshness[]> {
    return view === undefined ? getFreshness(this.dataSource) : getFreshness(this.dataSource, view);
  }

  /** Waits until every change heard so far is refreshed into its views (no-op without auto-refresh). */
  async flush(): Promise<void> {
    await this.autoRefresh?.flush();
  }

  /** @internal Nest's hook: the sync, then auto-refresh. */
  async onModuleInit(): Promise<void> {
    if (!this.dataSource.isInitialized)
      throw new PgViewError(
        'PgViewModule: the DataSource is not initialized. Let TypeOrmModule create it (without manualInitialization), or initialize it before the module starts.',
      );
    const { sync, syncOptions, autoRefresh } = this.options;
    if (sync === 'views') await syncViews(this.dataSource, syncOptions);
    if (sync === 'schema') await synchronizeSchema(this.dataSource, syncOptions);
    if (autoRefresh === false) return;
    // Returns the auto-refresh already running on this DataSource, if any (a second PgViewModule, the
    // subscriber in the TypeORM options): one engine and one subscriber per DataSource.
    const auto = await enableAutoRefresh(this.dataSource, autoRefresh);
    this.auto = auto;
    for (const [event, listener] of this.subscriptions) auto.on(event, listener as never);
  }

  /**
   * @internal Nest's hook, run before TypeOrmModule's onApplicationShutdown destroys the DataSource: lets
   * what was committed be refreshed, then stops (TypeORM's destroy() would cut a running refresh off).
   */
  async beforeApplicationShutdown(): Promise<void> {
    const auto = this.auto ?? runningAutoRefresh(this.dataSource);
    this.auto = undefined;
    if (!auto || auto.stopped || !this.dataSource.isInitialized) return;
    await auto.flush();
    await auto.stop();
  }
}
