// The one way every command gets its DataSource: load the -d file, make sure connecting changes nothing,
// connect (a failure is one line naming the file, and the host for replication setups), run, disconnect.
import type { DataSource } from 'typeorm';
import { CliError } from './errors';
import { loadDataSource } from './load-data-source';

interface HostOptions {
  host?: string;
  port?: number;
  url?: string;
}

/** `host:port` of a connection's options, as the error from a failed connect names it. */
function hostOf(options: HostOptions): string {
  if (options.url) {
    try {
      const url = new URL(options.url);
      return `${url.hostname}:${url.port || 5432}`;
    } catch {
      return options.url;
    }
  }
  return `${options.host ?? 'localhost'}:${options.port ?? 5432}`;
}

/**
 * For a TypeORM `replication` config, which server refused: the error of a refused connection carries
 * the address and port it tried; matched against the master's and each slave's. Undefined when it cannot
 * be told.
 */
export function failedReplicaHost(options: DataSource['options'], error: unknown): string | undefined {
  const replication = (options as { replication?: { master?: HostOptions; slaves?: HostOptions[] } }).replication;
  if (!replication) return undefined;
  const e = error as { address?: string; port?: number; message?: string };
  const servers = [
    ...(replication.master ? [{ role: 'master', options: replication.master }] : []),
    ...(replication.slaves ?? []).map((s, i) => ({ role: `slave ${i + 1}`, options: s })),
  ];
  const match = servers.find(({ options: o }) => {
    const [host, port] = hostOf(o).split(':');
    if (e.port !== undefined && String(e.port) !== port) return false;
    return e.address === host || (e.message ?? '').includes(`${host}:${port}`);
  });
  return match ? `${match.role} ${hostOf(match.options)}` : undefined;
}

/**
 * Loads the DataSource of `file`, connects it with schema changes and logging turned off (as the TypeORM
 * CLI does: a command never synchronizes, runs migrations or drops the schema by itself), runs `fn`, and
 * disconnects whatever happened.
 */
export async function withDataSource<T>(file: string, fn: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const dataSource = await loadDataSource(file);
  dataSource.setOptions({ synchronize: false, migrationsRun: false, dropSchema: false, logging: false });
  try {
    await dataSource.initialize();
  } catch (error) {
    const host = failedReplicaHost(dataSource.options, error);
    const why = ((error as Error).message ?? String(error)).split('\n')[0];
    throw new CliError(
      `Cannot connect with the data source in ${file}${host ? ` (replication: ${host})` : ''}: ${why}`,
    );
  }
  try {
    return await fn(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
