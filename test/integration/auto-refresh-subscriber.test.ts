// The subscriber source against real PostgreSQL: one test per row of the TypeORM events table
// (shared/notes/typeorm-events.md), plus rollbacks, savepoints, failed COMMIT, ordering and failures.
// Refreshes are counted from 'refresh' events after flush(); no assertion depends on timing.
import type { DataSource } from 'typeorm';
import { AutoRefreshSubscriber, enableAutoRefresh, syncViews, type AutoRefreshEvent } from '../../src';
import type { AutoRefresh } from '../../src/refresh/auto/engine';
import { useTestDatabase } from '../support/database';
import {
  autoRefreshEntities,
  Customer,
  Fraction,
  Note,
  Purchase,
  Shipment,
  Tag,
} from '../support/auto-refresh-fixture';

const db = useTestDatabase();
let ds: DataSource;
let auto: AutoRefresh;
const events: AutoRefreshEvent[] = [];
let customer: Customer;

beforeAll(async () => {
  ds = await db.connect({ entities: autoRefreshEntities, synchronize: true, subscribers: [AutoRefreshSubscriber] });
  await ds.query(
    'ALTER TABLE shipments ADD CONSTRAINT shipments_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) DEFERRABLE INITIALLY DEFERRED',
  );
  await syncViews(ds);
  auto = await enableAutoRefresh(ds);
  auto.on('refresh', (e) => events.push(e));
  customer = await ds.getRepository(Customer).save({ name: 'Ada' });
  await auto.flush();
});

afterAll(async () => {
  await auto.stop();
});

/** Runs `write`, waits for every refresh it caused, and returns how many each view got. */
async function refreshesAfter(write: () => Promise<unknown>): Promise<Record<string, number>> {
  await auto.flush();
  events.length = 0;
  await write();
  await auto.flush();
  const counts: Record<string, number> = {};
  for (const e of events) counts[e.view.name] = (counts[e.view.name] ?? 0) + 1;
  return counts;
}

async function viewMatchesQuery(view: string, query: string): Promise<void> {
  const rows = await ds.query(`SELECT * FROM ${view} ORDER BY 1`);
  const fresh = await ds.query(`${query} ORDER BY 1`);
  expect(rows).toEqual(fresh);
}

const totalsQuery = `SELECT customer_id, count(*)::int AS purchases, sum(amount)::int AS total
                       FROM purchases WHERE deleted_at IS NULL GROUP BY customer_id`;
const purchases = () => ds.getRepository(Purchase);
const both = { purchase_totals: 1, customer_ranks: 1 };

