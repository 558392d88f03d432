// The statements of auto-refresh (src/ddl/auto-refresh.ts), compared as exact strings: pure, no database.
import {
  createStateTableSql,
  createTriggerSql,
  dropNotifyFunctionSql,
  dropTriggerSql,
  listenSql,
  notifyFunctionSignature,
  notifyFunctionSql,
  notifySql,
  observeSequenceSql,
  recordRefreshStartSql,
  refreshCoveredSql,
  stateSequenceOf,
  stateTableLockSql,
  tryViewLockSql,
} from '../../../src/ddl/auto-refresh';

const odd = { schema: 'My "Schema"', name: 'Orders' };
const state = { schema: 'public', name: 'typeorm_pgview_refresh_state' };

describe('auto-refresh statements', () => {
  it('the trigger function notifies on the channel with the table name, in the given schema', () => {
    expect(notifyFunctionSignature('app')).toBe('"app"."typeorm_pgview_notify_change"()');
    expect(notifyFunctionSql('app'))
      .toBe(`CREATE OR REPLACE FUNCTION "app"."typeorm_pgview_notify_change"() RETURNS trigger
LANGUAGE plpgsql AS $typeorm_pgview$
BEGIN
  PERFORM pg_notify('typeorm_pgview_changes', json_build_array(TG_TABLE_SCHEMA, TG_TABLE_NAME)::text);
  RETURN NULL;
END
$typeorm_pgview$`);
    expect(dropNotifyFunctionSql('app')).toBe('DROP FUNCTION IF EXISTS "app"."typeorm_pgview_notify_change"()');
  });

  it('triggers quote the table name (embedded quotes doubled)', () => {
    expect(createTriggerSql(odd, 'public'))
      .toBe(`CREATE TRIGGER "typeorm_pgview_auto_refresh" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "My ""Schema"""."Orders"
  FOR EACH STATEMENT EXECUTE FUNCTION "public"."typeorm_pgview_notify_change"()`);
    expect(dropTriggerSql(odd)).toBe(
      'DROP TRIGGER IF EXISTS "typeorm_pgview_auto_refresh" ON "My ""Schema"""."Orders"',
    );
  });

  it('LISTEN and NOTIFY use the library channel', () => {
    expect(listenSql()).toBe('LISTEN "typeorm_pgview_changes"');
    expect(notifySql('{"sync":"x"}')).toEqual({
      sql: 'SELECT pg_notify($1, $2)',
      parameters: ['typeorm_pgview_changes', '{"sync":"x"}'],
    });
  });

  it('advisory locks use the library class, keyed by the view name', () => {
    expect(tryViewLockSql(odd)).toEqual({
      sql: 'SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS locked',
      parameters: [0x70677677, 'My "Schema".Orders'],
    });
    expect(stateTableLockSql()).toEqual({ sql: 'SELECT pg_advisory_xact_lock($1, 0)', parameters: [0x70677677] });
  });

  it('the state table statements: a sequence orders refresh starts against readings, no clock is compared', () => {
    expect(createStateTableSql(state)).toEqual([
      `CREATE TABLE IF NOT EXISTS "public"."typeorm_pgview_refresh_state" (
  view_schema name NOT NULL,
  view_name name NOT NULL,
  started_at timestamptz NOT NULL,
  started_seq bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (view_schema, view_name)
)`,
      'ALTER TABLE "public"."typeorm_pgview_refresh_state" ADD COLUMN IF NOT EXISTS started_seq bigint NOT NULL DEFAULT 0',
      'CREATE SEQUENCE IF NOT EXISTS "public"."typeorm_pgview_refresh_seq"',
    ]);
    expect(stateSequenceOf(odd)).toEqual({ schema: 'My "Schema"', name: 'typeorm_pgview_refresh_seq' });
    expect(observeSequenceSql(state)).toBe(
      'SELECT last_value::text AS value FROM "public"."typeorm_pgview_refresh_seq"',
    );
    expect(refreshCoveredSql(state, odd, '42')).toEqual({
      sql: `SELECT s.started_seq > $3::bigint AS covered, (s.started_seq > q.last_value OR $3::bigint > q.last_value) AS ahead
  FROM "public"."typeorm_pgview_refresh_state" s CROSS JOIN "public"."typeorm_pgview_refresh_seq" q
 WHERE s.view_schema = $1 AND s.view_name = $2`,
      parameters: ['My "Schema"', 'Orders', '42'],
    });
    expect(recordRefreshStartSql(state, odd)).toEqual({
      sql: `INSERT INTO "public"."typeorm_pgview_refresh_state" (view_schema, view_name, started_at, started_seq)
     VALUES ($1, $2, clock_timestamp(), nextval('"public"."typeorm_pgview_refresh_seq"'::regclass))
ON CONFLICT (view_schema, view_name) DO UPDATE SET started_at = excluded.started_at, started_seq = excluded.started_seq`,
      parameters: ['My "Schema"', 'Orders'],
    });
  });
});
