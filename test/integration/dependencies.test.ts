import type { QueryRunner } from 'typeorm';
import {
  getAllViews,
  getDependencyDiagram,
  getDependencyOrder,
  getDependentViews,
  getViewDefinition,
  getViewDependencies,
  syncViews,
  ViewNotFoundError,
} from '../../src';
import { ActiveUser, Order, User, UserStats, quickstartEntities } from '../fixtures/quickstart';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();
const bigSpenders = { schema: 'Reports', name: 'Big "Spenders"' };

/** Runs `fn` on one query runner and counts the queries it sends. */
async function counted<T>(fn: (qr: QueryRunner) => Promise<T>): Promise<{ result: T; queries: number }> {
  const ds = await db.connect({ entities: quickstartEntities });
  const qr = ds.createQueryRunner();
  const spy = jest.spyOn(qr, 'query');
  try {
    const result = await fn(qr);
    return { result, queries: spy.mock.calls.length };
  } finally {
    await qr.release();
  }
}

describe('dependency tracking from the catalog', () => {
  let ds: Awaited<ReturnType<typeof db.connect>>;
  beforeAll(async () => {
    ds = await db.connect({ entities: quickstartEntities, synchronize: true });
    await syncViews(ds);
    // A view the library did not create, in another schema, with a name that needs quoting.
    await db.query('CREATE SCHEMA "Reports"');
    await db.query('CREATE VIEW "Reports"."Big ""Spenders""" AS SELECT user_id, total_spent FROM public.user_stats');
    await db.query('CREATE TABLE "Reports".unrelated (id int)');
  });

  it('lists every view across schemas, with kind and populated state', async () => {
    expect(await getAllViews(ds)).toEqual([
      { ...bigSpenders, kind: 'view' },
      { schema: 'public', name: 'active_users', kind: 'view' },
      { schema: 'public', name: 'user_stats', kind: 'materialized', populated: true },
    ]);
    expect(await getAllViews(ds, { schema: 'public', includeMaterialized: false })).toEqual([
      { schema: 'public', name: 'active_users', kind: 'view' },
    ]);
  });

  it("returns PostgreSQL's rendering of a definition, by class, by name, by { schema, name }", async () => {
    expect(await getViewDefinition(ds, UserStats)).toMatch(/FROM \(active_users u\s+LEFT JOIN orders o/);
    expect(await getViewDefinition(ds, 'public.active_users')).toMatch(/is_active = true/);
    expect(await getViewDefinition(ds, bigSpenders)).toMatch(/FROM user_stats/);
    expect(await getViewDefinition(ds, '"Reports"."Big ""Spenders"""')).toMatch(/total_spent/);
  });

  it('says which relation is unknown, or that a table is not a view', async () => {
    await expect(getViewDefinition(ds, 'public.nope')).rejects.toThrow(
      new ViewNotFoundError(
        `View public.nope does not exist. Check the schema and the name (a name with capitals or spaces must be quoted: '"MyView"', or pass { schema, name }).`,
      ),
    );
    await expect(getViewDependencies(ds, 'Reports.Big')).rejects.toThrow(/View reports\.big does not exist/);
    await expect(getViewDependencies(ds, User)).rejects.toThrow('public.users is a table, not a view');
    await expect(getDependentViews(ds, 'public.missing')).rejects.toThrow(/Relation public\.missing does not exist/);
    await expect(getDependencyOrder(ds, ['active_users', 'ghost'])).rejects.toThrow(ViewNotFoundError);
    class NotAnEntity {}
    await expect(getDependentViews(ds, NotAnEntity)).rejects.toThrow(
      "class NotAnEntity is not in this DataSource's entities",
    );
  });

  it('gives what a view reads, with kinds and columns, one step or all the way down', async () => {
    expect(await getViewDependencies(ds, UserStats)).toEqual([
      { schema: 'public', name: 'active_users', kind: 'view', columns: ['id', 'name'], depth: 1 },
      { schema: 'public', name: 'orders', kind: 'table', columns: ['amount', 'id', 'userId'], depth: 1 },
    ]);
    expect(await getViewDependencies(ds, bigSpenders, { recursive: true })).toEqual([
      { schema: 'public', name: 'user_stats', kind: 'materialized', columns: ['total_spent', 'user_id'], depth: 1 },
      { schema: 'public', name: 'active_users', kind: 'view', columns: ['id', 'name'], depth: 2 },
      { schema: 'public', name: 'orders', kind: 'table', columns: ['amount', 'id', 'userId'], depth: 2 },
      { schema: 'public', name: 'users', kind: 'table', columns: ['id', 'is_active', 'name'], depth: 3 },
    ]);
  });

  it('gives the views that read a relation, nearest first, transitively by default', async () => {
    expect(await getDependentViews(ds, 'public.users')).toEqual([
      { schema: 'public', name: 'active_users', kind: 'view', depth: 1 },
      { schema: 'public', name: 'user_stats', kind: 'materialized', depth: 2 },
      { ...bigSpenders, kind: 'view', depth: 3 },
    ]);
    expect(await getDependentViews(ds, Order, { recursive: false })).toEqual([
      { schema: 'public', name: 'user_stats', kind: 'materialized', depth: 1 },
    ]);
    expect(await getDependentViews(ds, bigSpenders)).toEqual([]);
    expect(await getDependentViews(ds, '"Reports".unrelated')).toEqual([]);
  });

  it('orders views for creation (drop order is the reverse), all or a subset', async () => {
    expect(await getDependencyOrder(ds)).toEqual([
      { schema: 'public', name: 'active_users', kind: 'view' },
      { schema: 'public', name: 'user_stats', kind: 'materialized' },
      { ...bigSpenders, kind: 'view' },
    ]);
    // A subset keeps the order that runs through views left out (Big Spenders reads active_users via user_stats).
    expect((await getDependencyOrder(ds, [bigSpenders, ActiveUser])).map((v) => v.name)).toEqual([
      'active_users',
      'Big "Spenders"',
    ]);
  });

  it('costs a fixed number of queries, however deep the walk', async () => {
    expect((await counted((qr) => getDependentViews(qr, 'public.users'))).queries).toBe(2);
    expect((await counted((qr) => getViewDependencies(qr, bigSpenders, { recursive: true }))).queries).toBe(2);
    expect((await counted((qr) => getDependencyOrder(qr))).queries).toBe(2);
    expect((await counted((qr) => getAllViews(qr))).queries).toBe(1);
  });

  it('draws the quick-start graph as Mermaid', async () => {
    expect(await getDependencyDiagram(ds)).toBe(
      [
        'flowchart LR',
        '  n0["Reports.Big #quot;Spenders#quot;"]',
        '  n1["active_users"]',
        '  n2[("orders")]',
        '  n3[["user_stats"]]',
        '  n4[("users")]',
        '  n1 --> n3',
        '  n2 --> n3',
        '  n3 --> n0',
        '  n4 --> n1',
      ].join('\n'),
    );
  });
});
