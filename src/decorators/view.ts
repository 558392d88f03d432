// @PgView and @MaterializedView only record their arguments (resolved later by collect()) and register
// the class with TypeORM as a view entity with `synchronize: false`, so repositories and query builders
// work on it while TypeORM's own schema sync leaves it to us.
import { ViewEntity } from 'typeorm';
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
    ViewEntity({ name: options.name, schema: options.schema, synchronize: false, materialized: true })(target);
  };
}
