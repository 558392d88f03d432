// What a running auto-refresh reports: its events and their payloads, and the error it emits.
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
