// The TypeORM entry point: `subscribers: [AutoRefreshSubscriber]`. TypeORM constructs it itself, with no
// arguments, so it finds its DataSource on each event and starts that DataSource's auto-refresh lazily.
// Every handler returns synchronously and never throws: TypeORM awaits subscribers inside save() and
// passes their exceptions to the writer, although the data is already committed.
import {
  EventSubscriber,
  type DataSource,
  type EntityMetadata,
  type EntitySubscriberInterface,
  type InsertEvent,
  type RecoverEvent,
  type RemoveEvent,
  type SoftRemoveEvent,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
  type TransactionStartEvent,
  type UpdateEvent,
} from 'typeorm';
import { defaultSchemaOf } from '../../metadata/collect';
import { dataSourceOf } from '../../db/target';
import type { ChangeCollector } from './collector';
import type { AutoRefresh, AutoRefreshHooks } from './engine';
import { isAutoRefreshSubscriber } from './runtime-subscriber';
import { isAutoRefreshOff, runningAutoRefresh, startAutoRefresh, turnAutoRefreshOff } from './registry';

export { isAutoRefreshSubscriber };

type AnyEvent = { manager?: unknown; dataSource?: DataSource; connection?: DataSource; queryRunner?: unknown };
type RowEvent = AnyEvent & { metadata?: EntityMetadata };

function dataSourceOfEvent(event: AnyEvent): DataSource | undefined {
  if (event.dataSource) return event.dataSource;
  if (event.connection) return event.connection;
  return event.manager ? dataSourceOf(event.manager as never) : undefined;
}

/**
 * Refreshes materialized views declared with `autoRefresh` after commits that change what they read,
 * learning about changes from TypeORM's events. Register it like any subscriber; use
 * `enableAutoRefresh(dataSource)` to get the handle (events, flush, stop).
 *
 * @example new DataSource({ ..., subscribers: [AutoRefreshSubscriber] })
 */
// TypeORM instantiates only the classes in `subscribers` that @EventSubscriber() recorded; without it
// the class in the DataSource options was silently dropped.
@EventSubscriber()
export class AutoRefreshSubscriber implements EntitySubscriberInterface {
  /** Brand: recognised across two copies of the package (instanceof is not). */
  readonly isPgViewAutoRefreshSubscriber = true as const;

  afterInsert(event: InsertEvent<unknown>): void {
    this.row(event);
  }
  afterUpdate(event: UpdateEvent<unknown>): void {
    this.row(event);
  }
  afterRemove(event: RemoveEvent<unknown>): void {
    this.row(event);
  }
  afterSoftRemove(event: SoftRemoveEvent<unknown>): void {
    this.row(event);
  }
  afterRecover(event: RecoverEvent<unknown>): void {
    this.row(event);
  }

  afterTransactionStart(event: TransactionStartEvent): void {
    this.guard(event, (collector, _engine, runner) => collector.started(runner));
  }
  afterTransactionCommit(event: TransactionCommitEvent): void {
    this.guard(event, (collector, _engine, runner) => collector.committedOrReleased(runner));
  }
  afterTransactionRollback(event: TransactionRollbackEvent): void {
    this.guard(event, (collector, _engine, runner) => collector.rolledBack(runner));
  }

  private row(event: RowEvent): void {
    this.guard(event, (collector, engine, runner) => {
      const metadata = event.metadata;
      if (!metadata || metadata.tableType === 'view') return;
      // Junction tables have no entity class but do have metadata with their table name.
      const table = { schema: metadata.schema ?? defaultSchemaOf(engine.dataSource), name: metadata.tableName };
      collector.rowChanged(runner as never, table);
    });
  }

  private guard(
    event: AnyEvent,
    fn: (collector: ChangeCollector, engine: AutoRefresh, runner: { isTransactionActive: boolean }) => void,
  ): void {
    let engine: AutoRefresh | undefined;
    try {
      const dataSource = dataSourceOfEvent(event);
      engine = dataSource && autoRefreshOf(dataSource);
      const collector = engine?.collector; // undefined unless the engine has the subscriber source
      if (!engine || !collector) return;
      fn(collector, engine, (event.queryRunner ?? {}) as { isTransactionActive: boolean });
    } catch (error) {
      // Never into the writer: the data is committed whatever happens here. A bug past finding the engine
      // is the engine's to report ('error' and the logger; report() never throws).
      if (engine) {
        engine.subscriberFailed(error);
        return;
      }
      try {
        dataSourceOfEvent(event)?.logger?.log('warn', `typeorm-pgview auto-refresh: ${String(error)}`);
      } catch {
        // nothing left to report to
      }
    }
  }
}

/** How an engine gets the subscriber it installs for the `subscriber` source. */
export const subscriberHooks: AutoRefreshHooks = { createSubscriber: () => new AutoRefreshSubscriber() };

/**
 * The DataSource's running auto-refresh, or a new one on the defaults with the subscriber source (the
 * subscriber's first event starts it) unless it was stopped. A declaration error is logged once and
 * leaves it off.
 */
function autoRefreshOf(dataSource: DataSource): AutoRefresh | undefined {
  const running = runningAutoRefresh(dataSource);
  if (running || isAutoRefreshOff(dataSource) || !dataSource.isInitialized) return running;
  try {
    const engine = startAutoRefresh(dataSource, subscriberHooks);
    void engine.addSource('subscriber');
    engine.schedule.start();
    return engine;
  } catch (error) {
    turnAutoRefreshOff(dataSource);
    dataSource.logger?.log('warn', `typeorm-pgview auto-refresh is off: ${String(error)}`);
    return undefined;
  }
}
