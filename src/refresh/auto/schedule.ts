// Scheduled refresh (`refreshEvery`), once per interval across every process on the database. Intervals are
// slots of the server's clock. Each process wakes near each slot's start, and under the view's advisory
// lock (the one change-triggered refreshes take) asks the server whether a refresh of any kind began in the
// current slot, refreshing only if none did. The lock serialises the question and the refresh, and the
// start is recorded in the same transaction, so a second process that asks afterwards sees it. A process
// that dies mid-refresh rolls its record back and releases the lock, and another one retrying the busy lock
// serves the slot. Without the state table (`coordinate: false`, or a role that may not create it) each
// process keeps its own schedule, remembering only its own refreshes.
import type { DataSource } from 'typeorm';
import { displayName, relationKey, type QualifiedName } from '../../ddl/identifiers';
import { slotClockSql, slotServedSql } from '../../ddl/schedule';
import type { ViewDefinition } from '../../metadata/definition';
import { refreshCoordinatedView } from '../refresh';
import { runStatement as run } from '../../db/target';
import { underViewLock } from './coordinator';
import type { RefreshLease } from './connection';
import type { RefreshLoad } from './load';
import { AutoRefreshError, type AutoRefreshEvent } from './events';
import { busyRetryMs, scheduleIntervalMs, servedLocally, wakeDelayMs } from './slots';

interface SlotRow {
  slot: string;
  elapsed_ms: number;
  next_in_ms: number;
  served?: boolean;
}

/** One scheduled check: `busy` (another refresh holds the lock), or the slot's next start and what was done. */
export type ScheduledOutcome =
  | { kind: 'busy' }
  | { kind: 'served'; nextSlotAt: number }
  | { kind: 'refreshed'; nextSlotAt: number; startedAt: number; concurrently: boolean; durationMs: number };

export interface ScheduledRefresh {
  view: QualifiedName;
  concurrently: boolean | 'auto';
  intervalMs: number;
  /** The state table; undefined: decide by `localStartedAt` alone. */
  stateTable?: QualifiedName;
  /** When this process last began a refresh of the view (`performance.now()`), for the no-table case. */
  localStartedAt?: number;
}

/**
 * One check of one view's slot on its own pooled connection: under the view's lock, refreshes when no
 * refresh began in the server's current slot. Times returned are this process's `performance.now()`.
 */
export async function refreshIfDue(
  lease: () => Promise<RefreshLease>,
  job: ScheduledRefresh,
): Promise<ScheduledOutcome> {
  return underViewLock(lease, job.view, async (queryRunner): Promise<ScheduledOutcome> => {
    const asked = performance.now();
    const [slot] = (await run(
      queryRunner,
      job.stateTable ? slotServedSql(job.stateTable, job.view, job.intervalMs) : slotClockSql(job.intervalMs),
    )) as SlotRow[];
    const nextSlotAt = asked + Number(slot!.next_in_ms);
    const served = job.stateTable
      ? slot!.served === true
      : servedLocally(job.localStartedAt, asked, Number(slot!.elapsed_ms));
    if (served) return { kind: 'served', nextSlotAt };
    const startedAt = performance.now();
    // Records the start (under the lock taken above, before REFRESH's snapshot), the figures, or the error.
    const result = await refreshCoordinatedView(queryRunner, job.view, {
      concurrently: job.concurrently,
      stateTable: job.stateTable,
    });
    return {
      kind: 'refreshed',
      nextSlotAt,
      startedAt,
      concurrently: result.concurrently,
      durationMs: result.durationMs,
    };
  });
}

/** What the schedule needs from its engine. */
export interface ScheduleHooks {
  /** The state table once it exists, or undefined (coordination off or unavailable). */
  stateTable(): Promise<QualifiedName | undefined>;
  /** A refresh connection of auto-refresh's own (its pool, within `maxConcurrentRefreshes`). */
  lease(): Promise<RefreshLease>;
  /** The refresh budget's load now (for the event). */
  load(): RefreshLoad;
  /** A scheduled refresh committed. */
  refreshed(event: AutoRefreshEvent): void;
  /** A check or refresh failed; it is retried after `error.retryInMs`. */
  failed(error: AutoRefreshError): void;
  /** The wait before the `n`-th retry after consecutive failures. */
  backoffMs(n: number): number;
}

interface Entry {
  readonly definition: ViewDefinition;
  readonly view: QualifiedName;
  readonly intervalMs: number;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
  failures: number;
  busy: number;
  /** This process's last refresh start of the view, of any kind (`performance.now()`). */
  localStartedAt?: number;
}

