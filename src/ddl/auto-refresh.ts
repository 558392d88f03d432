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
 * The state table and its sequence, created or brought up to date (idempotent): a table made by a version
 * that recorded only `started_at` gets `started_seq` (0 on its rows: they cover nothing). Run under
 * `stateTableLockSql`.
 */
export function createStateTableSql(table: QualifiedName): string[] {
  const name = qualifiedName(table);
  return [
    `CREATE TABLE IF NOT EXISTS ${name} (
  view_schema name NOT NULL,
  view_name name NOT NULL,
  started_at timestamptz NOT NULL,
  started_seq bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (view_schema, view_name)
)`,
    `ALTER TABLE ${name} ADD COLUMN IF NOT EXISTS started_seq bigint NOT NULL DEFAULT 0`,
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

/**
 * Records that the view's refresh begins: the next sequence value (what other processes compare with),
 * and the server time for people reading the table. Before REFRESH takes its snapshot.
 */
export function recordRefreshStartSql(table: QualifiedName, view: QualifiedName): ParameterisedStatement {
  return {
    sql: `INSERT INTO ${qualifiedName(table)} (view_schema, view_name, started_at, started_seq)
     VALUES ($1, $2, clock_timestamp(), nextval(${quoteLiteral(qualifiedName(stateSequenceOf(table)))}::regclass))
ON CONFLICT (view_schema, view_name) DO UPDATE SET started_at = excluded.started_at, started_seq = excluded.started_seq`,
    parameters: [view.schema, view.name],
  };
}

/** Transaction control on the refresh connection: plain statements, so no TypeORM subscriber sees them. */
export const BEGIN_SQL = 'BEGIN';
/** READ COMMITTED: every statement of a coordinated refresh sees what committed before it started. */
export const BEGIN_READ_COMMITTED_SQL = 'BEGIN ISOLATION LEVEL READ COMMITTED';
export const COMMIT_SQL = 'COMMIT';
export const ROLLBACK_SQL = 'ROLLBACK';
