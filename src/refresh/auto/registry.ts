// One auto-refresh per DataSource, found by the subscriber (which TypeORM constructs without arguments)
// and by enableAutoRefresh. Kept on globalThis under a Symbol.for key, so two copies of the package in one
// process share it. The registry only maps; it learns of a stop from the engine's 'stop' event.
import type { DataSource } from 'typeorm';
import { AutoRefresh, type AutoRefreshHooks } from './engine';

interface Entry {
  engine?: AutoRefresh;
  /** Stopped, or failed to start: the subscriber stays quiet until enableAutoRefresh again. */
  off: boolean;
}

const KEY = Symbol.for('typeorm-pgview.auto-refresh');
const holder = globalThis as unknown as Record<symbol, WeakMap<DataSource, Entry> | undefined>;
const entries: WeakMap<DataSource, Entry> = (holder[KEY] ??= new WeakMap());

/** The DataSource's running auto-refresh, if any. */
export function runningAutoRefresh(dataSource: DataSource): AutoRefresh | undefined {
  return entries.get(dataSource)?.engine;
}

/** Whether auto-refresh was stopped (or failed to start) on the DataSource: the subscriber must not restart it. */
export function isAutoRefreshOff(dataSource: DataSource): boolean {
  return entries.get(dataSource)?.off === true;
}

/** Keeps the subscriber from starting an auto-refresh on the DataSource until `startAutoRefresh`. */
export function turnAutoRefreshOff(dataSource: DataSource): void {
  entries.set(dataSource, { off: true });
}

/** Creates and registers a new auto-refresh (on the defaults, no source yet); the caller checked none runs. */
export function startAutoRefresh(dataSource: DataSource, hooks: AutoRefreshHooks): AutoRefresh {
  const engine = new AutoRefresh(dataSource, hooks);
  const entry: Entry = { engine, off: false };
  entries.set(dataSource, entry);
  engine.once('stop', () => {
    if (entries.get(dataSource) === entry) turnAutoRefreshOff(dataSource);
  });
  return engine;
}
