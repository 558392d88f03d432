// down(), the state comparison that checks it, and the exact restore of views, on hand-written states.
import type { CatalogIndex } from '../../../src/catalog/reader';
import { restoreStatements } from '../../../src/ddl/restore';
import { downStatements } from '../../../src/migrations/down';
import { stateDifferences } from '../../../src/migrations/state-diff';
import { catalogView, edge, key, stateOf } from '../plan/states';

const registry = { schema: 'public', name: 'typeorm_pgview_registry' };
const index = (name: string, definition: string): CatalogIndex => ({
  schema: 'public',
  view: 'm',
  name,
  unique: false,
  valid: true,
  method: 'btree',
  definition,
  clustered: false,
  hasExpressions: false,
  columns: ['one'],
});

describe('restoreStatements', () => {
  it('re-creates a plain view with its options, comment, owner and grants', () => {
    const view = catalogView('v', {
      options: ['check_option=local', 'security_barrier=true'],
      comment: "it's v",
      owner: 'app',
      acl: ['app=arwdDxt/app', 'reader=r/app'],
    });
    expect(restoreStatements(view, [], 'me')).toEqual([
      'CREATE VIEW "public"."v" ("one") WITH (security_barrier = true) AS SELECT 1 AS one WITH LOCAL CHECK OPTION',
      `COMMENT ON VIEW "public"."v" IS 'it''s v'`,
      'ALTER VIEW "public"."v" OWNER TO "app"',
      'GRANT SELECT ON "public"."v" TO "reader"',
    ]);
  });

  it('re-creates a materialized view unpopulated, in its tablespace, with storage parameters and indexes', () => {
    const m = catalogView('m', {
      kind: 'materialized',
      populated: false,
      options: ['fillfactor=70', 'autovacuum_enabled=off'],
      tablespace: 'fast',
    });
    const i = index('m_one_idx', 'CREATE INDEX m_one_idx ON public.m USING btree (one)');
    expect(restoreStatements(m, [i], 'me')).toEqual([
      'CREATE MATERIALIZED VIEW "public"."m" ("one") WITH (autovacuum_enabled = off, fillfactor = 70) TABLESPACE "fast" AS SELECT 1 AS one WITH NO DATA',
      'CREATE INDEX m_one_idx ON public.m USING btree (one)',
    ]);
  });

  it('refuses a reloption name that is not one (the catalog text is never spliced in blindly)', () => {
    const odd = catalogView('m', { kind: 'materialized', options: ['fill factor=1) ; DROP TABLE x; --=1'] });
    expect(() => restoreStatements(odd, [], 'me')).toThrow(/unexpected reloption name/);
  });
});

describe('stateDifferences', () => {
  it('names each property that differs, and nothing when the states agree', () => {
    const before = stateOf({
      views: [catalogView('m', { kind: 'materialized', comment: 'a', options: ['fillfactor=70'] })],
    });
    expect(stateDifferences(before, before)).toEqual([]);
    const after = stateOf({
      views: [catalogView('m', { kind: 'materialized', comment: 'b', options: [], owner: 'other', populated: false })],
      indexes: [index('m_one_idx', 'CREATE INDEX m_one_idx ON public.m USING btree (one)')],
    });
    expect(stateDifferences(before, after)).toEqual([
      'public.m: storageParameters {"fillfactor":"70"} became {}',
      'public.m: comment "a" became "b"',
      'public.m: reloptions ["fillfactor=70"] became []',
      'public.m: owner "me" became "other"',
      'public.m: populated state true became false',
      'public.m: indexes [] became ["CREATE INDEX m_one_idx ON public.m USING btree (one)"]',
    ]);
    expect(stateDifferences(before, stateOf())).toEqual(['public.m is missing']);
  });
});

describe('downStatements', () => {
  it('undoes changes in place with the inverse statements, per option', () => {
    const before = stateOf({
      views: [catalogView('m', { kind: 'materialized', comment: 'a', options: ['fillfactor=70'] })],
    });
    const after = stateOf({
      views: [catalogView('m', { kind: 'materialized', options: ['fillfactor=90'], tablespace: 'fast' })],
      indexes: [index('m_one_idx', 'CREATE INDEX m_one_idx ON public.m USING btree (one)')],
    });
    const down = downStatements({
      before,
      after,
      rebuilt: new Set(),
      changedInPlace: new Set([key('m')]),
      tableDown: [],
      registry,
      defaultSchema: 'public',
    });
    expect(down.map((s) => s.sql)).toEqual([
      'DROP INDEX "public"."m_one_idx"',
      'ALTER MATERIALIZED VIEW "public"."m" SET (fillfactor = 70)',
      'ALTER MATERIALIZED VIEW "public"."m" SET TABLESPACE "pg_default"',
      `COMMENT ON MATERIALIZED VIEW "public"."m" IS 'a'`,
    ]);
  });

  it('drops what up() rebuilt and what the table changes undone break, then restores them from before', () => {
    // up() rebuilt a; b reads a; c reads orders.note, which TypeORM's down() drops again.
    const before = stateOf({
      views: [catalogView('a'), catalogView('b'), catalogView('c')],
      edges: [edge('b', 'a')],
    });
    const after = stateOf({
      views: [catalogView('a', { definition: ' SELECT 2 AS one;' }), catalogView('b'), catalogView('c')],
      edges: [edge('b', 'a'), { ...edge('c', 'orders', 'table'), refColumns: ['note'] }],
      registered: [{ name: 'a' }],
    });
    const down = downStatements({
      before,
      after,
      rebuilt: new Set([key('a')]),
      changedInPlace: new Set(),
      tableDown: [{ comment: 'tables', sql: 'ALTER TABLE "orders" DROP COLUMN "note"' }],
      registry,
      defaultSchema: 'public',
    });
    expect(down.map((s) => s.sql)).toEqual([
      'DROP VIEW "public"."c"',
      'DROP VIEW "public"."b"',
      'DROP VIEW "public"."a"',
      'ALTER TABLE "orders" DROP COLUMN "note"',
      'CREATE VIEW "public"."a" ("one") AS SELECT 1 AS one',
      'CREATE VIEW "public"."b" ("one") AS SELECT 1 AS one',
      'CREATE VIEW "public"."c" ("one") AS SELECT 1 AS one',
      `DROP TABLE "public"."typeorm_pgview_registry"`,
    ]);
  });
});
