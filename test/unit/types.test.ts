// Type tests: wrong option combinations must not compile. ts-jest type-checks this file, so an
// `@ts-expect-error` with no error under it fails the suite.
import type { EntitySchema } from 'typeorm';
import {
  defineMaterializedView,
  definePgView,
  MaterializedView,
  PgView,
  refreshMaterializedView,
  sqlFile,
  type MaterializedViewSchemaOptions,
  type PgViewSchemaOptions,
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

  it('type the production options of a materialized view, and refuse them on a plain view', () => {
    const ok: MaterializedViewOptions = {
      expression: sql,
      rebuild: 'side-by-side',
      refreshEvery: '5m',
      maxStalenessMs: 60_000,
      lockTimeoutMs: 100,
      statementTimeoutMs: 30_000,
      analyze: true,
    };
    const ms: MaterializedViewOptions = { expression: sql, refreshEvery: 300_000 };
    // @ts-expect-error rebuild takes 'side-by-side' or 'in-place'
    const a: MaterializedViewOptions = { expression: sql, rebuild: 'swap' };
    // @ts-expect-error a schedule on a plain view
    const b: PgViewOptions = { expression: sql, refreshEvery: '5m' };
    // @ts-expect-error refresh timeouts on a plain view
    const c: PgViewOptions = { expression: sql, lockTimeoutMs: 100 };
    // @ts-expect-error analyze is a boolean
    const d: MaterializedViewOptions = { expression: sql, analyze: 'yes' };
    expect([ok, ms, a, b, c, d]).toHaveLength(6);
  });
});

describe('definePgView / defineMaterializedView option types', () => {
  const entityColumns = { id: { type: Number, primary: true } };

  it('accept the decorator options plus name and entityColumns, and type the schema', () => {
    const plain: PgViewSchemaOptions = { name: 'v', expression: sql, checkOption: 'local', entityColumns };
    const recursive: PgViewSchemaOptions = {
      name: 'r',
      expression: sql,
      recursive: true,
      columns: ['id'],
      entityColumns,
    };
    const mat: MaterializedViewSchemaOptions<{ id: number }> = {
      name: 'm',
      expression: sqlFile('./m.sql', __dirname),
      indexes: [{ columns: ['id'], unique: true }],
      autoRefresh: true,
      entityColumns,
    };
    const schema: EntitySchema<{ id: number }> = defineMaterializedView(mat);
    expect([plain, recursive, definePgView(plain).options.name, schema.options.type]).toEqual([
      plain,
      recursive,
      'v',
      'view',
    ]);
  });

  it('reject wrong combinations at compile time', () => {
    // @ts-expect-error materialized-only option on a plain view
    const a: PgViewSchemaOptions = { name: 'v', expression: sql, withData: false, entityColumns };
    // @ts-expect-error plain-only option on a materialized view
    const b: MaterializedViewSchemaOptions = { name: 'v', expression: sql, checkOption: 'local', entityColumns };
    // @ts-expect-error a recursive view needs columns
    const c: PgViewSchemaOptions = { name: 'v', expression: sql, recursive: true, entityColumns };
    // @ts-expect-error the name is required (there is no class to name the view)
    const d: PgViewSchemaOptions = { expression: sql, entityColumns };
    // @ts-expect-error the entity's columns are required
    const e: MaterializedViewSchemaOptions = { name: 'v', expression: sql };
    // @ts-expect-error entityColumns names the row type's properties only
    const f: PgViewSchemaOptions<{ id: number }> = { name: 'v', expression: sql, entityColumns: { nope: {} } };
    // @ts-expect-error the expression is required
    const g: PgViewSchemaOptions = { name: 'v', entityColumns };
    expect([a, b, c, d, e, f, g]).toHaveLength(7);
  });
});
