// What a running auto-refresh reports: its events and their payloads, and the error it emits.
import { EventEmitter } from 'node:events';
import type { DataSource } from 'typeorm';
import type { QualifiedName } from '../../ddl/identifiers';
import { PgViewError } from '../../errors';
import type { RefreshLoad } from './load';
import type { AutoRefreshSourceName } from './options';

/** A finished auto-refresh. */
export interface AutoRefreshEvent {
  /** The materialized view refreshed. */
  readonly view: QualifiedName;
  /**
   * Why it ran: `'change'`, after committed changes to what it reads; `'schedule'`, its `refreshEvery`
   * interval had no refresh yet (then `changedTables` is empty and `commitsCoalesced` 0).
   */
  readonly reason: 'change' | 'schedule';
  /** How long the refresh took, in milliseconds. */
  readonly durationMs: number;
  /** Whether REFRESH ... CONCURRENTLY ran. */
  readonly concurrently: boolean;
  /** `schema.table` names whose changes it covers (a view name when it follows another auto-refreshed view). */
  readonly changedTables: readonly string[];
  /**
   * Commits (or autocommitted writes) this refresh covers: those folded into it, plus those of a batch
   * found already covered since the view's last event (by a refresh that was running when they arrived,
   * or another process's), so that the events of one process add up to every commit it saw.
   */
  readonly commitsCoalesced: number;
  /**
   * How stale the view was: from the first change this refresh covers being seen to the refresh's end,
   * in milliseconds (window, queue and refresh time together; compare with the view's bound). For a
   * `'schedule'` refresh: from the start of the interval it served to the refresh's end.
   */
  readonly stalenessMs: number;
  /** The refresh budget's load as this refresh ended: queue length, refresh share, pressure. */
  readonly load: RefreshLoad;
}

/** A change source went live (`'source'` event). */
export interface AutoRefreshSourceEvent {
  /** The source now heard: `'subscriber'` or `'triggers'`. */
  readonly source: AutoRefreshSourceName;
}

/** The auto-refresh stopped hearing changes (`'stop'` event): `stop()` was called, or the DataSource was destroyed. */
export interface AutoRefreshStopEvent {
  /** `'stop'`: `stop()` was called; `'destroyed'`: the DataSource was found destroyed. */
  readonly reason: 'stop' | 'destroyed';
}

/**
 * Something auto-refresh could not decide or do as asked, and what it did instead (`'warning'` event, also
 * written to the DataSource's logger as `warn`). No retry follows: nothing failed that a retry would fix.
 * - `'state-undecidable'`: the view's recorded refresh start in the state table lies beyond the
 *   coordination sequence (the sequence was reset or recreated, or the table was copied from another
 *   database), so whether that refresh covers the pending changes cannot be decided. It refreshed anyway.
 * - `'destroyed-during-refresh'`: the DataSource was destroyed while this view's refresh was running,
 *   and the refresh then failed (it runs on auto-refresh's own connection, so `destroy()` alone does not
 *   end it): it was rolled back, not retried, and changes not yet in the view stay out of it. Call
 *   `await auto.flush(); await auto.stop()` before `destroy()`.
 */
export interface AutoRefreshWarning {
  /** What happened (see above). */
  readonly code: 'state-undecidable' | 'destroyed-during-refresh';
  /** The materialized view concerned. */
  readonly view: QualifiedName;
  /** Says what happened and what was done, naming the view. */
  readonly message: string;
}

/** Every event of `AutoRefresh`, with its listener's arguments. */
export interface AutoRefreshEvents {
  /** A view was refreshed. */
  refresh: [event: AutoRefreshEvent];
  /** A refresh, the listener, the catalog read or a subscriber handler failed (also written to the DataSource's logger). */
  error: [error: AutoRefreshError];
  /** Something could not be decided or done as asked; what was done instead (see `AutoRefreshWarning`). */
  warning: [warning: AutoRefreshWarning];
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

/** A listener of the auto-refresh event `E`. */
export type AutoRefreshListener<E extends keyof AutoRefreshEvents> = (...args: AutoRefreshEvents[E]) => void;

/** The typed events of an auto-refresh, and how it reports: never by throwing into auto-refresh itself. */
export class AutoRefreshEmitter extends EventEmitter {
  constructor(
    /** The DataSource it watches. */
    readonly dataSource: DataSource,
  ) {
    super();
  }

  /**
   * Listens for finished refreshes (`'refresh'`), failures (`'error'`, also written to the DataSource
   * logger), warnings (`'warning'`, also logged), sources going live (`'source'`) and the stop (`'stop'`).
   *
   * @example auto.on('stop', (e) => console.log(`auto-refresh stopped (${e.reason})`));
   */
  override on<E extends keyof AutoRefreshEvents>(event: E, listener: AutoRefreshListener<E>): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override once<E extends keyof AutoRefreshEvents>(event: E, listener: AutoRefreshListener<E>): this {
    return super.once(event, listener as (...args: unknown[]) => void);
  }

  override off<E extends keyof AutoRefreshEvents>(event: E, listener: AutoRefreshListener<E>): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }

  /** Emits to the user's listeners; one that throws is reported, never thrown into auto-refresh. */
  protected emitSafely<E extends 'refresh' | 'source' | 'stop' | 'warning'>(
    event: E,
    ...args: AutoRefreshEvents[E]
  ): void {
    try {
      this.emit(event, ...args);
    } catch (error) {
      const view =
        event === 'refresh' || event === 'warning'
          ? (args[0] as AutoRefreshEvent | AutoRefreshWarning).view
          : undefined;
      this.fail(`An auto-refresh '${event}' listener threw: ${messageOf(error)}.`, error, view);
    }
  }

  /** Logs a warning through the DataSource's logger and emits `'warning'`. */
  protected warn(warning: AutoRefreshWarning): void {
    try {
      this.dataSource.logger?.log('warn', warning.message);
    } catch {
      // a broken logger must not break auto-refresh
    }
    this.emitSafely('warning', warning);
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