describe('auto-refresh through the subscriber: one test per row of the events table', () => {
  it('save(new) and save(changed) refresh the views reading the table, once each, upstream first', async () => {
    let p!: Purchase;
    expect(
      await refreshesAfter(async () => (p = await purchases().save({ customerId: customer.id, amount: 5 }))),
    ).toEqual(both);
    expect(events.map((e) => e.view.name)).toEqual(['purchase_totals', 'customer_ranks']);
    expect(events[0]).toMatchObject({ changedTables: ['public.purchases'], commitsCoalesced: 1, concurrently: true });
    expect(events[1]!.concurrently).toBe(false);
    await viewMatchesQuery('purchase_totals', totalsQuery);
    expect(await refreshesAfter(() => purchases().save({ ...p, amount: 7 }))).toEqual(both);
    await viewMatchesQuery('purchase_totals', totalsQuery);
    expect(await ds.query('SELECT total FROM customer_ranks')).toEqual([{ total: 7 }]);
  });

  it('save(unchanged) causes no refresh', async () => {
    const p = await purchases().save({ customerId: customer.id, amount: 1 });
    expect(await refreshesAfter(() => purchases().save(p))).toEqual({});
  });

  it('save of an array: one refresh for the whole transaction', async () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({ customerId: customer.id, amount: i }));
    expect(await refreshesAfter(() => purchases().save(rows))).toEqual(both);
    expect(events[0]!.commitsCoalesced).toBe(1);
    await viewMatchesQuery('purchase_totals', totalsQuery);
  });

  it('save with listeners:false raises no event, so the subscriber source does not refresh (use triggers)', async () => {
    expect(
      await refreshesAfter(() => purchases().save({ customerId: customer.id, amount: 3 }, { listeners: false })),
    ).toEqual({});
  });

  it('save with transaction:false (already committed row event) refreshes', async () => {
    expect(
      await refreshesAfter(() => purchases().save({ customerId: customer.id, amount: 3 }, { transaction: false })),
    ).toEqual(both);
    await viewMatchesQuery('purchase_totals', totalsQuery);
  });

  it.each([
    [
      'insert',
      () =>
        purchases().insert([
          { customerId: customer.id, amount: 2 },
          { customerId: customer.id, amount: 4 },
        ]),
    ],
    ['update', () => purchases().update({ amount: 2 }, { amount: 20 })],
    ['upsert', () => purchases().upsert({ id: 1, customerId: customer.id, amount: 50 }, ['id'])],
    ['increment', () => purchases().increment({ id: 1 }, 'amount', 5)],
    ['softDelete', () => purchases().softDelete({ id: 1 })],
    ['restore', () => purchases().restore({ id: 1 })],
    ['delete', () => purchases().delete({ amount: 20 })],
  ])('repository.%s refreshes once', async (_name, write) => {
    expect(await refreshesAfter(write)).toEqual(both);
    await viewMatchesQuery('purchase_totals', totalsQuery);
  });

  it('query builder insert, update and delete on an entity refresh; callListeners(false) does not', async () => {
    const qb = () => ds.createQueryBuilder();
    expect(
      await refreshesAfter(() => qb().insert().into(Purchase).values({ customerId: customer.id, amount: 9 }).execute()),
    ).toEqual(both);
    expect(await refreshesAfter(() => qb().update(Purchase).set({ amount: 90 }).where('amount = 9').execute())).toEqual(
      both,
    );
    expect(await refreshesAfter(() => qb().delete().from(Purchase).where('amount = 90').execute())).toEqual(both);
    expect(
      await refreshesAfter(() =>
        qb().insert().into(Purchase).values({ customerId: customer.id, amount: 8 }).callListeners(false).execute(),
      ),
    ).toEqual({});
    await auto.flush();
  });

  it('ds.transaction with several writes: one refresh at its commit', async () => {
    expect(
      await refreshesAfter(() =>
        ds.transaction(async (m) => {
          await m.getRepository(Purchase).save({ customerId: customer.id, amount: 11 });
          await m.getRepository(Purchase).insert({ customerId: customer.id, amount: 12 });
          await m.getRepository(Note).save({ body: 'also a note' });
        }),
      ),
    ).toEqual({ ...both, note_count: 1 });
    expect(events.find((e) => e.view.name === 'purchase_totals')!.commitsCoalesced).toBe(1);
    await viewMatchesQuery('purchase_totals', totalsQuery);
  });

  it('cascade save with a ManyToMany junction table refreshes the view over the junction table', async () => {
    const counts = await refreshesAfter(() =>
      purchases().save({ customerId: customer.id, amount: 1, tags: [{ label: 'red' }, { label: 'blue' }] as Tag[] }),
    );
    expect(counts).toEqual({ ...both, tag_counts: 1 });
    expect(events.find((e) => e.view.name === 'tag_counts')!.changedTables).toEqual(['public.purchase_tags']);
    await viewMatchesQuery('tag_counts', 'SELECT tag_id, count(*)::int AS uses FROM purchase_tags GROUP BY tag_id');
  });

  it('raw SQL raises no event: no refresh with the subscriber source', async () => {
    expect(
      await refreshesAfter(() => ds.query('INSERT INTO purchases (customer_id, amount) VALUES ($1, 1)', [customer.id])),
    ).toEqual({});
  });

  it('a write to a table no auto-refreshed view reads refreshes nothing but the view that declares it in `on`', async () => {
    expect(await refreshesAfter(() => ds.getRepository(Note).save({ body: 'hello' }))).toEqual({ note_count: 1 });
    expect(await ds.query('SELECT notes FROM note_count')).toEqual([{ notes: 2 }]);
  });
});

