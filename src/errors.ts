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

/** Where a dependency cycle was found: in the declarations' `dependsOn`, or among views in the database. */
export type CycleOrigin = 'declarations' | 'catalog';

/**
 * Views depend on each other in a cycle; `cycle` lists it as `schema.name`, first element repeated at the end.
 * `origin` says where the cycle is, and so what to change.
 */
export class ViewDependencyCycleError extends PgViewError {
  /** The views of the cycle, `schema.name`, each reading the next (the last reads the first). */
  readonly cycle: readonly string[];

  constructor(
    cycle: readonly { readonly schema: string; readonly name: string }[],
    /** Where the cycle is: in the declarations (`dependsOn` and the SQL), or in the database's catalog. */
    readonly origin: CycleOrigin = 'declarations',
  ) {
    const names = cycle.map((v) => `${v.schema}.${v.name}`);
    super(
      origin === 'declarations'
        ? `Views depend on each other in a cycle: ${names.join(' -> ')}. Remove one of these dependencies (check dependsOn, and which views each expression reads).`
        : `Views in the database read each other in a cycle: ${names.join(' -> ')} (read from pg_depend). Re-create one of them so that it no longer reads the next.`,
    );
    this.cycle = names;
  }
}

/** A view named in a call is not declared, not managed by this DataSource, or does not exist. */
export class ViewNotFoundError extends PgViewError {}

/** A refresh cannot run as asked (not materialized, CONCURRENTLY without a usable unique index, ...). */
export class RefreshError extends PgViewError {}

/**
 * A sync, schema sync or migration cannot be planned as declared (e.g. it would drop a view that a view not
 * managed here reads). Raised before any statement runs: nothing was changed.
 */
export class PlanError extends PgViewError {}

/** The database rejected a statement of a sync, migration or schema change; the transaction was rolled back. */
export class SyncError extends PgViewError {
  constructor(
    message: string,
    /** The SQL statement PostgreSQL rejected, when there is one. */
    readonly statement?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The server lacks a feature an option needs (e.g. `securityInvoker` before PostgreSQL 15). */
export class UnsupportedServerError extends PgViewError {}

/**
 * A refresh gave up at its `lockTimeoutMs` or `statementTimeoutMs` (PostgreSQL cancelled it): it was
 * rolled back and the view keeps its previous contents. `timeout` names the option that fired.
 */
export class RefreshTimeoutError extends RefreshError {
  constructor(
    message: string,
    /** The materialized view, `schema.name`. */
    readonly view: string,
    /** Which limit fired. */
    readonly timeout: 'lockTimeoutMs' | 'statementTimeoutMs',
    /** Its value, in milliseconds. */
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
