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
