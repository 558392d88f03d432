// TypeORM EntitySchemas as references. Recognised by TypeORM's own brand (`@instanceof`, the symbol its
// InstanceChecker reads), not `instanceof`, so a schema built by another copy of TypeORM still counts.
import type { EntitySchema } from 'typeorm';
import { viewArgsOf, type ViewArgs } from './store';

const ENTITY_SCHEMA_BRAND = Symbol.for('EntitySchema');

/** Whether `value` is a TypeORM `EntitySchema`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function isEntitySchema(value: unknown): value is EntitySchema<any> {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { '@instanceof'?: unknown })['@instanceof'] === ENTITY_SCHEMA_BRAND &&
    typeof (value as { options?: unknown }).options === 'object'
  );
}

/** How a schema is named in messages: `EntitySchema user_stats`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function schemaLabel(schema: EntitySchema<any>): string {
  return `EntitySchema ${schema.options.name || '(unnamed)'}`;
}

/** The recorded view arguments of a schema made by definePgView / defineMaterializedView, if it is one. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function viewArgsOfSchema(schema: EntitySchema<any>): ViewArgs | undefined {
  const target = schema.options.target;
  const args = typeof target === 'function' ? viewArgsOf(target) : undefined;
  return args?.entitySchema === schema ? args : undefined;
}
