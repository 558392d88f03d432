// Savepoints and statement batches: the transaction-control text of syncs, probes, dry runs and migration
// helpers, in one place. A batch is several statements sent as one query (one round trip); PostgreSQL
// parses it whole, so a syntax error anywhere fails it before any statement runs.
import { quoteIdentifier } from './identifiers';

export const savepointSql = (name: string): string => `SAVEPOINT ${quoteIdentifier(name)}`;
export const releaseSql = (name: string): string => `RELEASE SAVEPOINT ${quoteIdentifier(name)}`;
export const rollbackToSql = (name: string): string => `ROLLBACK TO SAVEPOINT ${quoteIdentifier(name)}`;
/** Undoes everything since the savepoint and ends it. */
export const undoSavepointSql = (name: string): string => `${rollbackToSql(name)}; ${releaseSql(name)}`;

/** Between batched statements: a newline before each `;`, so a statement ending in a -- comment keeps it. */
export const BATCH_SEPARATOR = '\n;\n';

/** `statements` as one query text, inside the savepoint `savepoint` when given (released at the end). */
export function batchSql(statements: readonly string[], savepoint?: string): string {
  const body = statements.join(BATCH_SEPARATOR);
  return savepoint
    ? `${savepointSql(savepoint)}${BATCH_SEPARATOR}${body}${BATCH_SEPARATOR}${releaseSql(savepoint)}`
    : body;
}

/** The index of the statement at `position` (PostgreSQL's 1-based character offset into batchSql's text), or -1. */
export function statementAt(statements: readonly string[], position: number, savepoint?: string): number {
  let end = savepoint ? `${savepointSql(savepoint)}${BATCH_SEPARATOR}`.length : 0;
  for (const [i, sql] of statements.entries()) {
    end += sql.length + BATCH_SEPARATOR.length;
    if (position <= end) return i;
  }
  return -1;
}
