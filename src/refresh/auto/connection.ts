// Connections auto-refresh opens for itself, never from the application's pool: the LISTEN client
// (listener.ts) and the refresh pool below. Both are built from the DataSource's options the way TypeORM
// builds its own pool (the primary's credentials under `replication`, `extra` spread over them), through
// the pg module TypeORM's driver loaded, so a refresh blocked behind a lock can never hold a connection a
// writer's save() is waiting for.
import type { DataSource, QueryRunner } from 'typeorm';
import { PgViewError } from '../../errors';

/** The application_name of refresh connections (visible in pg_stat_activity). */
export const REFRESH_APPLICATION_NAME = 'typeorm-pgview auto-refresh';

interface PgPoolClient {
  release(error?: unknown): void;
}

interface PgPool {
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: unknown) => void): unknown;
}

type PgModule = { Client: new (o: object) => unknown; Pool: new (o: object) => PgPool };

/** The pg module of the DataSource's driver (the one TypeORM loaded: the application's `pg`). */
export function pgOf(dataSource: DataSource): PgModule {
  return (dataSource.driver as unknown as { postgres: PgModule }).postgres;
}

type PoolOptions = Record<string, unknown> & {
  replication?: { master?: Record<string, unknown> };
  extra?: Record<string, unknown>;
  poolSize?: number;
  applicationName?: string;
};

/**
 * pg connection options for the DataSource's primary, as TypeORM's driver builds them (`extra` last, so a
 * user's ssl, statement_timeout or connection settings apply here too), with our own application_name.
 */
export function connectionOptionsOf(dataSource: DataSource, applicationName: string): Record<string, unknown> {
  const options = dataSource.options as unknown as PoolOptions;
  const credentials = options.replication?.master ?? options;
  return {
    connectionString: credentials.url,
    host: credentials.host,
    user: credentials.username,
    password: credentials.password,
    database: credentials.database,
    port: credentials.port,
    ssl: credentials.ssl,
    connectionTimeoutMillis: options.connectTimeoutMS,
    ...(options.extra ?? {}),
    // The application's own name first, so pg_stat_activity tells whose refresh it is (PostgreSQL keeps 63 bytes).
    application_name:
      typeof options.applicationName === 'string' && options.applicationName !== ''
        ? `${options.applicationName} (${applicationName})`
        : applicationName,
  };
}

/** The size of the DataSource's own pool: `extra.max`, else `poolSize`, else pg's default of 10. */
export function poolSizeOf(dataSource: DataSource): number {
  const options = dataSource.options as unknown as PoolOptions;
  const max = options.extra?.max ?? options.poolSize;
  return typeof max === 'number' && Number.isFinite(max) && max > 0 ? max : 10;
}

/** A refresh connection: a TypeORM query runner on one of our clients, and how to give it back. */
export interface RefreshLease {
  readonly queryRunner: QueryRunner;
  /** Returns the client to the refresh pool (`failed`: the connection may be broken, so it is closed). */
  release(failed?: unknown): Promise<void>;
}

/**
 * The refresh pool: at most `size()` connections of auto-refresh's own (the scheduler never runs more
 * refreshes at once), opened on first use, closed when idle (`allowExitOnIdle`, so an idle one never keeps
 * the process alive) and by `end()`.
 */
export class RefreshConnections {
  private pool?: PgPool;
  private poolSize = 0;
  private ended = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly size: () => number,
  ) {}

  /**
   * A TypeORM query runner on a refresh connection: TypeORM's PostgresQueryRunner uses the connection it
   * holds in `databaseConnection` instead of asking the application's pool, so queries, logging and
   * QueryFailedError behave as on any query runner, and `release()` leaves the client to us.
   */
  async lease(): Promise<RefreshLease> {
    if (this.ended) throw new PgViewError('Auto-refresh is stopped: its refresh connections are closed.');
    const client = await this.poolFor(this.size()).connect();
    const queryRunner = this.dataSource.createQueryRunner('master');
    (queryRunner as unknown as { databaseConnection: unknown }).databaseConnection = client;
    let released = false;
    return {
      queryRunner,
      release: async (failed?: unknown) => {
        if (released) return;
        released = true;
        await queryRunner.release().catch(() => undefined);
        client.release(failed instanceof Error ? failed : undefined);
      },
    };
  }

  /** Closes the pool once its leased connections are back (a running refresh finishes first). */
  async end(): Promise<void> {
    this.ended = true;
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end().catch(() => undefined);
  }

  /** The pool, re-made (the old one closing behind it) when the budget changed since it was made. */
  private poolFor(size: number): PgPool {
    if (this.pool && this.poolSize === size) return this.pool;
    void this.pool?.end().catch(() => undefined);
    const { Pool } = pgOf(this.dataSource);
    const pool = new Pool({
      ...connectionOptionsOf(this.dataSource, REFRESH_APPLICATION_NAME),
      max: size,
      allowExitOnIdle: true,
    });
    // An 'error' on an idle client without a listener would crash the process.
    pool.on('error', (error) => {
      try {
        this.dataSource.logger?.log(
          'warn',
          `typeorm-pgview auto-refresh: an idle refresh connection failed: ${String(error)}`,
        );
      } catch {
        // nothing left to report to
      }
    });
    this.pool = pool;
    this.poolSize = size;
    return pool;
  }
}
