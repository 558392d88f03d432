/**
 * The one base class of every error this library throws on purpose. Subclasses name the class, view or
 * option at fault and say the fix; catch `PgViewError` to tell our errors from driver or TypeORM errors.
 */
export class PgViewError extends Error {
  /** Brand checked instead of `instanceof`, which fails across two copies of the package in one process. */
  readonly isPgViewError = true as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** True for errors thrown by any copy of typeorm-pgview. */
export function isPgViewError(error: unknown): error is PgViewError {
  return typeof error === 'object' && error !== null && (error as { isPgViewError?: unknown }).isPgViewError === true;
}

/** A declaration (decorator options or a definition object) is invalid: the message names the class, option and fix. */
export class ViewDeclarationError extends PgViewError {}

/** Views depend on each other in a cycle; `cycle` lists it, first element repeated at the end. */
export class ViewDependencyCycleError extends PgViewError {
  constructor(readonly cycle: readonly string[]) {
    super(
      `Views depend on each other in a cycle: ${cycle.join(' -> ')}. Remove one of these dependencies (check dependsOn).`,
    );
  }
}

/** A view named in a call is not declared, not managed by this DataSource, or does not exist. */
export class ViewNotFoundError extends PgViewError {}

/** A refresh cannot run as asked (not materialized, CONCURRENTLY without a usable unique index, ...). */
export class RefreshError extends PgViewError {}

/** The database rejected a statement of a sync, migration or schema change; the transaction was rolled back. */
export class SyncError extends PgViewError {
  constructor(
    message: string,
    readonly statement?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The server lacks a feature an option needs (e.g. `securityInvoker` before PostgreSQL 15). */
export class UnsupportedServerError extends PgViewError {}
