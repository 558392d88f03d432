// Fresh databases for each measurement, on the server named by DATABASE_URL (set by
// scripts/with-postgres.js when the user gave none), and DataSources built with only the given entities.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, type Logger, type MixedList, type EntitySchema } from 'typeorm';

export function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run through `npm run bench`, which starts a server if needed');
  return url;
}

function urlFor(database: string): string {
  const url = new URL(serverUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A database created for one measurement and dropped after it. Names are generated: safe to inline. */
export class BenchDatabase {
  private constructor(
    readonly name: string,
    readonly url: string,
  ) {}

  static async create(prefix: string): Promise<BenchDatabase> {
    const name = `bench_${prefix}_${randomBytes(4).toString('hex')}`;
    await admin((c) => c.query(`CREATE DATABASE ${name}`));
    return new BenchDatabase(name, urlFor(name));
  }

  /** Runs SQL on a short-lived connection to this database. */
  async query(sql: string, params?: unknown[]): Promise<unknown[]> {
    const client = await this.client();
    try {
      return (await client.query(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  /** A connected pg client on this database (the caller ends it). */
  async client(): Promise<Client> {
    const client = new Client({ connectionString: this.url });
    await client.connect();
    return client;
  }

  /** An initialized DataSource over this database with only `entities`, queries counted by `counter`. */
  async connect(
    entities: MixedList<Function | string | EntitySchema>,
    counter?: QueryCounter,
    poolSize = 10,
  ): Promise<DataSource> {
    const ds = new DataSource({
      type: 'postgres',
      url: this.url,
      entities,
      synchronize: false,
      logging: counter ? ['query'] : false,
      logger: counter,
      extra: { max: poolSize },
    });
    return ds.initialize();
  }

  async drop(): Promise<void> {
    await admin(async (c) => {
      await c.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [this.name],
      );
      await c.query(`DROP DATABASE IF EXISTS ${this.name}`);
    });
  }
}

const DDL = /^\s*(CREATE|DROP|ALTER|COMMENT|REFRESH|GRANT|REVOKE)\b/i;
/** syncViews sends a plan's statements as one query: `SAVEPOINT typeorm_pgview_steps;\n<step>\n;\n<step> ...`. */
const STEPS_BATCH = /^SAVEPOINT typeorm_pgview_steps;\n/;

/**
 * The DDL statements of one query sent: itself, or each step of a batch of plan steps. Probes (sent after a
 * savepoint or a comment, always rolled back) leave no DDL behind and count none.
 */
function ddlStatements(query: string): string[] {
  const statements = STEPS_BATCH.test(query) ? query.replace(STEPS_BATCH, '').split('\n;\n') : [query];
  return statements.filter((s) => DDL.test(s));
}

/**
 * A TypeORM logger that counts every query sent (through any query runner of the DataSource: round trips),
 * and the DDL statements among them, so TypeORM's synchronize and syncViews are counted the same way.
 */
export class QueryCounter implements Logger {
  queries = 0;
  ddl = 0;
  readonly ddlText: string[] = [];

  reset(): void {
    this.queries = 0;
    this.ddl = 0;
    this.ddlText.length = 0;
  }

  logQuery(query: string): void {
    this.queries++;
    for (const statement of ddlStatements(query)) {
      this.ddl++;
      this.ddlText.push(statement);
    }
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** The server's version and the machine's shape, for the results. */
export async function environment(): Promise<Record<string, unknown>> {
  const os = await import('node:os');
  const version = await admin(async (c) => (await c.query("SELECT current_setting('server_version') AS v")).rows[0].v);
  return {
    postgres: version,
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
