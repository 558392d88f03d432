// PgViewModule: the dynamic module, forRoot and forRootAsync in the shape of TypeOrmModule's. It never
// creates a DataSource: it injects the one TypeOrmModule made, by its token.
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PgViewError } from '../errors';
import {
  resolveModuleOptions,
  type PgViewModuleAsyncOptions,
  type PgViewModuleOptions,
  type PgViewOptionsFactory,
  type ResolvedPgViewOptions,
} from './options';
import { PgViewService } from './service';
import { getPgViewOptionsToken, getPgViewServiceToken } from './tokens';

function serviceProvider(dataSource: string | undefined): Provider {
  return {
    provide: getPgViewServiceToken(dataSource),
    useFactory: (ds: DataSource, options: ResolvedPgViewOptions) => new PgViewService(ds, options),
    inject: [getDataSourceToken(dataSource), getPgViewOptionsToken(dataSource)],
  };
}

function asyncOptionsProviders(options: PgViewModuleAsyncOptions): Provider[] {
  const provide = getPgViewOptionsToken(options.dataSource);
  const given = (['useFactory', 'useClass', 'useExisting'] as const).filter((k) => options[k] !== undefined);
  if (given.length !== 1)
    throw new PgViewError(
      `PgViewModule.forRootAsync: give exactly one of useFactory, useClass or useExisting (${given.length === 0 ? 'none was given' : `got ${given.join(' and ')}`}).`,
    );
  if (options.useFactory) {
    const factory = options.useFactory as (...args: unknown[]) => ReturnType<NonNullable<typeof options.useFactory>>;
    return [
      {
        provide,
        useFactory: async (...args: unknown[]) => resolveModuleOptions(await factory(...args)),
        inject: options.inject ?? [],
      },
    ];
  }
  const fromFactory = {
    provide,
    useFactory: async (factory: PgViewOptionsFactory) => resolveModuleOptions(await factory.createPgViewOptions()),
    inject: [options.useClass ?? options.useExisting!],
  };
  return options.useClass ? [{ provide: options.useClass, useClass: options.useClass }, fromFactory] : [fromFactory];
}

/**
 * TypeORM's PostgreSQL views in a Nest application: syncs them at bootstrap when asked, runs auto-refresh
 * and stops it before TypeOrmModule destroys the DataSource, and provides `PgViewService`. Import it next to
 * `TypeOrmModule.forRoot`, once per DataSource (global, like TypeOrmModule's DataSource).
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     TypeOrmModule.forRoot({ type: 'postgres', url, entities: [User, Order, UserStats], synchronize: false }),
 *     PgViewModule.forRoot({ sync: 'schema' }),
 *   ],
 * })
 * class AppModule {}
 * ```
 */
@Module({})
export class PgViewModule {
  /**
   * The module for one DataSource, options known now. See `PgViewModuleOptions` for the defaults (no sync,
   * auto-refresh on).
   *
   * @example PgViewModule.forRoot({ dataSource: 'reporting', sync: 'views', autoRefresh: { source: 'triggers' } })
   */
  static forRoot(options: PgViewModuleOptions = {}): DynamicModule {
    const { dataSource, ...lifecycle } = options;
    return {
      module: PgViewModule,
      global: true,
      providers: [
        { provide: getPgViewOptionsToken(dataSource), useValue: resolveModuleOptions(lifecycle) },
        serviceProvider(dataSource),
      ],
      exports: [getPgViewServiceToken(dataSource)],
    };
  }

  /**
   * The module for one DataSource, options made at startup by a factory (`useFactory` + `inject`), a class
   * (`useClass`) or an existing provider (`useExisting`), as `TypeOrmModule.forRootAsync` takes them.
   *
   * @example
   * PgViewModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ sync: config.get('VIEW_SYNC') === 'on' ? 'schema' : false }),
   * })
   */
  static forRootAsync(options: PgViewModuleAsyncOptions): DynamicModule {
    return {
      module: PgViewModule,
      global: true,
      imports: options.imports ?? [],
      providers: [...asyncOptionsProviders(options), serviceProvider(options.dataSource)],
      exports: [getPgViewServiceToken(options.dataSource)],
    };
  }
}
