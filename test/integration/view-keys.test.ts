// A view's declared key (`primaryKey`, or @PrimaryColumn on the view class) against real PostgreSQL:
// TypeORM counts, paginates and joins by it, and a materialized view gets the unique index that
// REFRESH ... CONCURRENTLY needs from the same declaration.
import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, ViewColumn } from 'typeorm';
import {
  collectViews,
  MaterializedView,
  PgView,
  refreshMaterializedView,
  synchronizeSchema,
  ViewDeclarationError,
} from '../../src';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

@Entity({ name: 'members' })
class Member {
  @PrimaryGeneratedColumn() id!: number;
  @Column() name!: string;
}

@Entity({ name: 'purchases' })
class Purchase {
  @PrimaryGeneratedColumn() id!: number;
  @Column() member_id!: number;
  @Column('numeric', { precision: 10, scale: 2 }) amount!: string;
}

@MaterializedView({
  name: 'member_totals',
  expression: 'SELECT member_id, count(*)::int AS purchases, sum(amount) AS total FROM purchases GROUP BY member_id',
  primaryKey: ['member_id'],
})
class MemberTotals {
  @ViewColumn() member_id!: number;
  @ViewColumn() purchases!: number;
  @ViewColumn() total!: string;
  @ManyToOne(() => Member)
  @JoinColumn({ name: 'member_id' })
  member!: Member;
}

// One row per purchase: many rows per member, so only the key makes a joined page count rows right.
@PgView({
  name: 'purchase_lines',
  expression: 'SELECT p.id AS purchase_id, p.member_id, p.amount FROM purchases p',
})
class PurchaseLine {
  @PrimaryColumn() purchase_id!: number;
  @ViewColumn() member_id!: number;
  @ViewColumn() amount!: string;
}

const entities = [Member, Purchase, MemberTotals, PurchaseLine];

describe('primaryKey on a view class', () => {
  beforeAll(async () => {
    const ds = await db.connect({ entities });
    await synchronizeSchema(ds);
    await ds.getRepository(Member).save([1, 2, 3, 4, 5].map((i) => ({ name: `m${i}` })));
    await ds
      .getRepository(Purchase)
      .save([1, 1, 2, 3, 3, 3, 4, 5].map((member_id, i) => ({ member_id, amount: `${i + 1}.00` })));
    await refreshMaterializedView(ds, MemberTotals);
  });

  it("becomes TypeORM's primary column metadata, from either declaration", async () => {
    const ds = await db.connect({ entities });
    const key = (c: { target: unknown }) =>
      ds.getMetadata(c.target as typeof MemberTotals).primaryColumns.map((p) => p.databaseName);
    expect(key({ target: MemberTotals })).toEqual(['member_id']);
    expect(key({ target: PurchaseLine })).toEqual(['purchase_id']);
    const definitions = collectViews(ds);
    expect(definitions.find((d) => d.name === 'member_totals')?.primaryKey).toEqual(['member_id']);
    expect(definitions.find((d) => d.name === 'purchase_lines')?.primaryKey).toEqual(['purchase_id']);
  });

  it('adds the unique index to the materialized view, so a concurrent refresh works', async () => {
    const ds = await db.connect({ entities });
    const indexes = await db.query<{ indexdef: string }>(
      "SELECT indexdef FROM pg_indexes WHERE tablename = 'member_totals'",
    );
    expect(indexes.map((i) => i.indexdef)).toEqual([
      'CREATE UNIQUE INDEX member_totals_member_id_key ON public.member_totals USING btree (member_id)',
    ]);
    await expect(refreshMaterializedView(ds, MemberTotals, { concurrently: true })).resolves.toBeDefined();
    // TypeORM's own sync finds nothing to do on a keyed view.
    expect((await ds.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
    expect((await synchronizeSchema(ds, { dryRun: true })).tableStatements).toEqual([]);
  });

  it('count, getManyAndCount and skip/take with a join work on keyed views', async () => {
    const ds = await db.connect({ entities });
    const totals = ds.getRepository(MemberTotals);
    expect(await totals.count()).toBe(5);
    const [page, count] = await totals.findAndCount({
      relations: { member: true },
      order: { member_id: 'ASC' },
      skip: 1,
      take: 2,
    });
    expect(count).toBe(5);
    expect(page.map((t) => [t.member_id, t.purchases, t.member.name])).toEqual([
      [2, 1, 'm2'],
      [3, 3, 'm3'],
    ]);
    const [lines, lineCount] = await ds
      .getRepository(PurchaseLine)
      .createQueryBuilder('l')
      .orderBy('l.purchase_id', 'ASC')
      .skip(2)
      .take(3)
      .getManyAndCount();
    expect(lineCount).toBe(8);
    expect(lines.map((l) => l.purchase_id)).toEqual([3, 4, 5]);
  });

  it('is what a paged join from the view needs: without a key TypeORM writes broken SQL', async () => {
    @PgView({ name: 'keyless_totals', expression: 'SELECT member_id, total FROM member_totals' })
    class KeylessTotals {
      @ViewColumn() member_id!: number;
      @ViewColumn() total!: string;
      @ManyToOne(() => Member)
      @JoinColumn({ name: 'member_id' })
      member!: Member;
    }
    const ds = await db.connect({ entities: [...entities, KeylessTotals] });
    await synchronizeSchema(ds);
    const paged = (target: typeof MemberTotals | typeof KeylessTotals) =>
      ds
        .getRepository(target)
        .createQueryBuilder('t')
        .leftJoinAndSelect('t.member', 'm')
        .skip(1)
        .take(2)
        .getManyAndCount();
    await expect(paged(KeylessTotals)).rejects.toThrow(/syntax error/);
    expect((await paged(MemberTotals))[0]).toHaveLength(2);
  });

  it('keeps a declared identical unique index instead of adding another', async () => {
    @MaterializedView({
      name: 'member_totals_2',
      expression: 'SELECT member_id FROM purchases GROUP BY member_id',
      primaryKey: ['member_id'],
      indexes: [{ columns: ['member_id'], unique: true, name: 'by_member' }],
    })
    class Twice {
      @ViewColumn() member_id!: number;
    }
    const ds = await db.connect({ entities: [Member, Purchase, Twice] });
    expect(collectViews(ds)[0]!.indexes.map((i) => i.name)).toEqual(['by_member']);
  });

  it('refuses a key that names no @ViewColumn, naming the class, the option and the fix', async () => {
    @PgView({ name: 'bad_key', expression: 'SELECT 1 AS id', primaryKey: ['ident'] })
    class BadKey {
      @ViewColumn() id!: number;
    }
    const ds = await db.connect({ entities: [BadKey] });
    expect(() => collectViews(ds)).toThrow(ViewDeclarationError);
    expect(() => collectViews(ds)).toThrow(
      /class BadKey \(view public\.bad_key\): option `primaryKey` names "ident", which is not the database name of a @ViewColumn of the class \(its columns: id\)\. Name a column's database name/,
    );
  });

  it('takes a @ViewColumn by its database name', async () => {
    @PgView({ name: 'renamed_key', expression: 'SELECT 1 AS user_id', primaryKey: ['user_id'] })
    class Renamed {
      @ViewColumn({ name: 'user_id' }) userId!: number;
    }
    const ds = await db.connect({ entities: [Renamed] });
    expect(ds.getMetadata(Renamed).primaryColumns.map((c) => c.propertyName)).toEqual(['userId']);
    expect(collectViews(ds)[0]!.primaryKey).toEqual(['user_id']);
  });
});
