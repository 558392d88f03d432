// @PgView and @MaterializedView only record their arguments (resolved later by collect()) and register
// the class with TypeORM as a view entity with `synchronize: false`, so repositories and query builders
// work on it while TypeORM's own schema sync leaves it to us. A declared `primaryKey` marks the class's
// @ViewColumns primary in TypeORM's metadata args before the DataSource builds its metadata (relations to
// the view resolve their join columns against primary columns then, so it cannot wait until collect()).
import { getMetadataArgsStorage, ViewEntity, type ColumnOptions } from 'typeorm';
import { recordViewArgs } from '../metadata/store';
import type { MaterializedViewOptions, PgViewOptions } from './options';

/**
 * Declares a class as a PostgreSQL view. List the class in the DataSource's `entities`; `syncViews`
 * creates it, and `dataSource.getRepository(Class)` queries it.
 *
 * @example
 * ```ts
 * @PgView({ name: 'active_users', expression: 'SELECT id, name FROM users WHERE is_active' })
 * export class ActiveUser { @ViewColumn() id!: number; @ViewColumn() name!: string; }
 * ```
 */
export function PgView(options: PgViewOptions): ClassDecorator {
  return (target) => {
    recordViewArgs({ target, kind: 'view', options });
    markPrimaryColumns(target, options.primaryKey);
    ViewEntity({ name: options.name, schema: options.schema, synchronize: false })(target);
  };
}

/**
 * Declares a class as a PostgreSQL materialized view, with its indexes. `syncViews` creates it;
 * `refreshMaterializedView(ds, Class)` refreshes it.
 *
 * @example
 * ```ts
 * @MaterializedView({
 *   name: 'user_stats',
 *   expression: 'SELECT user_id, sum(amount) AS total_spent FROM orders GROUP BY user_id',
 *   indexes: [{ columns: ['user_id'], unique: true }],
 * })
 * export class UserStats { @ViewColumn() user_id!: number; @ViewColumn() total_spent!: string; }
 * ```
 */
export function MaterializedView(options: MaterializedViewOptions): ClassDecorator {
  return (target) => {
    recordViewArgs({ target, kind: 'materialized', options });
    markPrimaryColumns(target, options.primaryKey);
    ViewEntity({ name: options.name, schema: options.schema, synchronize: false, materialized: true })(target);
  };
}

/**
 * Marks the class's own @ViewColumns named in `primaryKey` (by `name`, else property name) primary, as
 * `@PrimaryColumn` would. Names that match none are reported by collect(), which knows the final names.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
function markPrimaryColumns(target: Function, primaryKey: readonly string[] | undefined): void {
  if (!Array.isArray(primaryKey)) return;
  for (const column of getMetadataArgsStorage().columns) {
    if (column.target !== target || column.mode !== 'regular') continue;
    const name = typeof column.options.name === 'string' ? column.options.name : column.propertyName;
    // A fresh options object: the one given to @ViewColumn may be shared with other columns.
    if (!primaryKey.includes(name)) continue;
    // The type too, as @PrimaryColumn reads it: a foreign key column referencing the key takes its type.
    const reflect = Reflect as { getMetadata?: (key: string, target: object, property: string) => unknown };
    const designType =
      column.options.type ?? reflect.getMetadata?.('design:type', target.prototype, column.propertyName);
    (column as { options: ColumnOptions }).options = {
      ...column.options,
      primary: true,
      ...(designType ? { type: designType as ColumnOptions['type'] } : {}),
    };
  }
}
