// enableAutoRefresh: the programmatic way in, and the way to get the handle when the subscriber is
// registered in the DataSource options.
import type { DataSource, EntitySubscriberInterface } from 'typeorm';
import { PgViewError } from '../../errors';
import type { AutoRefresh, EnableAutoRefreshOptions } from './engine';
import { autoRefreshFor, createAutoRefresh } from './registry';
import { AutoRefreshSubscriber, isAutoRefreshSubscriber } from './subscriber';

/**
 * Starts auto-refresh on an initialized DataSource (or returns the one already running, adding the
 * requested source) and returns its handle. Materialized views declared with `autoRefresh` are refreshed
 * after commits that change what they read; see docs/auto-refresh.md.
 *
 * @example
 * const auto = await enableAutoRefresh(dataSource, { source: 'both' });
 * auto.on('refresh', (e) => console.log(`refreshed ${e.view.name} for ${e.commitsCoalesced} commits`));
 * auto.on('error', (e) => console.error(e.message));
 * // at shutdown:
 * await auto.flush();
 * await auto.stop();
 */
export async function enableAutoRefresh(
  dataSource: DataSource,
  options: EnableAutoRefreshOptions = {},
): Promise<AutoRefresh> {
  if (!dataSource.isInitialized)
    throw new PgViewError(
      'enableAutoRefresh: the DataSource is not initialized. Call it after `await dataSource.initialize()`.',
    );
  const source = options.source ?? 'subscriber';
  if (source !== 'subscriber' && source !== 'triggers' && source !== 'both')
    throw new PgViewError(
      `enableAutoRefresh: option \`source\` is ${JSON.stringify(source)}. Use 'subscriber', 'triggers' or 'both'.`,
    );
  const engine = autoRefreshFor(dataSource) ?? createAutoRefresh(dataSource, options);
  if (source !== 'triggers') {
    engine.subscriberSource = true;
    const subscribers = dataSource.subscribers as EntitySubscriberInterface[];
    if (!subscribers.some(isAutoRefreshSubscriber)) {
      // Added at runtime (TypeORM reads the array at each event) and removed again on stop().
      const subscriber = new AutoRefreshSubscriber();
      subscribers.push(subscriber);
      const previous = engine.onStop;
      engine.onStop = () => {
        previous?.();
        const at = subscribers.indexOf(subscriber);
        if (at >= 0) subscribers.splice(at, 1);
      };
    }
  }
  try {
    await engine.loadGraph();
    if (source !== 'subscriber') await engine.startTriggers();
  } catch (error) {
    await engine.stop();
    throw error;
  }
  return engine;
}
