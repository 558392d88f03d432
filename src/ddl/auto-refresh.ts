// Auto-refresh's statements, pure: names in, SQL text (and its parameters) out, no I/O. The notify
// trigger and its function (the `triggers` source), the LISTEN/NOTIFY channel, the advisory locks and the
// refresh-state table that let several processes refresh a view once. Every name goes through
// quoteIdentifier / qualifiedName / quoteLiteral.
import { AUTO_REFRESH_TRIGGER_NAME } from '../catalog/queries';
import { displayName, qualifiedName, quoteIdentifier, quoteLiteral, type QualifiedName } from './identifiers';

/** A statement with its bind parameters (`$1`, `$2`, ...). */
export interface ParameterisedStatement {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

/** The LISTEN/NOTIFY channel; each payload is a JSON array `["schema", "table"]`. */
export const NOTIFY_CHANNEL = 'typeorm_pgview_changes';
/** The name of the trigger on every watched table. */
export const TRIGGER_NAME = AUTO_REFRESH_TRIGGER_NAME;
/** The trigger function, created in the DataSource's default schema. */
export const TRIGGER_FUNCTION_NAME = 'typeorm_pgview_notify_change';
/** The table recording when each view's last auto-refresh began (created on first use). */
export const STATE_TABLE_NAME = 'typeorm_pgview_refresh_state';
/** The sequence ordering refresh starts against change sightings (created with the state table). */
export const STATE_SEQUENCE_NAME = 'typeorm_pgview_refresh_seq';
/** First key of every advisory lock the library takes ('pgvw'); the second is hashtext(view) or 0. */
export const ADVISORY_LOCK_CLASS = 0x70677677;

const notifyFunction = (schema: string) => qualifiedName({ schema, name: TRIGGER_FUNCTION_NAME });

/** The trigger function's signature, as `to_regprocedure` takes it: `"schema"."typeorm_pgview_notify_change"()`. */
export function notifyFunctionSignature(schema: string): string {
  return `${notifyFunction(schema)}()`;
}

/** `CREATE OR REPLACE FUNCTION` of the trigger function: one `pg_notify` with the table's name. */
export function notifyFunctionSql(schema: string): string {
  return `CREATE OR REPLACE FUNCTION ${notifyFunctionSignature(schema)} RETURNS trigger
LANGUAGE plpgsql AS $typeorm_pgview$
BEGIN
  PERFORM pg_notify(${quoteLiteral(NOTIFY_CHANNEL)}, json_build_array(TG_TABLE_SCHEMA, TG_TABLE_NAME)::text);
  RETURN NULL;
END
$typeorm_pgview$`;
}

/** `DROP FUNCTION IF EXISTS` of the trigger function. */
export function dropNotifyFunctionSql(schema: string): string {
  return `DROP FUNCTION IF EXISTS ${notifyFunctionSignature(schema)}`;
}

/** `CREATE TRIGGER` on one table: statement-level, after every kind of write, TRUNCATE included. */
export function createTriggerSql(table: QualifiedName, functionSchema: string): string {
  return `CREATE TRIGGER ${quoteIdentifier(TRIGGER_NAME)} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${qualifiedName(table)}
  FOR EACH STATEMENT EXECUTE FUNCTION ${notifyFunctionSignature(functionSchema)}`;
}

/** `DROP TRIGGER IF EXISTS` on one table. */
export function dropTriggerSql(table: QualifiedName): string {
  return `DROP TRIGGER IF EXISTS ${quoteIdentifier(TRIGGER_NAME)} ON ${qualifiedName(table)}`;
}

/** `LISTEN` on the library's channel. */
export function listenSql(): string {
  return `LISTEN ${quoteIdentifier(NOTIFY_CHANNEL)}`;
}

/** A notification on the library's channel with the given payload (a listener's sync token). */
export function notifySql(payload: string): ParameterisedStatement {
  return { sql: 'SELECT pg_notify($1, $2)', parameters: [NOTIFY_CHANNEL, payload] };
}

/**
 * The state table and its sequence, created or brought up to date (idempotent). Per view: the last
 * successful refresh (`started_at`, `started_seq`, `duration_ms`, `method`, `refreshed_by`,
 * `application_name`) and the last failure since it (`last_error`, `last_error_at`). A table made by an
 * older version gets the missing columns (`started_seq` 0 on its rows: they cover nothing; figures null),
 * and `started_at` may be null (a view whose first refresh failed has an error and no refresh). Run under
 * `stateTableLockSql`.
 */
export function createStateTableSql(table: QualifiedName): string[] {
  const name = qualifiedName(table);
  return [
    `CREATE TABLE IF NOT EXISTS ${name} (
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
    `ALTER TABLE ${name} ADD COLUMN IF NOT EXISTS started_seq bigint NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS duration_ms double precision,
  ADD COLUMN IF NOT EXISTS method text,
  ADD COLUMN IF NOT EXISTS refreshed_by text,
  ADD COLUMN IF NOT EXISTS application_name text,
  ADD COLUMN IF NOT EXISTS last_error text,
  ADD COLUMN IF NOT EXISTS last_error_at timestamptz,
  ALTER COLUMN started_at DROP NOT NULL`,
    `CREATE SEQUENCE IF NOT EXISTS ${qualifiedName(stateSequenceOf(table))}`,
  ];
}

/** The sequence that orders refresh starts and change sightings: beside the state table, named after it. */
export function stateSequenceOf(table: QualifiedName): QualifiedName {
  return { schema: table.schema, name: STATE_SEQUENCE_NAME };
}

/**
 * The sequence's last value handed out (one row, `value`, as text): read after a change was seen, any
 * refresh recording a higher value took it later, so its snapshot holds the change. Reads no clock and
 * takes no transaction id.
 */
export function observeSequenceSql(table: QualifiedName): string {
  return `SELECT last_value::text AS value FROM ${qualifiedName(stateSequenceOf(table))}`;
}

/** Waits for the lock that serialises creating the state table (processes starting together). */
export function stateTableLockSql(): ParameterisedStatement {
  return { sql: 'SELECT pg_advisory_xact_lock($1, 0)', parameters: [ADVISORY_LOCK_CLASS] };
}

/** Tries the view's refresh lock for the transaction: one row, `locked`. Keyed by `hashtext('schema.view')`. */
export function tryViewLockSql(view: QualifiedName): ParameterisedStatement {
  return {
    sql: 'SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS locked',
    parameters: [ADVISORY_LOCK_CLASS, displayName(view)],
  };
}

/**
 * Whether the view's last recorded refresh start is later in the sequence than `observed` (a reading of
 * `observeSequenceSql` taken after the changes were seen): one row, `covered`, and `ahead`, true when the
 * recorded value or `observed` is beyond what the sequence has handed out (the sequence was reset or the
 * table copied from elsewhere), so nothing can be decided. No row: never refreshed.
 */
export function refreshCoveredSql(table: QualifiedName, view: QualifiedName, observed: string): ParameterisedStatement {
  return {
    sql: `SELECT s.started_seq > $3::bigint AS covered, (s.started_seq > q.last_value OR $3::bigint > q.last_value) AS ahead
  FROM ${qualifiedName(table)} s CROSS JOIN ${qualifiedName(stateSequenceOf(table))} q
 WHERE s.view_schema = $1 AND s.view_name = $2`,
    parameters: [view.schema, view.name, observed],
  };
}

/** How a refresh ran, as the state table's `method` column holds it. */
export type RefreshMethod = 'plain' | 'concurrent' | 'no-data';

/** Waits for the view's refresh lock for the transaction (the one `tryViewLockSql` tries). */
export function viewLockSql(view: QualifiedName): ParameterisedStatement {
  return {
    sql: 'SELECT pg_advisory_xact_lock($1, hashtext($2))',
    parameters: [ADVISORY_LOCK_CLASS, displayName(view)],
  };
}

/**
 * Records that the view's refresh begins, under its lock and before REFRESH takes its snapshot: the next
 * sequence value (what other processes compare with) and the server time. In a transaction that is not
 * READ COMMITTED (a caller's REPEATABLE READ), the snapshot may be older than this statement: the start is
 * then the transaction's start (`now()`), and `started_seq` keeps its value, so the row never claims
 * changes the refresh may not have seen. Rolled back with the refresh when it fails.
 */
export function recordRefreshStartSql(table: QualifiedName, view: QualifiedName): ParameterisedStatement {
  const readCommitted = `current_setting('transaction_isolation') = 'read committed'`;
  return {
    sql: `INSERT INTO ${qualifiedName(table)} AS s (view_schema, view_name, started_at, started_seq)
     SELECT $1, $2, CASE WHEN ${readCommitted} THEN clock_timestamp() ELSE now() END,
            CASE WHEN ${readCommitted} THEN nextval(${quoteLiteral(qualifiedName(stateSequenceOf(table)))}::regclass) ELSE 0 END
ON CONFLICT (view_schema, view_name) DO UPDATE SET started_at = excluded.started_at,
       started_seq = CASE WHEN ${readCommitted} THEN excluded.started_seq ELSE s.started_seq END`,
    parameters: [view.schema, view.name],
  };
}

/**
 * Completes the record of a successful refresh, in its transaction: how long REFRESH took, how it ran,
 * who ran it (`by`, e.g. `host:pid`; the connection's `application_name`), and clears the last error.
 */
export function recordRefreshDoneSql(
  table: QualifiedName,
  view: QualifiedName,
  done: { durationMs: number; method: RefreshMethod; by: string },
): ParameterisedStatement {
  return {
    sql: `UPDATE ${qualifiedName(table)}
   SET duration_ms = $3, method = $4, refreshed_by = $5,
       application_name = nullif(current_setting('application_name'), ''), last_error = NULL, last_error_at = NULL
 WHERE view_schema = $1 AND view_name = $2`,
    parameters: [view.schema, view.name, done.durationMs, done.method, done.by],
  };
}

/**
 * Records a failed refresh, after its transaction was rolled back: the message and the server time. The
 * last successful refresh's figures stay; a view never refreshed gets a row with no start.
 */
export function recordRefreshErrorSql(
  table: QualifiedName,
  view: QualifiedName,
  message: string,
): ParameterisedStatement {
  return {
    sql: `INSERT INTO ${qualifiedName(table)} (view_schema, view_name, last_error, last_error_at)
     VALUES ($1, $2, $3, clock_timestamp())
ON CONFLICT (view_schema, view_name) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at`,
    parameters: [view.schema, view.name, message],
  };
}

/** Transaction control on the refresh connection: plain statements, so no TypeORM subscriber sees them. */
export const BEGIN_SQL = 'BEGIN';
/** READ COMMITTED: every statement of a coordinated refresh sees what committed before it started. */
export const BEGIN_READ_COMMITTED_SQL = 'BEGIN ISOLATION LEVEL READ COMMITTED';
export const COMMIT_SQL = 'COMMIT';
export const ROLLBACK_SQL = 'ROLLBACK';
