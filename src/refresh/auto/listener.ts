// The `triggers` change source, application side: a dedicated connection LISTENing on the library's
// channel. It is a pg Client of its own, not a pool client: a client held out of TypeORM's pool would make
// `dataSource.destroy()` wait for it forever. When the connection drops (server restart, network,
// pg_terminate_backend) it reconnects with backoff and reports `reconnected`, because notifications sent
// while it was away are lost: the engine then refreshes every watched view once.
import type { DataSource } from 'typeorm';
import { listenSql, NOTIFY_CHANNEL, notifySql } from '../../ddl/auto-refresh';
import type { QualifiedName } from '../../ddl/identifiers';
import { runStatement } from '../../db/target';
import { connectionOptionsOf, pgOf } from './connection';

/** The application_name of the listener connection (visible in pg_stat_activity). */
export const LISTENER_APPLICATION_NAME = 'typeorm-pgview auto-refresh listener';

interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeAllListeners(): unknown;
  processID?: number | null;
}

export interface ListenerHooks {
  changed(tables: QualifiedName[]): void;
  reconnected(): void;
  error(error: unknown): void;
}

/** A pg Client of its own for the primary, built like TypeORM's pool (see connection.ts). */
function clientOf(dataSource: DataSource): PgClient {
  const { Client } = pgOf(dataSource);
  return new Client({
    ...connectionOptionsOf(dataSource, LISTENER_APPLICATION_NAME),
    keepAlive: true,
  }) as PgClient;
}

export class ChangeListener {
  private client?: PgClient;
  private stopped = false;
  private failures = 0;
  private timer?: NodeJS.Timeout;
  private connecting?: Promise<boolean>;
  private readonly syncs = new Map<string, () => void>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly hooks: ListenerHooks,
    private readonly backoffMs: (failures: number) => number,
  ) {}

  /** Connects and LISTENs; resolves true once listening, false if this attempt failed (it retries). */
  start(): Promise<boolean> {
    return (this.connecting ??= this.connect(false).finally(() => (this.connecting = undefined)));
  }

  /** The listener's backend process id, while connected. */
  get pid(): number | undefined {
    return this.client?.processID ?? undefined;
  }

  /**
   * Resolves once every notification committed before this call has been received: sends one of our own
   * through the pool and waits for it (PostgreSQL delivers notifications in commit order). Resolves at
   * once when not connected (the reconnect refreshes everything anyway), and after 2 s at most.
   */
  async sync(): Promise<void> {
    if (!this.client || this.stopped) return;
    const token = `${process.pid}.${Math.random().toString(36).slice(2)}`;
    let timer: NodeJS.Timeout | undefined;
    const heard = new Promise<void>((resolve) => {
      this.syncs.set(token, resolve);
      timer = setTimeout(resolve, 2000);
      timer.unref();
    });
    try {
      await runStatement(this.dataSource, notifySql(JSON.stringify({ sync: token })));
      await heard;
    } finally {
      clearTimeout(timer);
      this.syncs.delete(token);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const resolve of this.syncs.values()) resolve();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const client = this.client;
    this.client = undefined;
    if (client) {
      // end() on a half-dead socket may never settle: give it a moment, then leave it to the GC.
      const ended = client.end().catch(() => undefined);
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([ended, new Promise<void>((r) => (timeout = setTimeout(r, 1000)))]);
      clearTimeout(timeout);
    }
  }

  private async connect(isReconnect: boolean): Promise<boolean> {
    if (this.stopped) return false;
    const client = clientOf(this.dataSource);
    // An 'error' event without a listener would crash the process: always listen.
    client.on('error', (error: unknown) => this.dropped(client, error));
    client.on('end', () => this.dropped(client, undefined));
    client.on('notification', (message: { channel: string; payload?: string }) => this.notified(message));
    try {
      await client.connect();
      await client.query(listenSql());
    } catch (error) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      void client.end().catch(() => undefined);
      this.hooks.error(error);
      // Once it connects, treat it as a reconnect: changes made meanwhile were not heard.
      this.retry();
      return false;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return false;
    }
    this.client = client;
    this.failures = 0;
    if (isReconnect) this.hooks.reconnected();
    return true;
  }

  private notified(message: { channel: string; payload?: string }): void {
    if (message.channel !== NOTIFY_CHANNEL || !message.payload) return;
    try {
      const parsed = JSON.parse(message.payload) as unknown;
      const sync = (parsed as { sync?: unknown }).sync;
      if (typeof sync === 'string') this.syncs.get(sync)?.();
      else if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((p) => typeof p === 'string'))
        this.hooks.changed([{ schema: parsed[0] as string, name: parsed[1] as string }]);
    } catch {
      // Not ours (someone else NOTIFYing on the channel): ignore.
    }
  }

  private dropped(client: PgClient, error: unknown): void {
    if (this.client !== client) return; // an old client, or one still connecting (handled there)
    this.client = undefined;
    client.removeAllListeners();
    client.on('error', () => undefined);
    if (this.stopped) return;
    if (error) this.hooks.error(error);
    this.retry();
  }

  private retry(): void {
    if (this.stopped || this.timer) return;
    this.failures++;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect(true);
    }, this.backoffMs(this.failures));
    this.timer.unref();
  }
}
