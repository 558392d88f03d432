// sqlFile(): a view's query read from a .sql file at collection, on real PostgreSQL.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ViewColumn } from 'typeorm';
import {
  collectViews,
  defineMaterializedView,
  generateMigration,
  MaterializedView,
  PgView,
  sqlFile,
  syncViews,
  ViewDeclarationError,
} from '../../src';
import { Order, User } from '../fixtures/quickstart';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();
const fixtures = join(__dirname, '..', 'fixtures');

@MaterializedView({
  name: 'order_totals',
  expression: sqlFile('../fixtures/sql/order_totals.sql', __dirname),
  indexes: [{ columns: ['user_id'], unique: true }],
})
class OrderTotal {
  @ViewColumn() user_id!: number;
  @ViewColumn() orders!: number;
  @ViewColumn() total!: string;
}

describe('sqlFile expressions', () => {
  it('are read relative to the base, synced, queried, and embedded in a generated migration', async () => {
    const ds = await db.connect({ entities: [User, Order, OrderTotal], synchronize: true });
    await syncViews(ds);
    const user = await ds.getRepository(User).save({ name: 'Ada' });
    await ds.getRepository(Order).save({ user, amount: '2.50' });
    await ds.query('REFRESH MATERIALIZED VIEW order_totals');
    expect(await ds.getRepository(OrderTotal).find()).toEqual([{ user_id: user.id, orders: 1, total: '2.50' }]);
    const [definition] = collectViews(ds);
    expect(definition!.sql).toBe(
      '-- Orders per user, kept in a file so editors and SQL linters see it.\nSELECT "userId" AS user_id, count(*)::int AS orders, sum(amount) AS total\n  FROM orders\n GROUP BY "userId"',
    );
    await ds.query('DROP MATERIALIZED VIEW order_totals');
    const migration = await generateMigration(ds, { name: 'Totals', timestamp: 1700000000000 });
    expect(migration!.source).toContain('count(*)::int AS orders, sum(amount) AS total');
  });

  it('take a file: URL (import.meta.url in ES modules) as base, or an absolute path', async () => {
    const base = pathToFileURL(join(fixtures, 'any-module.js')).href;
    const a = defineMaterializedView({
      name: 'totals_by_url',
      expression: sqlFile('./sql/order_totals.sql', base),
      entityColumns: { user_id: { type: Number, primary: true } },
    });
    const b = defineMaterializedView({
      name: 'totals_by_path',
      expression: sqlFile(join(fixtures, 'sql', 'order_totals.sql')),
      entityColumns: { user_id: { type: Number, primary: true } },
    });
    const ds = await db.connect({ entities: [User, Order, a, b] });
    expect(collectViews(ds).map((d) => d.sql.includes('GROUP BY "userId"'))).toEqual([true, true]);
  });

  it('name the class and the path when the file is missing, or has no base', async () => {
    @PgView({ expression: sqlFile('./sql/missing.sql', fixtures) })
    class MissingSql {}
    const missing = join(fixtures, 'sql', 'missing.sql');
    const ds = await db.connect({ entities: [MissingSql] });
    expect(() => collectViews(ds)).toThrow(
      new ViewDeclarationError(
        `class MissingSql: option \`expression\`: sqlFile names ${missing}, which does not exist. Check the path and its base.`,
      ),
    );

    @PgView({ expression: sqlFile('./sql/order_totals.sql') })
    class NoBase {}
    const ds2 = await db.connect({ entities: [NoBase] });
    expect(() => collectViews(ds2)).toThrow(
      new ViewDeclarationError(
        "class NoBase: option `expression`: sqlFile has the relative path './sql/order_totals.sql' and no base. Write sqlFile('./sql/order_totals.sql', __dirname) (CommonJS) or sqlFile('./sql/order_totals.sql', import.meta.url) (ES modules).",
      ),
    );
  });

  it('refuse a file with two statements, as inline SQL is', async () => {
    @PgView({ expression: sqlFile('sql/two_statements.sql', fixtures) })
    class TwoStatements {}
    const ds = await db.connect({ entities: [TwoStatements] });
    expect(() => collectViews(ds)).toThrow(
      new ViewDeclarationError(
        `class TwoStatements: option \`expression\`: the SQL file ${join(fixtures, 'sql', 'two_statements.sql')} contains more than one statement (a \`;\` outside quotes). Keep one query in the file.`,
      ),
    );
  });
});
