// What a running auto-refresh reports: its events and their payloads, and the error it emits.
import { EventEmitter } from 'node:events';
import type { DataSource } from 'typeorm';
import type { QualifiedName } from '../../ddl/identifiers';
import { PgViewError } from '../../errors';
import type { AutoRefreshSourceName } from './options';

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

type Listener<E extends keyof AutoRefreshEvents> = (...args: AutoRefreshEvents[E]) => void;

/** The typed events of an auto-refresh, and how it reports: never by throwing into auto-refresh itself. */
export class AutoRefreshEmitter extends EventEmitter {
  constructor(readonly dataSource: DataSource) {
    super();
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

  /** Emits to the user's listeners; one that throws is reported, never thrown into auto-refresh. */
  protected emitSafely<E extends 'refresh' | 'source' | 'stop'>(event: E, ...args: AutoRefreshEvents[E]): void {
    try {
      this.emit(event, ...args);
    } catch (error) {
      const view = event === 'refresh' ? (args[0] as AutoRefreshEvent).view : undefined;
      this.fail(`An auto-refresh '${event}' listener threw: ${messageOf(error)}.`, error, view);
    }
  }

  /** Reports a failure that is not a refresh's (no attempt count, no retry). */
  protected fail(message: string, cause: unknown, view?: QualifiedName): void {
    this.report(new AutoRefreshError(message, view, 0, undefined, { cause }));
  }

  /** Logs through the DataSource's logger and emits 'error' when someone listens (an unheard 'error' would throw). */
  protected report(error: AutoRefreshError): void {
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
