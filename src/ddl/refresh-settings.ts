// A refresh's own settings, pure: the lock and statement timeouts (transaction-local, saved first so a
// refresh inside a caller's transaction can put them back) and the ANALYZE after it.
import { qualifiedName, type QualifiedName } from './identifiers';
import type { ParameterisedStatement } from './auto-refresh';

/** The timeouts a refresh runs with, in milliseconds; undefined: the session's setting stays. */
export interface RefreshTimeouts {
  readonly lockTimeoutMs?: number;
  readonly statementTimeoutMs?: number;
}

/** The settings as they were before `applyTimeoutsSql`: what `restoreTimeoutsSql` puts back. */
export interface SavedTimeouts {
  readonly lock_timeout: string;
  readonly statement_timeout: string;
}

/**
 * Sets `lock_timeout` / `statement_timeout` for the rest of the transaction (`set_config(..., true)`, as
 * `SET LOCAL`), one row: the values before (`lock_timeout`, `statement_timeout`), read first.
 */
export function applyTimeoutsSql(timeouts: RefreshTimeouts): ParameterisedStatement {
  return {
    sql: `WITH before AS MATERIALIZED (
  SELECT current_setting('lock_timeout') AS lock_timeout, current_setting('statement_timeout') AS statement_timeout
)
SELECT before.lock_timeout, before.statement_timeout,
       set_config('lock_timeout', coalesce($1, before.lock_timeout), true) AS lock_set,
       set_config('statement_timeout', coalesce($2, before.statement_timeout), true) AS statement_set
  FROM before`,
    parameters: [asSetting(timeouts.lockTimeoutMs), asSetting(timeouts.statementTimeoutMs)],
  };
}

/** Puts back the timeouts `applyTimeoutsSql` read, for the rest of the caller's transaction. */
export function restoreTimeoutsSql(saved: SavedTimeouts): ParameterisedStatement {
  return {
    sql: `SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true)`,
    parameters: [saved.lock_timeout, saved.statement_timeout],
  };
}

/** `ANALYZE` of the view, so the planner's statistics follow its new contents. */
export function analyzeSql(view: QualifiedName): string {
  return `ANALYZE ${qualifiedName(view)}`;
}

/** Milliseconds as PostgreSQL reads a time setting (an integer is milliseconds); null: keep the current. */
function asSetting(ms: number | undefined): string | null {
  return ms === undefined ? null : `${Math.round(ms)}ms`;
}
