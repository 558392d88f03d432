// The subscriber source's wiring: an AutoRefreshSubscriber pushed onto the DataSource's subscribers at
// runtime (TypeORM reads the array at each event) unless its options already list one, and taken off again.
import type { DataSource, EntitySubscriberInterface } from 'typeorm';

/** True for an AutoRefreshSubscriber from any copy of this package (a brand; instanceof is not). */
export function isAutoRefreshSubscriber(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { isPgViewAutoRefreshSubscriber?: unknown }).isPgViewAutoRefreshSubscriber === true
  );
}

/** Adds `create()`'s subscriber unless one is registered; returns the function that removes what it added. */
export function attachSubscriber(dataSource: DataSource, create: () => EntitySubscriberInterface): () => void {
  const subscribers = dataSource.subscribers as EntitySubscriberInterface[];
  if (subscribers.some(isAutoRefreshSubscriber)) return () => undefined;
  const subscriber = create();
  subscribers.push(subscriber);
  return () => {
    const at = subscribers.indexOf(subscriber);
    if (at >= 0) subscribers.splice(at, 1);
  };
}
