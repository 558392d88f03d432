// docs/refresh.md: a refresh through an EntityManager inside dataSource.transaction() joins that
// transaction, so it commits or rolls back with it.
import { ViewColumn } from 'typeorm';
import { MaterializedView, refreshMaterializedView, syncViews } from '../../src';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

@MaterializedView({ name: 'ledger_sum', expression: 'SELECT count(*)::int AS entries FROM ledger' })
class LedgerSum {
  @ViewColumn() entries!: number;
}

const entries = async () => (await db.query<{ entries: number }>('SELECT entries FROM ledger_sum'))[0]!.entries;

beforeAll(async () => {
  await db.query('CREATE TABLE ledger (n int)');
  await syncViews(await db.connect({ entities: [LedgerSum] }));
});

describe('a refresh through an EntityManager', () => {
  it('is undone when the transaction rolls back: the view keeps its old rows', async () => {
    const ds = await db.connect({ entities: [LedgerSum] });
    await db.query('INSERT INTO ledger VALUES (1)'); // committed: any refresh that commits would show it
    expect(await entries()).toBe(0);
    const rollback = new Error('roll back');
    await expect(
      ds.transaction(async (manager) => {
        await refreshMaterializedView(manager, LedgerSum);
        expect(await manager.query('SELECT entries FROM ledger_sum')).toEqual([{ entries: 1 }]);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect(await entries()).toBe(0);
  });

  it("sees the transaction's own writes and commits with it", async () => {
    const ds = await db.connect({ entities: [LedgerSum] });
    await ds.transaction(async (manager) => {
      await manager.query('INSERT INTO ledger VALUES (2)'); // not committed: only this transaction sees it
      await refreshMaterializedView(manager, 'ledger_sum');
      expect(await manager.query('SELECT entries FROM ledger_sum')).toEqual([{ entries: 2 }]);
    });
    expect(await entries()).toBe(2);
  });
});