describe('auto-refresh through the subscriber: what must not refresh', () => {
  it('a rolled-back transaction refreshes nothing', async () => {
    expect(
      await refreshesAfter(() =>
        ds
          .transaction(async (m) => {
            await m.getRepository(Purchase).save({ customerId: customer.id, amount: 99 });
            throw new Error('abort');
          })
          .catch(() => undefined),
      ),
    ).toEqual({});
  });

  it('a rolled-back savepoint inside a committed transaction refreshes nothing', async () => {
    const counts = await refreshesAfter(async () => {
      const qr = ds.createQueryRunner();
      await qr.connect();
      await qr.startTransaction();
      await qr.manager.getRepository(Note).save({ body: 'kept' });
      await qr.startTransaction(); // a savepoint
      await qr.manager.getRepository(Purchase).save({ customerId: customer.id, amount: 77 });
      await qr.rollbackTransaction(); // rolls back to the savepoint
      await qr.commitTransaction();
      await qr.release();
    });
    expect(counts).toEqual({ note_count: 1 });
  });

  it('a released savepoint is no commit: refresh only when the outer transaction commits', async () => {
    const qr = ds.createQueryRunner();
    await qr.connect();
    await auto.flush();
    events.length = 0;
    await qr.startTransaction();
    await qr.startTransaction();
    await qr.manager.getRepository(Purchase).save({ customerId: customer.id, amount: 66 });
    await qr.commitTransaction(); // RELEASE SAVEPOINT
    await auto.flush();
    expect(events).toEqual([]);
    await qr.commitTransaction();
    await qr.release();
    await auto.flush();
    expect(events.map((e) => e.view.name)).toEqual(['purchase_totals', 'customer_ranks']);
  });

  it('a released savepoint inside a rolled-back transaction refreshes nothing', async () => {
    const counts = await refreshesAfter(async () => {
      const qr = ds.createQueryRunner();
      await qr.connect();
      await qr.startTransaction();
      await qr.startTransaction();
      await qr.manager.getRepository(Purchase).save({ customerId: customer.id, amount: 55 });
      await qr.commitTransaction();
      await qr.rollbackTransaction();
      await qr.release();
    });
    expect(counts).toEqual({});
  });

  it('a COMMIT that fails (deferred foreign key) refreshes nothing, and the error reaches the writer unchanged', async () => {
    let thrown: unknown;
    const counts = await refreshesAfter(() =>
      ds
        .getRepository(Shipment)
        .save({ customerId: 424242 })
        .catch((e: unknown) => (thrown = e)),
    );
    expect(String(thrown)).toMatch(/shipments_customer_fk/);
    expect(counts).toEqual({});
    expect(await refreshesAfter(() => ds.getRepository(Shipment).save({ customerId: customer.id }))).toEqual({
      shipment_counts: 1,
    });
  });
});

describe('auto-refresh failures', () => {
  it('a failing refresh leaves the write committed, emits error, and the next good change refreshes', async () => {
    const errors: Error[] = [];
    const onError = (e: Error) => errors.push(e);
    auto.on('error', onError);
    try {
      const repo = ds.getRepository(Fraction);
      const saved = await repo.save({ divisor: 0 }); // the writer sees no error
      await auto.flush();
      expect(errors.length).toBeGreaterThanOrEqual(1);
      expect(errors[0]!.message).toMatch(/public\.fraction_values.*division by zero/);
      expect(await ds.query('SELECT divisor FROM fractions')).toEqual([{ divisor: 0 }]);
      const counts = await refreshesAfter(() => repo.save({ ...saved, divisor: 4 }));
      expect(counts).toEqual({ fraction_values: 1 });
      expect(await ds.query('SELECT value FROM fraction_values')).toEqual([{ value: 25 }]);
    } finally {
      auto.off('error', onError);
    }
  });
});

describe('flush under steady writes', () => {
  it('resolves while other writers go on, with every change committed before the call in the view', async () => {
    const busy = await ds.getRepository(Customer).save({ name: 'Busy' });
    const quiet = await ds.getRepository(Customer).save({ name: 'Quiet' });
    let writing = true;
    let written = 0;
    const writers = Array.from({ length: 3 }, async () => {
      while (writing) {
        await purchases().save({ customerId: busy.id, amount: 1 });
        written++;
      }
    });
    try {
      while (written < 20) await new Promise((resolve) => setImmediate(resolve));
      await purchases().save({ customerId: quiet.id, amount: 42 });
      // Resolves while the writers are still going: a flush that waited for nothing to be pending (as it
      // did before) never resolved here, and the test timed out.
      await auto.flush();
      expect(await ds.query('SELECT purchases, total FROM purchase_totals WHERE customer_id = $1', [quiet.id])).toEqual(
        [{ purchases: 1, total: 42 }],
      );
    } finally {
      writing = false;
      await Promise.all(writers);
    }
    await auto.flush();
    await viewMatchesQuery('purchase_totals', totalsQuery);
  });
});
