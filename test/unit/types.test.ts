// Type tests: wrong option combinations must not compile. ts-jest type-checks this file, so an
// `@ts-expect-error` with no error under it fails the suite.
import {
  MaterializedView,
  PgView,
  refreshMaterializedView,
  type MaterializedViewOptions,
  type PgViewOptions,
  type RefreshOptions,
} from '../../src';

const sql = 'SELECT 1 AS id';

describe('option types', () => {
  it('accept valid combinations', () => {
    const plain: PgViewOptions = { expression: sql, checkOption: 'local', securityBarrier: true };
    const recursive: PgViewOptions = { expression: sql, recursive: true, columns: ['id'] };
    const mat: MaterializedViewOptions = {
      expression: sql,
      withData: false,
      indexes: [{ columns: ['id'], unique: true }],
    };
    const refresh: RefreshOptions[] = [{ concurrently: true }, { concurrently: 'auto' }, { withData: false }, {}];
    expect([plain, recursive, mat, refresh.length]).toHaveLength(4);
    expect(typeof PgView(plain)).toBe('function');
    expect(typeof MaterializedView(mat)).toBe('function');
  });

  it('reject wrong combinations at compile time', () => {
    // @ts-expect-error materialized-only option on a plain view
    const a: PgViewOptions = { expression: sql, withData: false };
    // @ts-expect-error indexes on a plain view
    const b: PgViewOptions = { expression: sql, indexes: [{ columns: ['id'] }] };
    // @ts-expect-error plain-only option on a materialized view
    const c: MaterializedViewOptions = { expression: sql, checkOption: 'local' };
    // @ts-expect-error a recursive view needs columns
    const d: PgViewOptions = { expression: sql, recursive: true };
    // @ts-expect-error an index needs at least one column
    const e: MaterializedViewOptions = { expression: sql, indexes: [{ columns: [] }] };
    // @ts-expect-error CONCURRENTLY cannot be combined with WITH NO DATA
    const f: RefreshOptions = { concurrently: true, withData: false };
    // @ts-expect-error the expression is required
    const g: PgViewOptions = { name: 'v' };
    // @ts-expect-error checkOption takes 'local' or 'cascaded'
    const h: PgViewOptions = { expression: sql, checkOption: 'always' };
    expect([a, b, c, d, e, f, g, h]).toHaveLength(8);
    expect(typeof refreshMaterializedView).toBe('function');
  });
});
