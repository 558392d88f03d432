// The engine's own contract against real PostgreSQL: options fixed once they took effect (conflicts
// rejected, naming the option), a lazily started engine taking the first enableAutoRefresh's options,
// addSource, the lifecycle events, and stop() taking its runtime subscriber away.
import type { DataSource } from 'typeorm';
import {
  AutoRefreshSubscriber,
  enableAutoRefresh,
  PgViewError,
  syncViews,
  type AutoRefreshError,
  type AutoRefreshEvent,
} from '../../src';
import type { AutoRefresh } from '../../src/refresh/auto/engine';
import type { AutoRefreshSourceEvent, AutoRefreshStopEvent } from '../../src/refresh/auto/events';
import { runningAutoRefresh } from '../../src/refresh/auto/registry';
import { isAutoRefreshSubscriber } from '../../src/refresh/auto/subscriber';
import { autoRefreshEntities, Customer, Fraction, Purchase } from '../support/auto-refresh-fixture';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();
const started: AutoRefresh[] = [];

async function connect(subscribers: Function[] = []): Promise<DataSource> {
  return db.connect({ entities: autoRefreshEntities, subscribers });
}

async function enable(ds: DataSource, options?: Parameters<typeof enableAutoRefresh>[1]): Promise<AutoRefresh> {
  const auto = await enableAutoRefresh(ds, options);
  started.push(auto);
  return auto;
}

async function conflictOf(call: Promise<unknown>): Promise<PgViewError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PgViewError);
  return error as PgViewError;
}

const refreshStartedAt = async (ds: DataSource, view: string) =>
  (
    await ds.query<{ t: string }[]>(
      `SELECT started_at::text AS t FROM typeorm_pgview_refresh_state WHERE view_schema = 'public' AND view_name = $1`,
      [view],
    )
  )[0]?.t;

const runtimeSubscribers = (ds: DataSource) => ds.subscribers.filter(isAutoRefreshSubscriber).length;

let customerId: number;

beforeAll(async () => {
  const setup = await db.connect({ entities: autoRefreshEntities, synchronize: true });
  await syncViews(setup);
  customerId = (await setup.getRepository(Customer).save({ name: 'Ada' })).id;
});

// Engines on the triggers source hear every test's raw writes: stop each test's engines after it.
afterEach(async () => {
  await Promise.all(started.splice(0).map((auto) => auto.stop()));
});

describe('options are fixed once they took effect', () => {
  it('a different value throws, naming the option, both values and the fix; the running engine is untouched', async () => {
    const ds = await connect();
    const auto = await enable(ds, { coordinate: false, retry: { initialMs: 300 } });
    const error = await conflictOf(enableAutoRefresh(ds, { coordinate: true, retry: { initialMs: 300, maxMs: 10 } }));
    expect(error.message).toContain('`coordinate` is false, this call passes true');
    expect(error.message).toContain('`retry.maxMs` is 30000, this call passes 10');
    expect(error.message).not.toContain('retry.initialMs');
    expect(error.message).toContain('`await auto.stop()` first');
    expect(auto.options).toEqual({
      coordinate: false,
      installTriggers: true,
      retry: { initialMs: 300, maxMs: 30_000 },
      maxConcurrentRefreshes: 1,
      maxRefreshShare: 0.5,
      catalogTtlMs: 5000,
    });
    expect(auto.stopped).toBe(false);
    expect(runningAutoRefresh(ds)).toBe(auto);
    // and it still refreshes
    const refreshed: AutoRefreshEvent[] = [];
    auto.on('refresh', (e) => refreshed.push(e));
    await ds.getRepository(Purchase).save({ customerId, amount: 1 });
    await auto.flush();
    expect(refreshed.map((e) => e.view.name)).toContain('purchase_totals');
  });

  it('maxRefreshShare must be above 0 and at most 1, and is fixed like the others', async () => {
    const ds = await connect();
    await expect(enableAutoRefresh(ds, { maxRefreshShare: 0 })).rejects.toThrow(
      /option `maxRefreshShare` is 0\. Use a share above 0 and at most 1 \(1: no pacing\)/,
    );
    const auto = await enable(ds, { maxRefreshShare: 1 });
    expect(auto.options.maxRefreshShare).toBe(1);
    const error = await conflictOf(enableAutoRefresh(ds, { maxRefreshShare: 0.3 }));
    expect(error.message).toContain('`maxRefreshShare` is 1, this call passes 0.3');
  });

  it('a default is a value too: enabling with defaults, then passing coordinate: false, throws', async () => {
    const ds = await connect();
    await enable(ds);
    const error = await conflictOf(enableAutoRefresh(ds, { coordinate: false }));
    expect(error.message).toMatch(/^enableAutoRefresh: .*`coordinate` is true, this call passes false/);
  });

  it('the same values, values left out, or only a new source: the same engine', async () => {
    const ds = await connect();
    const auto = await enable(ds, { coordinate: false, catalogTtlMs: 1000 });
    expect(await enableAutoRefresh(ds, { coordinate: false, catalogTtlMs: 1000 })).toBe(auto);
    expect(await enableAutoRefresh(ds)).toBe(auto);
    expect(await enableAutoRefresh(ds, { source: 'both' })).toBe(auto);
    expect(auto.sources).toEqual(['subscriber', 'triggers']);
  });

  it('installTriggers is fixed when the triggers source is added, not before', async () => {
    const ds = await connect();
    const auto = await enable(ds, { source: 'subscriber' });
    // Not in effect yet (no triggers source): this call may set it.
    await enableAutoRefresh(ds, { source: 'triggers', installTriggers: false });
    expect(auto.options.installTriggers).toBe(false);
    const error = await conflictOf(enableAutoRefresh(ds, { source: 'triggers', installTriggers: true }));
    expect(error.message).toContain('`installTriggers` is false, this call passes true');
  });

  it('after stop(), enableAutoRefresh starts a new engine with the new options', async () => {
    const ds = await connect();
    const first = await enable(ds, { coordinate: false });
    await first.stop();
    const second = await enable(ds, { coordinate: true });
    expect(second).not.toBe(first);
    expect(second.options.coordinate).toBe(true);
  });
});

