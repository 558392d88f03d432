// Bad input: a clear error naming the culprit and the fix, and nothing changed in the database.
import { ViewColumn } from 'typeorm';
import {
  MaterializedView,
  PgView,
  SyncError,
  ViewDeclarationError,
  ViewDependencyCycleError,
  syncViews,
} from '../../src';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

@PgView({ name: 'good_one', expression: 'SELECT 1 AS id' })
class GoodOne {
  @ViewColumn() id!: number;
}
@PgView({ name: 'zz_broken', expression: 'SELECT no_such_column FROM pg_class', dependsOn: [GoodOne] })
class Broken {}
@MaterializedView({ name: 'bad_index', expression: 'SELECT 1 AS id', indexes: [{ columns: ['nope'] }] })
class BadIndex {}
@PgView({ name: 'dup', expression: 'SELECT 1' })
class DupA {}
@PgView({ name: 'dup', expression: 'SELECT 2' })
class DupB {}
@PgView({ name: 'needs_ghost', expression: 'SELECT 1', dependsOn: ['ghost_view'] })
class NeedsGhost {}
@PgView({ name: 'cycle_a', expression: 'SELECT 1', dependsOn: ['cycle_b'] })
class CycleA {}
@PgView({ name: 'cycle_b', expression: 'SELECT 1', dependsOn: ['cycle_a'] })
class CycleB {}
@PgView({
  name: 'throws',
  expression: () => {
    throw new Error('boom');
  },
})
class Throws {}
@PgView({ name: 'inserts', expression: (ds) => ds.createQueryBuilder().insert().into('x').values({}) as never })
class Inserts {}
@PgView({
  name: 'with_params',
  expression: (ds) => ds.createQueryBuilder().select('1').from('pg_class', 'c').where('c.relname = :n', { n: 'x' }),
})
class WithParams {}
@PgView({ name: 'no_expression' } as never)
class NoExpression {}
@PgView({ name: 'plain_with_index', expression: 'SELECT 1 AS id', indexes: [{ columns: ['id'] }] } as never)
class PlainWithIndex {}
@PgView({ name: 'x'.repeat(64), expression: 'SELECT 1' })
class TooLong {}

const views = () => db.query("SELECT viewname FROM pg_views WHERE schemaname = 'public'");
const sync = async (...entities: Function[]) => syncViews(await db.connect({ entities }));

describe('bad input', () => {
  it('rolls back a sync that fails midway and names the view, the step and the fix', async () => {
    const error = await sync(GoodOne, Broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncError);
    expect((error as Error).message).toMatch(
      /^syncViews failed at step 2 \(create class Broken \(view public\.zz_broken\); it is declared and does not exist\): column "no_such_column" does not exist\. Check the view's `expression`.*Nothing was changed/,
    );
    expect((error as SyncError).statement).toBe(
      'CREATE VIEW "public"."zz_broken" AS SELECT no_such_column FROM pg_class',
    );
    expect(await views()).toEqual([]);
    expect(await db.query("SELECT to_regclass('typeorm_pgview_views') AS t")).toEqual([{ t: null }]);
  });

  it('explains an index on a column the view does not have', async () => {
    await expect(sync(BadIndex)).rejects.toThrow(
      /class BadIndex \(materialized view public\.bad_index\).*column "nope" does not exist\. An index in option `indexes` names a column the view does not have/,
    );
    expect(await db.query("SELECT relname FROM pg_class WHERE relname = 'bad_index'")).toEqual([]);
  });

  it.each([
    [
      'duplicate names',
      [DupA, DupB],
      ViewDeclarationError,
      /class DupA and class DupB both declare the view public\.dup\. Give one of them another `name`/,
    ],
    [
      'unknown dependsOn',
      [NeedsGhost],
      ViewDeclarationError,
      /class NeedsGhost \(view public\.needs_ghost\): option `dependsOn` names public\.ghost_view, which is neither a declared view nor an existing relation/,
    ],
    [
      'a dependsOn cycle',
      [CycleA, CycleB],
      ViewDependencyCycleError,
      /cycle: public\.cycle_a -> public\.cycle_b -> public\.cycle_a/,
    ],
    [
      'an expression function that throws',
      [Throws],
      ViewDeclarationError,
      /class Throws: the `expression` function threw: boom/,
    ],
    [
      'an expression that is not a select',
      [Inserts],
      ViewDeclarationError,
      /class Inserts: the `expression` function returned a query builder of type insert/,
    ],
    [
      'a query builder with parameters',
      [WithParams],
      ViewDeclarationError,
      /class WithParams: the `expression` query builder has parameters \(n\).*Inline the values/,
    ],
    [
      'a missing expression',
      [NoExpression],
      ViewDeclarationError,
      /class NoExpression: option `expression` is missing/,
    ],
    [
      'a materialized-only option on a plain view',
      [PlainWithIndex],
      ViewDeclarationError,
      /class PlainWithIndex \(view public\.plain_with_index\): option `indexes` applies to materialized views only\. Use @MaterializedView/,
    ],
    [
      'a name over 63 bytes',
      [TooLong],
      ViewDeclarationError,
      /option `name` "x{64}" is 64 bytes long; PostgreSQL allows 63/,
    ],
  ])('%s', async (_what, entities, type, message) => {
    const error = await sync(...entities).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    expect(await views()).toEqual([]);
  });
});
