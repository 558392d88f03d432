// Relations between table entities and keyed view entities, both ways, against real PostgreSQL: they load
// through repositories and query builders, and never become foreign keys (PostgreSQL refuses a foreign key
// to a view; TypeORM's own sync tries, typeorm#4668).
import {
  Column,
  Entity,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryGeneratedColumn,
  ViewColumn,
  EntitySchema,
  type DataSource,
  type Relation,
} from 'typeorm';
import { generateMigrationStatements, MaterializedView, synchronizeSchema, syncViews } from '../../src';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

@Entity({ name: 'shoppers' })
class Shopper {
  @PrimaryGeneratedColumn() id!: number;
  @Column() name!: string;
  // Table -> view, one-to-many (the view's ManyToOne below owns the join column).
  @OneToMany(() => ShopperStats, (s) => s.shopper) stats!: Relation<ShopperStats[]>;
}

@Entity({ name: 'baskets' })
class Basket {
  @PrimaryGeneratedColumn() id!: number;
  @Column() shopper_id!: number;
  @Column('numeric', { precision: 10, scale: 2 }) amount!: string;
  // A foreign key to a table, which stays. Its own column: TypeORM 0.3.20 gives one of two relations
  // sharing a join column a wrong join condition (whether or not one of them points to a view).
  @Column({ nullable: true }) referrer_id!: number;
  @ManyToOne(() => Shopper, { nullable: true })
  @JoinColumn({ name: 'referrer_id' })
  referrer!: Shopper | null;
  // Table -> view, many-to-one: TypeORM's schema builder would add a foreign key to shopper_stats.
  @ManyToOne(() => ShopperStats, (s) => s.baskets_list)
  @JoinColumn({ name: 'shopper_id' })
  stats!: Relation<ShopperStats>;
}

@MaterializedView({
  name: 'shopper_stats',
  expression: 'SELECT shopper_id, count(*)::int AS baskets, sum(amount) AS total FROM baskets GROUP BY shopper_id',
  primaryKey: ['shopper_id'],
})
class ShopperStats {
  @ViewColumn() shopper_id!: number;
  @ViewColumn() baskets!: number;
  @ViewColumn() total!: string;
  // View -> table, many-to-one.
  @ManyToOne(() => Shopper, (s) => s.stats)
  @JoinColumn({ name: 'shopper_id' })
  shopper!: Shopper;
  // View -> table, one-to-many.
  @OneToMany(() => Basket, (b) => b.stats) baskets_list!: Basket[];
}

const entities = [Shopper, Basket, ShopperStats];

const foreignKeys = (): Promise<{ conname: string; target: string }[]> =>
  db.query(
    "SELECT conname, confrelid::regclass::text AS target FROM pg_constraint WHERE contype = 'f' ORDER BY conname",
  );

async function seed(ds: DataSource) {
  await ds.getRepository(Shopper).save([1, 2, 3, 4].map((i) => ({ name: `s${i}` })));
  await ds
    .getRepository(Basket)
    .save([1, 1, 2, 3, 3, 3, 4].map((shopper_id, i) => ({ shopper_id, referrer_id: 1, amount: `${i + 1}.00` })));
  await ds.query('REFRESH MATERIALIZED VIEW shopper_stats');
}

