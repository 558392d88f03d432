// resolveTarget, the one resolver of "a class, a 'schema.name' string or { schema, name }", on a real
// DataSource (its entity metadata and naming), and the four public entry points that go through it.
import { Column, Entity, PrimaryColumn, ViewColumn, type DataSource } from 'typeorm';
import {
  collectViews,
  dropView,
  getViewDefinition,
  MaterializedView,
  PgView,
  refreshMaterializedView,
  ViewDeclarationError,
  ViewNotFoundError,
} from '../../src';
import { resolveTarget } from '../../src/metadata/resolve-target';
import { useTestDatabase } from '../support/database';

@Entity({ name: 'Orders', schema: 'sales' })
class Order {
  @PrimaryColumn() id!: number;
  @Column() amount!: number;
}

@Entity({ name: 'customers' })
class Customer {
  @PrimaryColumn() id!: number;
}

@MaterializedView({ name: 'order_totals', expression: 'SELECT sum(amount) AS total FROM sales."Orders"' })
class OrderTotals {
  @ViewColumn() total!: number;
}

/** A subclass of a declared view, not itself listed: it stands for the view it inherits. */
class OrderTotalsRow extends OrderTotals {}

class NotAnEntity {}

const db = useTestDatabase();
let ds: DataSource;

beforeAll(async () => {
  ds = await db.connect({ entities: [Order, Customer, OrderTotals], schema: 'app' });
});

const calls = { error: ViewNotFoundError };

describe('resolveTarget', () => {
  it.each([
    ['user_stats', { schema: 'app', name: 'user_stats' }], // the DataSource's schema, not public
    ['Reporting."Daily Sales"', { schema: 'reporting', name: 'Daily Sales' }],
    [' public . x ', { schema: 'public', name: 'x' }],
  ])('names %j', (text, expected) => expect(resolveTarget(ds, text, calls)).toEqual(expected));

  it('names classes by their entity metadata: schema, table name, naming strategy', () => {
    expect(resolveTarget(ds, Order, calls)).toEqual({ schema: 'sales', name: 'Orders' });
    expect(resolveTarget(ds, Customer, calls)).toEqual({ schema: 'app', name: 'customers' });
    expect(resolveTarget(ds, OrderTotals, calls)).toEqual({ schema: 'app', name: 'order_totals' });
    expect(resolveTarget(ds, OrderTotalsRow, calls)).toEqual({ schema: 'app', name: 'order_totals' });
  });

  it('takes { schema, name } as is', () =>
    expect(resolveTarget(ds, { schema: 'A', name: 'b c', kind: 'view' }, calls)).toEqual({ schema: 'A', name: 'b c' }));

  it('says which reference is wrong and how to write it, with the error and context asked for', () => {
    const option = { where: 'class X', option: 'dependsOn[1]', error: ViewDeclarationError };
    expect(() => resolveTarget(ds, 'a b', option)).toThrow(
      new ViewDeclarationError(
        `class X: option \`dependsOn[1]\` has 'a b', which is not a name. Write 'name' or 'schema.name'; quote a part to keep capitals, spaces or dots: '"Daily Sales"', 'reporting."Daily Sales"'.`,
      ),
    );
    expect(() => resolveTarget(ds, NotAnEntity, { where: 'dropView', error: ViewNotFoundError })).toThrow(
      new ViewNotFoundError(
        "dropView: class NotAnEntity is not in this DataSource's entities. Add it to `entities`, or name the relation as 'schema.name'.",
      ),
    );
    expect(() => resolveTarget(ds, 42, calls)).toThrow(
      new ViewNotFoundError("42 does not name a relation. Give a class, a 'schema.name' string or { schema, name }."),
    );
    expect(() => resolveTarget(ds, { schema: 'a' }, calls)).toThrow(/\{"schema":"a"\} does not name a relation/);
    expect(() => resolveTarget(ds, null, calls)).toThrow(/null does not name a relation/);
    expect(() => resolveTarget(ds, undefined, calls)).toThrow(/undefined does not name a relation/);
  });
});

describe('every entry point resolves through it', () => {
  const notAName = /'a b' is not a name\. Write 'name' or 'schema\.name'/;

  it('decorator options (ViewDeclarationError, naming class and option)', async () => {
    @PgView({ name: 'broken', expression: 'SELECT 1', dependsOn: ['a b'] })
    class Broken {}
    const other = await db.connect({ entities: [Broken] });
    expect(() => collectViews(other)).toThrow(ViewDeclarationError);
    expect(() => collectViews(other)).toThrow(/class Broken: option `dependsOn\[0\]` has 'a b', which is not a name/);
  });

  it('the dependency API, refreshes and migration operations (ViewNotFoundError)', async () => {
    await expect(getViewDefinition(ds, 'a b')).rejects.toThrow(ViewNotFoundError);
    await expect(getViewDefinition(ds, 'a b')).rejects.toThrow(notAName);
    await expect(refreshMaterializedView(ds, 'a b')).rejects.toThrow(ViewNotFoundError);
    await expect(refreshMaterializedView(ds, 'a b')).rejects.toThrow(notAName);
    const queryRunner = ds.createQueryRunner();
    try {
      await expect(dropView(queryRunner, 'a b')).rejects.toThrow(ViewNotFoundError);
      await expect(dropView(queryRunner, 'a b')).rejects.toThrow(/^dropView: 'a b' is not a name/);
    } finally {
      await queryRunner.release();
    }
  });

  it('refreshes a subclass of a declared materialized view as that view', async () => {
    await ds.query('CREATE SCHEMA sales; CREATE TABLE sales."Orders" (id int PRIMARY KEY, amount int)');
    await ds.query(
      'CREATE SCHEMA app; CREATE MATERIALIZED VIEW app.order_totals AS SELECT sum(amount) AS total FROM sales."Orders"',
    );
    const result = await refreshMaterializedView(ds, OrderTotalsRow);
    expect(result.view).toEqual({ schema: 'app', name: 'order_totals' });
  });
});
