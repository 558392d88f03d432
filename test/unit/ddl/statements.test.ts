import {
  commentSql,
  createIndexSql,
  createViewSql,
  createViewStatements,
  dropIndexSql,
  dropViewSql,
  refreshSql,
} from '../../../src/ddl/statements';
import { buildDefinition, type DefinitionParts, type ViewDefinition } from '../../../src/metadata/definition';

function define(parts: Partial<DefinitionParts> & { options?: Record<string, unknown> }): ViewDefinition {
  return buildDefinition({
    kind: 'view',
    schema: 'public',
    name: 'v',
    sql: 'SELECT 1 AS one',
    dependsOn: [],
    source: 'test',
    options: {},
    ...parts,
  });
}

describe('createViewSql', () => {
  it('plain view', () => {
    expect(createViewSql(define({ sql: '  SELECT id FROM users ;' }))).toBe(
      'CREATE VIEW "public"."v" AS SELECT id FROM users',
    );
  });

  it('or replace, recursive, columns, options and check option', () => {
    const view = define({
      name: 'Tree "Nodes"',
      schema: 'My Schema',
      sql: 'VALUES (1)',
      options: {
        recursive: true,
        columns: ['n'],
        securityBarrier: true,
        securityInvoker: true,
        checkOption: 'cascaded',
      },
    });
    expect(createViewSql(view, { orReplace: true })).toBe(
      'CREATE OR REPLACE RECURSIVE VIEW "My Schema"."Tree ""Nodes""" ("n") WITH (security_barrier = true, security_invoker = true) AS VALUES (1) WITH CASCADED CHECK OPTION',
    );
  });

  it('materialized view with storage, tablespace and data flag', () => {
    const view = define({
      kind: 'materialized',
      name: 'stats',
      options: { storageParameters: { fillfactor: 70, autovacuum_enabled: false }, tablespace: 'fast' },
    });
    expect(createViewSql(view)).toBe(
      'CREATE MATERIALIZED VIEW "public"."stats" WITH (autovacuum_enabled = false, fillfactor = 70) TABLESPACE "fast" AS SELECT 1 AS one WITH DATA',
    );
    expect(createViewSql(view, { withData: false })).toMatch(/ WITH NO DATA$/);
  });

  it('a view created with its indexes and comment', () => {
    const view = define({
      kind: 'materialized',
      name: 'user_stats',
      sql: 'SELECT 1 AS user_id, 2 AS total',
      options: {
        comment: "Ada's stats",
        withData: false,
        indexes: [
          { columns: ['user_id'], unique: true },
          { columns: ['total'], where: 'total > 0', using: 'brin' },
        ],
      },
    });
    expect(createViewStatements(view)).toEqual([
      'CREATE MATERIALIZED VIEW "public"."user_stats" AS SELECT 1 AS user_id, 2 AS total WITH NO DATA',
      'CREATE UNIQUE INDEX "user_stats_user_id_key" ON "public"."user_stats" ("user_id")',
      'CREATE INDEX "user_stats_total_idx" ON "public"."user_stats" USING brin ("total") WHERE total > 0',
      `COMMENT ON MATERIALIZED VIEW "public"."user_stats" IS 'Ada''s stats'`,
    ]);
  });
});

describe('other statements', () => {
  const mv = { schema: 'public', name: 'user_stats', kind: 'materialized' as const };
  it.each([
    [dropViewSql(mv), 'DROP MATERIALIZED VIEW "public"."user_stats"'],
    [dropViewSql({ ...mv, kind: 'view' }, { ifExists: true }), 'DROP VIEW IF EXISTS "public"."user_stats"'],
    [dropIndexSql('public', 'user_stats_user_id_key'), 'DROP INDEX "public"."user_stats_user_id_key"'],
    [commentSql(mv, undefined), 'COMMENT ON MATERIALIZED VIEW "public"."user_stats" IS NULL'],
    [refreshSql(mv), 'REFRESH MATERIALIZED VIEW "public"."user_stats"'],
    [refreshSql(mv, { concurrently: true }), 'REFRESH MATERIALIZED VIEW CONCURRENTLY "public"."user_stats"'],
    [refreshSql(mv, { withData: false }), 'REFRESH MATERIALIZED VIEW "public"."user_stats" WITH NO DATA'],
    [
      createIndexSql(mv, { name: 'i', columns: ['a', 'B'], unique: false, using: 'btree' }),
      'CREATE INDEX "i" ON "public"."user_stats" ("a", "B")',
    ],
  ])('%s', (actual, expected) => expect(actual).toBe(expected));
});
