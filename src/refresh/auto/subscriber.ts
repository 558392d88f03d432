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
import { dataSourceOf } from '../../metadata/target';
import type { AutoRefresh } from './engine';
import { autoRefreshFor } from './registry';

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
    this.guard(event, (engine, runner) => engine.collector.started(runner));
  }
  afterTransactionCommit(event: TransactionCommitEvent): void {
    this.guard(event, (engine, runner) => engine.collector.committedOrReleased(runner));
  }
  afterTransactionRollback(event: TransactionRollbackEvent): void {
    this.guard(event, (engine, runner) => engine.collector.rolledBack(runner));
  }

  private row(event: RowEvent): void {
    this.guard(event, (engine, runner) => {
      const metadata = event.metadata;
      if (!metadata || metadata.tableType === 'view') return;
      // Junction tables have no entity class but do have metadata with their table name.
      const table = { schema: metadata.schema ?? defaultSchemaOf(engine.dataSource), name: metadata.tableName };
      engine.collector.rowChanged(runner as never, table);
    });
  }

  private guard(event: AnyEvent, fn: (engine: AutoRefresh, runner: { isTransactionActive: boolean }) => void): void {
    try {
      const dataSource = dataSourceOfEvent(event);
      const engine = dataSource && autoRefreshFor(dataSource, 'subscriber');
      if (!engine?.subscriberSource) return;
      fn(engine, (event.queryRunner ?? {}) as { isTransactionActive: boolean });
    } catch (error) {
      // Never into the writer: the data is committed whatever happens here.
      try {
        dataSourceOfEvent(event)?.logger?.log('warn', `typeorm-pgview auto-refresh: ${String(error)}`);
      } catch {
        // nothing left to report to
      }
    }
  }
}

/** True for an AutoRefreshSubscriber from any copy of this package. */
export function isAutoRefreshSubscriber(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { isPgViewAutoRefreshSubscriber?: unknown }).isPgViewAutoRefreshSubscriber === true
  );
}