describe('relations between tables and views', () => {
  it('the migration generator leaves out the foreign key to the view, in up() and down()', async () => {
    const ds = await db.connect({ entities });
    const generated = (await generateMigrationStatements(ds))!;
    const sql = [...generated.up, ...generated.down].map((s) => s.sql).join('\n');
    expect(sql).toMatch(/FOREIGN KEY \("referrer_id"\) REFERENCES "shoppers"\("id"\)/);
    expect(sql).not.toMatch(/REFERENCES "shopper_stats"/);
    const constraints = [...sql.matchAll(/CONSTRAINT "(FK_\w+)"/g)].map((m) => m[1]);
    // The one foreign key, added in up() and dropped in down(): none of the view's.
    expect(new Set(constraints).size).toBe(1);
  });

  it('synchronizeSchema creates the tables and the view without a foreign key to the view', async () => {
    const ds = await db.connect({ entities });
    const result = await synchronizeSchema(ds);
    expect(result.tableStatements.join('\n')).not.toMatch(/shopper_stats/);
    expect(await foreignKeys()).toEqual([{ conname: expect.stringMatching(/^FK_/), target: 'shoppers' }]);
    // TypeORM still wants that foreign key each time; it stays left out, so nothing is pending.
    expect((await ds.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query).join('\n')).toMatch(
      /REFERENCES "shopper_stats"/,
    );
    expect((await synchronizeSchema(ds, { dryRun: true })).tableStatements).toEqual([]);
    expect(await generateMigrationStatements(ds)).toBeUndefined();
    await seed(ds);
  });

  it('loads ManyToOne and OneToMany both ways with `relations`', async () => {
    const ds = await db.connect({ entities });
    const basket = await ds.getRepository(Basket).findOneOrFail({
      where: { id: 4 },
      relations: { stats: { shopper: true }, referrer: true },
    });
    expect([basket.referrer?.name, basket.stats.baskets, basket.stats.shopper.name]).toEqual(['s1', 3, 's3']);
    const stats = await ds.getRepository(ShopperStats).findOneOrFail({
      where: { shopper_id: 1 },
      relations: { shopper: true, baskets_list: true },
    });
    expect(stats.shopper.name).toBe('s1');
    expect(stats.baskets_list.map((b) => b.id).sort()).toEqual([1, 2]);
    const shopper = await ds.getRepository(Shopper).findOneOrFail({ where: { id: 2 }, relations: { stats: true } });
    expect(shopper.stats.map((s) => s.total)).toEqual(['3.00']);
  });

  it('paginates a one-to-many join from the view (skip/take, getManyAndCount)', async () => {
    const ds = await db.connect({ entities });
    const qb = ds
      .getRepository(ShopperStats)
      .createQueryBuilder('s')
      .leftJoinAndSelect('s.baskets_list', 'b')
      .orderBy('s.shopper_id', 'ASC')
      .skip(1)
      .take(2);
    // TypeORM pages by the view's key (SELECT DISTINCT over its primary columns, then the page's rows).
    // Ordering by a joined column would page over joined rows: TypeORM's own limitation, keyed or not.
    const [page, count] = await qb.getManyAndCount();
    // Two view rows (not two joined rows): shopper 2 with one basket, shopper 3 with three.
    expect(count).toBe(4);
    expect(page.map((s) => [s.shopper_id, s.baskets_list.map((b) => b.id).sort()])).toEqual([
      [2, [3]],
      [3, [4, 5, 6]],
    ]);
  });
});

// dataSource.synchronize() alone: TypeORM adds the foreign key to the view and PostgreSQL refuses it,
// unless the relation says `createForeignKeyConstraints: false`.
@Entity({ name: 'plain_shoppers' })
class PlainShopper {
  @PrimaryGeneratedColumn() id!: number;
}
@MaterializedView({
  name: 'plain_shopper_stats',
  expression: 'SELECT shopper_id, count(*)::int AS baskets FROM plain_baskets GROUP BY shopper_id',
  primaryKey: ['shopper_id'],
})
class PlainShopperStats {
  @ViewColumn() shopper_id!: number;
  @ViewColumn() baskets!: number;
}
@Entity({ name: 'plain_baskets' })
class PlainBasket {
  @PrimaryGeneratedColumn() id!: number;
  @Column() shopper_id!: number;
  @ManyToOne(() => PlainShopperStats)
  @JoinColumn({ name: 'shopper_id' })
  stats!: Relation<PlainShopperStats>;
}
@Entity({ name: 'plain_baskets' })
class PlainBasketNoKey {
  @PrimaryGeneratedColumn() id!: number;
  @Column() shopper_id!: number;
  @ManyToOne(() => PlainShopperStats, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'shopper_id' })
  stats!: Relation<PlainShopperStats>;
}

describe('dataSource.synchronize() with a relation to a view', () => {
  it('fails without `createForeignKeyConstraints: false` and works with it', async () => {
    const fixed = await db.connect({ entities: [PlainShopper, PlainBasketNoKey, PlainShopperStats] });
    await fixed.synchronize();
    await syncViews(fixed);
    await fixed.synchronize();
    await fixed.query('INSERT INTO plain_baskets (shopper_id) VALUES (7), (7)');
    await fixed.query('REFRESH MATERIALIZED VIEW plain_shopper_stats');
    const basket = await fixed
      .getRepository(PlainBasketNoKey)
      .findOneOrFail({ where: { id: 1 }, relations: { stats: true } });
    expect(basket.stats.baskets).toBe(2);

    const naive = await db.connect({ entities: [PlainShopper, PlainBasket, PlainShopperStats] });
    await expect(naive.synchronize()).rejects.toThrow(/referenced relation "plain_shopper_stats" is not a table/);
  });
});

