// ChangeCollector, driven the way TypeORM's PostgresQueryRunner drives it: the runner's state changes
// before the After* event (isTransactionActive is true from START TRANSACTION until the outermost COMMIT
// or ROLLBACK; a savepoint's release or rollback leaves it true). See shared notes/typeorm-events.md.
import type { QualifiedName } from '../../../src/ddl/identifiers';
import { ChangeCollector, type RunnerState } from '../../../src/refresh/auto/collector';

/** A query runner as the subscriber sees it, with TypeORM's transaction depth bookkeeping. */
class Runner implements RunnerState {
  isTransactionActive = false;
  private depth = 0;

  constructor(private readonly collector: ChangeCollector) {}

  /** startTransaction(): START TRANSACTION at depth 0, SAVEPOINT deeper, then afterTransactionStart. */
  start(): this {
    this.isTransactionActive = true;
    this.depth++;
    this.collector.started(this);
    return this;
  }

  /** commitTransaction(): COMMIT at depth 1, RELEASE SAVEPOINT deeper, then afterTransactionCommit. */
  commit(): this {
    if (this.depth === 1) this.isTransactionActive = false;
    this.depth--;
    this.collector.committedOrReleased(this);
    return this;
  }

  /** rollbackTransaction(): ROLLBACK at depth 1, ROLLBACK TO SAVEPOINT deeper, then afterTransactionRollback. */
  rollback(): this {
    if (this.depth === 1) this.isTransactionActive = false;
    this.depth--;
    this.collector.rolledBack(this);
    return this;
  }

  /** Levels opened before the collector heard of them: no afterTransactionStart was seen. */
  alreadyOpen(depth: number): this {
    this.isTransactionActive = true;
    this.depth = depth;
    return this;
  }

  /** A failing COMMIT (deferred constraint) throws before any commit event; the caller then rolls back. */
  failCommit(): this {
    return this;
  }

  write(...tables: string[]): this {
    for (const t of tables) this.collector.rowChanged(this, table(t));
    return this;
  }
}

const table = (name: string): QualifiedName => {
  const [schema, n] = name.includes('.') ? name.split('.') : ['public', name];
  return { schema: schema!, name: n! };
};

function setup() {
  const reports: string[][] = [];
  const collector = new ChangeCollector((tables) => reports.push(tables.map((t) => `${t.schema}.${t.name}`).sort()));
  return { collector, reports, runner: () => new Runner(collector) };
}

describe('ChangeCollector', () => {
  it('reports a write made outside a transaction at once: it is already committed', () => {
    const { collector, reports, runner } = setup();
    collector.rowChanged(undefined, table('users'));
    runner().write('orders'); // a runner with no transaction open (repository.insert, save({ transaction: false }))
    expect(reports).toEqual([['public.users'], ['public.orders']]);
  });

  it('reports the tables of a transaction once, at its commit, each table once', () => {
    const { reports, runner } = setup();
    const r = runner().start().write('users', 'orders', 'users', 'orders');
    expect(reports).toEqual([]);
    r.commit();
    expect(reports).toEqual([['public.orders', 'public.users']]);
  });

  it('keeps a table of the same name in two schemas apart', () => {
    const { reports, runner } = setup();
    runner().start().write('users', 'audit.users', 'users').commit();
    expect(reports).toEqual([['audit.users', 'public.users']]);
  });

  it('reports nothing for a rolled-back transaction, and the runner starts clean afterwards', () => {
    const { reports, runner } = setup();
    const r = runner().start().write('users').rollback();
    expect(reports).toEqual([]);
    r.start().write('orders').commit();
    expect(reports).toEqual([['public.orders']]);
  });

  it('reports nothing for a commit that changed nothing', () => {
    const { reports, runner } = setup();
    runner().start().commit();
    expect(reports).toEqual([]);
  });

  it('reports nothing when COMMIT itself fails and the transaction is rolled back', () => {
    const { reports, runner } = setup();
    const r = runner().start().write('orders').failCommit().rollback();
    expect(reports).toEqual([]);
    r.start().write('users').commit();
    expect(reports).toEqual([['public.users']]);
  });

  describe('savepoints (nested transactions)', () => {
    it('a released savepoint is no commit: its tables are reported with the outer commit', () => {
      const { reports, runner } = setup();
      const r = runner().start().write('users').start().write('orders').commit();
      expect(r.isTransactionActive).toBe(true);
      expect(reports).toEqual([]);
      r.commit();
      expect(reports).toEqual([['public.orders', 'public.users']]);
    });

    it('a released savepoint is lost with its outer transaction when that rolls back', () => {
      const { reports, runner } = setup();
      const r = runner().start().write('users').start().write('orders').commit().rollback();
      expect(reports).toEqual([]);
      r.start().write('payments').commit();
      expect(reports).toEqual([['public.payments']]);
    });

    it('a rolled-back savepoint drops only its own tables', () => {
      const { reports, runner } = setup();
      runner().start().write('users').start().write('orders').rollback().write('payments').commit();
      expect(reports).toEqual([['public.payments', 'public.users']]);
    });

    it('three levels: released into its parent, which is rolled back, inside a committed transaction', () => {
      const { reports, runner } = setup();
      runner()
        .start()
        .write('a')
        .start()
        .write('b')
        .start()
        .write('c')
        .commit() // c into b's level
        .rollback() // b's level with c: gone
        .start()
        .write('d')
        .commit() // d into the outer level
        .commit();
      expect(reports).toEqual([['public.a', 'public.d']]);
    });

    it('a table written before, inside and after a rolled-back savepoint still counts', () => {
      const { reports, runner } = setup();
      runner().start().write('users').start().write('users').rollback().commit();
      expect(reports).toEqual([['public.users']]);
    });
  });

  it('keeps each query runner apart: interleaved transactions commit and roll back independently', () => {
    const { reports, runner } = setup();
    const r1 = runner().start();
    const r2 = runner().start();
    r1.write('users');
    r2.write('orders');
    r1.start().write('payments');
    r2.write('invoices');
    r1.commit(); // r1's savepoint: r2 unaffected
    r2.commit();
    expect(reports).toEqual([['public.invoices', 'public.orders']]);
    r1.rollback();
    expect(reports).toHaveLength(1);
  });

  it('a rollback on one runner does not drop another runner’s changes', () => {
    const { reports, runner } = setup();
    const r1 = runner().start();
    const r2 = runner().start().write('orders');
    r1.write('users').rollback();
    r2.commit();
    expect(reports).toEqual([['public.orders']]);
  });

  it('counts changes seen after joining a transaction already open (auto-refresh enabled mid-transaction)', () => {
    const { reports, runner } = setup();
    const r = runner().alreadyOpen(2); // a transaction and a savepoint
    r.write('orders').commit(); // the savepoint's release
    expect(reports).toEqual([]);
    r.write('users').commit();
    expect(reports).toEqual([['public.orders', 'public.users']]);
  });

  it('drops changes seen after joining when the savepoint they were made in rolls back', () => {
    const { reports, runner } = setup();
    runner().alreadyOpen(2).write('orders').rollback().write('users').commit();
    expect(reports).toEqual([['public.users']]);
  });
});
