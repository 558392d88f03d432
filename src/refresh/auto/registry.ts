// One auto-refresh per DataSource, found by the subscriber (which TypeORM constructs without arguments)
// and by enableAutoRefresh. Kept on globalThis under a Symbol.for key, so two copies of the package in one
// process share it.
import type { DataSource } from 'typeorm';
import { AutoRefresh, type EnableAutoRefreshOptions } from './engine';

interface Entry {
  engine?: AutoRefresh;
  /** Stopped by the user, or failed to start: the subscriber stays quiet until enableAutoRefresh again. */
  inert: boolean;
}

const KEY = Symbol.for('typeorm-pgview.auto-refresh');
const holder = globalThis as unknown as Record<symbol, WeakMap<DataSource, Entry> | undefined>;
const entries: WeakMap<DataSource, Entry> = (holder[KEY] ??= new WeakMap());

function attach(dataSource: DataSource, engine: AutoRefresh): AutoRefresh {
  const entry: Entry = { engine, inert: false };
  entries.set(dataSource, entry);
  const previous = engine.onStop;
  engine.onStop = () => {
    previous?.();
    if (entries.get(dataSource) === entry) entries.set(dataSource, { inert: true });
  };
  return engine;
}

/**
 * The DataSource's running auto-refresh. With `lazily`, the subscriber's first event starts one (source
 * `subscriber`) unless it was stopped; a declaration error is logged once and leaves it off.
 */
export function autoRefreshFor(dataSource: DataSource, lazily?: 'subscriber'): AutoRefresh | undefined {
  const entry = entries.get(dataSource);
  if (entry?.engine || entry?.inert || !lazily || !dataSource.isInitialized) return entry?.engine;
  try {
    const engine = attach(dataSource, new AutoRefresh(dataSource));
    engine.subscriberSource = true;
    return engine;
  } catch (error) {
    entries.set(dataSource, { inert: true });
    dataSource.logger?.log('warn', `typeorm-pgview auto-refresh is off: ${String(error)}`);
    return undefined;
  }
}

/** Creates and registers a new auto-refresh for the DataSource (the caller checked none is running). */
export function createAutoRefresh(dataSource: DataSource, options: EnableAutoRefreshOptions): AutoRefresh {
  return attach(dataSource, new AutoRefresh(dataSource, options));
}