/** The scheduled refreshes of one auto-refresh: one timer per view with `refreshEvery`. */
export class RefreshSchedule {
  private readonly entries = new Map<string, Entry>();
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    definitions: readonly ViewDefinition[],
    private readonly hooks: ScheduleHooks,
  ) {
    for (const definition of definitions) {
      const intervalMs = definition.kind === 'materialized' ? scheduleIntervalMs(definition) : undefined;
      if (intervalMs === undefined) continue;
      const view = { schema: definition.schema, name: definition.name };
      this.entries.set(relationKey(view), { definition, view, intervalMs, failures: 0, busy: 0 });
    }
  }

  /** The scheduled views, as declared. */
  get views(): readonly ViewDefinition[] {
    return [...this.entries.values()].map((e) => e.definition);
  }

  /** @internal Timers set and checks running (tests: 0 once stopped). */
  get armed(): number {
    return [...this.entries.values()].filter((e) => e.timer || e.running).length;
  }

  /**
   * Checks every scheduled view's current slot (in a microtask, after the code that called it), then
   * wakes for each next slot. Idempotent; nothing once stopped.
   */
  start(): void {
    if (this.stopped) return;
    for (const entry of this.entries.values())
      if (!entry.running && !entry.timer)
        this.track(
          entry,
          Promise.resolve().then(() => this.check(entry)),
        );
  }

  /** @internal Resolves once the checks running now have ended (tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.running));
  }

  /**
   * A refresh of `view` (a `relationKey`) by this process began `durationMs` before now: without the state
   * table, it serves the slot it began in.
   */
  noteRefresh(view: string, durationMs: number): void {
    const entry = this.entries.get(view);
    if (entry) entry.localStartedAt = performance.now() - durationMs;
  }

  /** Clears every timer; resolves when a check or refresh already running has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const entry of this.entries.values()) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
    }
    await this.settled();
  }

  private track(entry: Entry, running: Promise<void>): void {
    const tracked: Promise<void> = running.finally(() => {
      if (entry.running === tracked) entry.running = undefined;
    });
    entry.running = tracked;
  }

  private arm(entry: Entry, delayMs: number): void {
    if (this.stopped) return;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      this.track(entry, this.check(entry));
    }, delayMs);
    entry.timer.unref();
  }

  /** One check; never rejects. Arms the next one unless stopped or the DataSource is gone. */
  private async check(entry: Entry): Promise<void> {
    if (this.stopped || !this.dataSource.isInitialized) return;
    try {
      const stateTable = await this.hooks.stateTable();
      const outcome = await refreshIfDue(() => this.hooks.lease(), {
        view: entry.view,
        concurrently: entry.definition.autoRefresh?.concurrently ?? 'auto',
        intervalMs: entry.intervalMs,
        ...(stateTable ? { stateTable } : {}),
        ...(entry.localStartedAt !== undefined ? { localStartedAt: entry.localStartedAt } : {}),
      });
      entry.failures = 0;
      if (outcome.kind === 'busy') {
        this.arm(entry, busyRetryMs(++entry.busy, entry.intervalMs));
        return;
      }
      entry.busy = 0;
      if (outcome.kind === 'refreshed') {
        entry.localStartedAt = outcome.startedAt;
        this.hooks.refreshed({
          view: entry.view,
          reason: 'schedule',
          durationMs: outcome.durationMs,
          concurrently: outcome.concurrently,
          changedTables: [],
          commitsCoalesced: 0,
          // Due since its interval began: from then to the refresh's end.
          stalenessMs: Math.max(0, performance.now() - (outcome.nextSlotAt - entry.intervalMs)),
          load: this.hooks.load(),
        });
      }
      this.arm(entry, wakeDelayMs(outcome.nextSlotAt - performance.now(), entry.intervalMs, Math.random()));
    } catch (error) {
      // destroy() cut it off: the engine's watchdog stops the schedule; nothing to retry.
      if (this.stopped || !this.dataSource.isInitialized) return;
      const retryInMs = this.hooks.backoffMs(++entry.failures);
      this.hooks.failed(
        new AutoRefreshError(
          `Scheduled refresh of ${displayName(entry.view)} failed (attempt ${entry.failures}, retrying in ${Math.round(retryInMs)} ms): ${error instanceof Error ? error.message : String(error)}. Fix the cause; the retry serves the interval it falls in, and the schedule goes on.`,
          entry.view,
          entry.failures,
          retryInMs,
          { cause: error },
        ),
      );
      this.arm(entry, retryInMs);
    }
  }
}