describe('an engine the subscriber started lazily', () => {
  it('takes the explicit options of the first enableAutoRefresh, also after writes (coordinate: false, retry)', async () => {
    const ds = await connect([AutoRefreshSubscriber]);
    // The first write starts auto-refresh on the defaults (coordinate: true records in the state table).
    await ds.getRepository(Purchase).save({ customerId, amount: 2 });
    const lazy = runningAutoRefresh(ds)!;
    expect(lazy).toBeDefined();
    started.push(lazy);
    expect(lazy.sources).toEqual(['subscriber']);
    await lazy.flush();
    const recorded = await refreshStartedAt(ds, 'purchase_totals');
    expect(recorded).toEqual(expect.any(String));

    const auto = await enable(ds, { coordinate: false, retry: { initialMs: 4321, maxMs: 9000 } });
    expect(auto).toBe(lazy);
    expect(auto.options).toMatchObject({ coordinate: false, retry: { initialMs: 4321, maxMs: 9000 } });

    // coordinate: false is honoured: this refresh runs but records nothing in the state table.
    const refreshed: AutoRefreshEvent[] = [];
    auto.on('refresh', (e) => refreshed.push(e));
    await ds.getRepository(Purchase).save({ customerId, amount: 3 });
    await auto.flush();
    expect(refreshed.map((e) => e.view.name)).toContain('purchase_totals');
    expect(await refreshStartedAt(ds, 'purchase_totals')).toBe(recorded);

    // retry is honoured: the first retry of a failing view waits initialMs.
    const errors: AutoRefreshError[] = [];
    auto.on('error', (e) => errors.push(e));
    const fraction = await ds.getRepository(Fraction).save({ divisor: 0 });
    await auto.flush();
    expect(errors[0]).toMatchObject({ attempt: 1, retryInMs: 4321 });
    expect(errors[0]!.view).toMatchObject({ schema: 'public', name: 'fraction_values' });
    await ds.getRepository(Fraction).save({ ...fraction, divisor: 2 });
    await auto.flush();
    expect(await ds.query('SELECT value FROM fraction_values')).toEqual([{ value: 50 }]);
    await ds.getRepository(Fraction).delete({ id: fraction.id });

    // Now fixed: a different value is a conflict.
    const error = await conflictOf(enableAutoRefresh(ds, { coordinate: true }));
    expect(error.message).toContain('`coordinate` is false, this call passes true');
  });

  it('installs no second subscriber: the one in the DataSource options feeds it', async () => {
    const ds = await connect([AutoRefreshSubscriber]);
    const auto = await enable(ds);
    expect(runtimeSubscribers(ds)).toBe(1);
    await auto.stop();
    expect(runtimeSubscribers(ds)).toBe(1); // not ours to remove
    // stopped: the registered subscriber stays quiet, no engine restarts
    await ds.getRepository(Purchase).save({ customerId, amount: 4 });
    expect(runningAutoRefresh(ds)).toBeUndefined();
  });
});

