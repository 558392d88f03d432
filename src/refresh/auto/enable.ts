// enableAutoRefresh: the programmatic way in, and the way to get the handle when the subscriber is
// registered in the DataSource options.
import type { DataSource } from 'typeorm';
import { PgViewError } from '../../errors';
import type { AutoRefresh } from './engine';
import { poolSizeOf } from './connection';
import { checkRefreshBudget, checkRefreshShare, type EnableAutoRefreshOptions } from './options';
import { runningAutoRefresh, startAutoRefresh } from './registry';
import { subscriberHooks } from './subscriber';

/**
 * Starts auto-refresh on an initialized DataSource (or returns the one already running, adding the
 * requested source) and returns its handle. Materialized views declared with `autoRefresh` are refreshed
 * after commits that change what they read; see docs/auto-refresh.md.
 *
 * On a DataSource whose auto-refresh already runs, the options must agree with those it was enabled
 * with (or be left out); a different value throws a `PgViewError` naming the option. One the subscriber
 * started on its own takes this call's options.
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
  checkRefreshBudget(options.maxConcurrentRefreshes, poolSizeOf(dataSource)); // before anything starts
  checkRefreshShare(options.maxRefreshShare);
  const engine = runningAutoRefresh(dataSource) ?? startAutoRefresh(dataSource, subscriberHooks);
  engine.applyOptions(options); // throws on a conflict, before anything changed
  try {
    if (source !== 'triggers') await engine.addSource('subscriber');
    await engine.loadGraph();
    if (source !== 'subscriber') await engine.addSource('triggers');
  } catch (error) {
    await engine.stop();
    throw error;
  }
  engine.schedule.start(); // now, so that listeners added on the returned handle hear its first check
  return engine;
}
