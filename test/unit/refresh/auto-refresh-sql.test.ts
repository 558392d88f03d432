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
  recordRefreshDoneSql,
  recordRefreshErrorSql,
  recordRefreshStartSql,
  refreshCoveredSql,
  stateSequenceOf,
  stateTableLockSql,
  tryViewLockSql,
  viewLockSql,
} from '../../../src/ddl/auto-refresh';
import { analyzeSql, applyTimeoutsSql, restoreTimeoutsSql } from '../../../src/ddl/refresh-settings';

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
  started_at timestamptz,
  started_seq bigint NOT NULL DEFAULT 0,
  duration_ms double precision,
  method text,
  refreshed_by text,
  application_name text,
  last_error text,
  last_error_at timestamptz,
  PRIMARY KEY (view_schema, view_name)
)`,
      `ALTER TABLE "public"."typeorm_pgview_refresh_state" ADD COLUMN IF NOT EXISTS started_seq bigint NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS duration_ms double precision,
  ADD COLUMN IF NOT EXISTS method text,
  ADD COLUMN IF NOT EXISTS refreshed_by text,
  ADD COLUMN IF NOT EXISTS application_name text,
  ADD COLUMN IF NOT EXISTS last_error text,
  ADD COLUMN IF NOT EXISTS last_error_at timestamptz,
  ALTER COLUMN started_at DROP NOT NULL`,
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
    const readCommitted = "current_setting('transaction_isolation') = 'read committed'";
    expect(recordRefreshStartSql(state, odd)).toEqual({
      sql: `INSERT INTO "public"."typeorm_pgview_refresh_state" AS s (view_schema, view_name, started_at, started_seq)
     SELECT $1, $2, CASE WHEN ${readCommitted} THEN clock_timestamp() ELSE now() END,
            CASE WHEN ${readCommitted} THEN nextval('"public"."typeorm_pgview_refresh_seq"'::regclass) ELSE 0 END
ON CONFLICT (view_schema, view_name) DO UPDATE SET started_at = excluded.started_at,
       started_seq = CASE WHEN ${readCommitted} THEN excluded.started_seq ELSE s.started_seq END`,
      parameters: ['My "Schema"', 'Orders'],
    });
  });

  it('the figures after a refresh, a failure after its rollback, and the blocking view lock', () => {
    expect(recordRefreshDoneSql(state, odd, { durationMs: 12.5, method: 'concurrent', by: 'host:1' })).toEqual({
      sql: `UPDATE "public"."typeorm_pgview_refresh_state"
   SET duration_ms = $3, method = $4, refreshed_by = $5,
       application_name = nullif(current_setting('application_name'), ''), last_error = NULL, last_error_at = NULL
 WHERE view_schema = $1 AND view_name = $2`,
      parameters: ['My "Schema"', 'Orders', 12.5, 'concurrent', 'host:1'],
    });
    expect(recordRefreshErrorSql(state, odd, 'boom')).toEqual({
      sql: `INSERT INTO "public"."typeorm_pgview_refresh_state" (view_schema, view_name, last_error, last_error_at)
     VALUES ($1, $2, $3, clock_timestamp())
ON CONFLICT (view_schema, view_name) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at`,
      parameters: ['My "Schema"', 'Orders', 'boom'],
    });
    expect(viewLockSql(odd)).toEqual({
      sql: 'SELECT pg_advisory_xact_lock($1, hashtext($2))',
      parameters: [0x70677677, 'My "Schema".Orders'],
    });
  });

  it('the limits of a refresh, saved first and put back, and ANALYZE', () => {
    expect(applyTimeoutsSql({ lockTimeoutMs: 500 })).toEqual({
      sql: `WITH before AS MATERIALIZED (
  SELECT current_setting('lock_timeout') AS lock_timeout, current_setting('statement_timeout') AS statement_timeout
)
SELECT before.lock_timeout, before.statement_timeout,
       set_config('lock_timeout', coalesce($1, before.lock_timeout), true) AS lock_set,
       set_config('statement_timeout', coalesce($2, before.statement_timeout), true) AS statement_set
  FROM before`,
      parameters: ['500ms', null],
    });
    expect(restoreTimeoutsSql({ lock_timeout: '0', statement_timeout: '5s' })).toEqual({
      sql: "SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true)",
      parameters: ['0', '5s'],
    });
    expect(analyzeSql(odd)).toBe('ANALYZE "My ""Schema"""."Orders"');
  });
});
