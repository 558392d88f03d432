// What PgViewModule.forRoot and forRootAsync take. The one defaulting rule: resolveModuleOptions.
import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency, Type } from '@nestjs/common';
import { PgViewError } from '../errors';
import type { EnableAutoRefreshOptions } from '../refresh/auto/options';
import type { SchemaSyncOptions } from '../sync/schema';
import type { SyncOptions } from '../sync/sync-views';

/** What the module does at startup and shutdown for one DataSource (everything but which DataSource). */
export interface PgViewLifecycleOptions {
  /**
   * At bootstrap (`onModuleInit`): `'views'` runs `syncViews` (the tables are yours: migrations or
   * TypeORM's `synchronize`), `'schema'` runs `synchronizeSchema` (tables and views in one transaction; set
   * `synchronize: false` in TypeOrmModule), `false` does nothing (migrations create the views). Default: `false`.
   */
  sync?: 'views' | 'schema' | false;
  /** Options of that sync: `SyncOptions` for `'views'`, `SchemaSyncOptions` for `'schema'` (e.g. `{ dropUndeclared: false }`). */
  syncOptions?: SyncOptions & SchemaSyncOptions;
  /**
   * Start auto-refresh at bootstrap (after the sync): `true` is `enableAutoRefresh(dataSource)`, an object
   * is its options (`{ source: 'triggers' }`), `false` starts none. It registers the subscriber itself: no
   * `subscribers: [AutoRefreshSubscriber]` needed in TypeOrmModule (it does no harm: one subscriber either way).
   * Whatever auto-refresh runs on the DataSource is flushed and stopped at shutdown, whichever value.
   * Default: `true` (it only refreshes views declared with `autoRefresh`).
   */
  autoRefresh?: boolean | EnableAutoRefreshOptions;
}

/** Options of `PgViewModule.forRoot`. */
export interface PgViewModuleOptions extends PgViewLifecycleOptions {
  /** The name of the TypeORM DataSource, as given to `TypeOrmModule.forRoot({ name })`. Default: the default DataSource. */
  dataSource?: string;
}

/** Makes the lifecycle options for `forRootAsync({ useClass })` or `useExisting`. */
export interface PgViewOptionsFactory {
  /** Returns the options (or a promise of them); called once, at startup. */
  createPgViewOptions(): PgViewLifecycleOptions | Promise<PgViewLifecycleOptions>;
}

/** Options of `PgViewModule.forRootAsync`: the shape of `TypeOrmModule.forRootAsync`. Give one of `useFactory`, `useClass`, `useExisting`. */
export interface PgViewModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** The name of the TypeORM DataSource (known when the module is declared, as the tokens depend on it). Default: the default one. */
  dataSource?: string;
  /** Returns the options; its parameters are the providers listed in `inject`. */
  useFactory?: (...args: never[]) => PgViewLifecycleOptions | Promise<PgViewLifecycleOptions>;
  /** What `useFactory` receives, in order. */
  inject?: (InjectionToken | OptionalFactoryDependency)[];
  /** A class implementing `PgViewOptionsFactory`, instantiated by Nest for this module. */
  useClass?: Type<PgViewOptionsFactory>;
  /** A provider (from `imports` or global) implementing `PgViewOptionsFactory`. */
  useExisting?: InjectionToken<PgViewOptionsFactory>;
}

/** The options with every default applied. */
export interface ResolvedPgViewOptions {
  /** See `PgViewLifecycleOptions.sync`. */
  readonly sync: 'views' | 'schema' | false;
  /** See `PgViewLifecycleOptions.syncOptions`. */
  readonly syncOptions: SyncOptions & SchemaSyncOptions;
  /** `false`, or the options of `enableAutoRefresh`. */
  readonly autoRefresh: false | EnableAutoRefreshOptions;
}

/** @internal Applies the defaults and rejects a `sync` value that is none of the three. */
export function resolveModuleOptions(options: PgViewLifecycleOptions | undefined): ResolvedPgViewOptions {
  const sync = options?.sync ?? false;
  if (sync !== false && sync !== 'views' && sync !== 'schema')
    throw new PgViewError(
      `PgViewModule: option \`sync\` is ${JSON.stringify(sync)}. Use 'views' (syncViews), 'schema' (synchronizeSchema) or false.`,
    );
  const auto = options?.autoRefresh ?? true;
  return Object.freeze({
    sync,
    syncOptions: { ...options?.syncOptions },
    autoRefresh: auto === false ? false : auto === true ? {} : { ...auto },
  });
}