describe('addSource, lifecycle events and stop', () => {
  it('addSource adds a source once, emitting source; raw SQL refreshes only once the triggers are on', async () => {
    const ds = await connect();
    const auto = await enable(ds, { source: 'subscriber' });
    const sources: AutoRefreshSourceEvent[] = [];
    const refreshed: AutoRefreshEvent[] = [];
    auto.on('source', (e) => sources.push(e));
    auto.on('refresh', (e) => refreshed.push(e));
    expect(auto.sources).toEqual(['subscriber']);
    await auto.addSource('subscriber');
    expect(sources).toEqual([]);

    await ds.query('INSERT INTO purchases (customer_id, amount) VALUES ($1, 5)', [customerId]);
    await auto.flush();
    expect(refreshed).toEqual([]);

    await Promise.all([auto.addSource('triggers'), auto.addSource('triggers')]);
    await auto.addSource('triggers');
    expect(sources).toEqual([{ source: 'triggers' }]);
    expect(auto.sources).toEqual(['subscriber', 'triggers']);
    expect(auto.listenerPid).toEqual(expect.any(Number));
    await ds.query('INSERT INTO purchases (customer_id, amount) VALUES ($1, 6)', [customerId]);
    await auto.flush();
    expect(refreshed.map((e) => e.view.name)).toContain('purchase_totals');
  });

  it("a lazily started engine emits 'source' for the source enableAutoRefresh adds, and 'stop' once", async () => {
    const ds = await connect([AutoRefreshSubscriber]);
    await ds.getRepository(Purchase).save({ customerId, amount: 7 });
    const auto = runningAutoRefresh(ds)!;
    started.push(auto);
    const events: string[] = [];
    auto.on('source', (e) => events.push(`source ${e.source}`));
    auto.on('stop', (e) => events.push(`stop ${e.reason}`));
    await enableAutoRefresh(ds, { source: 'both' });
    expect(events).toEqual(['source triggers']);
    const stopping = auto.stop();
    // emitted at once, before a running refresh has ended
    expect(events).toEqual(['source triggers', 'stop stop']);
    await stopping;
    await auto.stop();
    expect(events).toEqual(['source triggers', 'stop stop']);
    expect(auto.sources).toEqual([]);
    expect(auto.stopped).toBe(true);
    await expect(auto.addSource('subscriber')).rejects.toThrow(/stopped\. Call enableAutoRefresh/);
  });

  it('stop() removes the subscriber enableAutoRefresh added; enabling again adds exactly one', async () => {
    const ds = await connect();
    expect(runtimeSubscribers(ds)).toBe(0);
    const auto = await enable(ds);
    expect(runtimeSubscribers(ds)).toBe(1);
    await auto.stop();
    expect(runtimeSubscribers(ds)).toBe(0);
    await ds.getRepository(Purchase).save({ customerId, amount: 8 });
    expect(runningAutoRefresh(ds)).toBeUndefined();
    const again = await enable(ds);
    await enable(ds);
    expect(runtimeSubscribers(ds)).toBe(1);
    await again.stop();
    expect(runtimeSubscribers(ds)).toBe(0);
  });

  it("destroy() without stop(): 'stop' with reason destroyed, within the watchdog's second", async () => {
    const ds = await connect();
    const auto = await enable(ds);
    const stopped = new Promise<AutoRefreshStopEvent>((resolve) => auto.once('stop', resolve));
    await ds.destroy();
    expect(await stopped).toEqual({ reason: 'destroyed' });
    expect(runningAutoRefresh(ds)).toBeUndefined();
  });

  it("a throwing 'source' listener is reported through 'error', not thrown into addSource", async () => {
    const ds = await connect();
    const auto = await enable(ds, { source: 'subscriber' });
    const errors: AutoRefreshError[] = [];
    auto.on('error', (e) => errors.push(e));
    auto.on('source', () => {
      throw new Error('listener bug');
    });
    await auto.addSource('triggers');
    expect(errors.map((e) => e.message)).toEqual(["An auto-refresh 'source' listener threw: listener bug."]);
  });
});