// TypeORM's own views (an EntitySchema of type 'view', not made by definePgView): its schema builder wants
// the same foreign key to them. (A TypeORM @ViewEntity cannot be referenced at all: its columns have no type.)
@Entity({ name: 'tv_shoppers' })
class TvShopper {
  @PrimaryGeneratedColumn() id!: number;
  @Column() name!: string;
}
interface TvShopperNames {
  shopper_id: number;
  shout: string;
}
const TvShopperNames = new EntitySchema<TvShopperNames>({
  name: 'tv_shopper_names',
  type: 'view',
  expression: 'SELECT id AS shopper_id, upper(name) AS shout FROM tv_shoppers',
  columns: { shopper_id: { type: 'int', primary: true }, shout: { type: 'text' } },
});
interface TvBasket {
  id: number;
  shopper_id: number;
  names: TvShopperNames;
}
const TvBasket = new EntitySchema<TvBasket>({
  name: 'tv_baskets',
  columns: { id: { type: 'int', primary: true, generated: 'increment' }, shopper_id: { type: 'int' } },
  relations: { names: { type: 'many-to-one', target: 'tv_shopper_names', joinColumn: { name: 'shopper_id' } } },
});

describe("a relation to TypeORM's own view entity", () => {
  const tvEntities = [TvShopper, TvShopperNames, TvBasket];

  it('gets no foreign key from synchronizeSchema or the migration generator, and loads', async () => {
    const ds = await db.connect({ entities: tvEntities });
    expect((await ds.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query).join('\n')).toMatch(
      /REFERENCES "tv_shopper_names"/,
    );
    const generated = (await generateMigrationStatements(ds))!;
    expect([...generated.up, ...generated.down].map((s) => s.sql).join('\n')).not.toMatch(/tv_shopper_names"\(/);
    const before = await foreignKeys();
    await synchronizeSchema(ds);
    expect(await foreignKeys()).toEqual(before);
    expect(await generateMigrationStatements(ds)).toBeUndefined();
    await ds.getRepository(TvShopper).save({ name: 'ada' });
    await ds.getRepository(TvBasket).save({ shopper_id: 1 });
    const basket = await ds.getRepository(TvBasket).findOneOrFail({ where: { id: 1 }, relations: { names: true } });
    expect(basket.names.shout).toBe('ADA');
  });
});

describe("TypeORM's own view entity over a column TypeORM retypes", () => {
  @Entity({ name: 'tr_people' })
  class Person {
    @PrimaryGeneratedColumn() id!: number;
    @Column('varchar', { length: 20 }) name!: string;
  }
  @Entity({ name: 'tr_people' })
  class PersonWider {
    @PrimaryGeneratedColumn() id!: number;
    @Column('varchar', { length: 80 }) name!: string;
  }
  const shout = new EntitySchema<{ id: number; shout: string }>({
    name: 'tr_shout',
    type: 'view',
    expression: 'SELECT id, upper(name) AS shout FROM tr_people',
    columns: { id: { type: 'int', primary: true }, shout: { type: 'text' } },
  });

  it('synchronizeSchema moves the view aside and restores it; the generator then has nothing to do', async () => {
    const first = await db.connect({ entities: [Person, shout] });
    await synchronizeSchema(first);
    const wider = await db.connect({ entities: [PersonWider, shout] });
    const pending = (await wider.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query).join('\n');
    // TypeORM drops and adds the column back under its own view (its synchronize() would fail there).
    expect(pending).toMatch(/ALTER TABLE "tr_people" DROP COLUMN "name"/);
    expect((await generateMigrationStatements(wider))!.up.length).toBeGreaterThan(0);
    await synchronizeSchema(wider);
    await wider.getRepository(PersonWider).save({ name: 'grace' });
    expect(await wider.query('SELECT shout FROM tr_shout')).toEqual([{ shout: 'GRACE' }]);
    expect(await generateMigrationStatements(wider)).toBeUndefined();
  });
});
