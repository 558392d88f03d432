// The public surface of typeorm-pgview: named exports only; anything not listed here is internal.
export { PgViewError, isPgViewError } from './errors';
