// definePgView / defineMaterializedView: the decorators' options without a class. Each returns a TypeORM
// EntitySchema of a view entity (`type: 'view'`, `synchronize: false`, as @PgView registers a class) whose
// `target` is a class made for it; the options are recorded under that class exactly as the decorators
// record theirs, so collection, validation and every API that finds a view through its class see it.
import { EntitySchema, type EntitySchemaOptions, type ObjectLiteral } from 'typeorm';
import type { MaterializedViewOptions, PgViewOptions } from '../decorators/options';
import { recordViewArgs } from '../metadata/store';

/**
 * What definePgView / defineMaterializedView add to the decorator options: a required `name` (the view's
 * name and the entity's, e.g. for `getRepository('user_stats')`) and the TypeORM columns of the entity.
 */
export interface SchemaViewOptions<T> {
  /** The view's name, used as is, and the EntitySchema's entity name (required: there is no class to name it). */
  name: string;
  /**
   * The entity's columns as TypeORM's EntitySchema takes them, `{ user_id: { type: Number } }`: what
   * repositories and query builders read. Not `columns`, which (as on the decorators) is the view's own
   * column list, `CREATE VIEW v (a, b)`.
   */
  entityColumns: EntitySchemaOptions<T>['columns'];
}

/** Options of `definePgView`: those of `@PgView`, with `name` required and `entityColumns`. */
export type PgViewSchemaOptions<T = ObjectLiteral> = PgViewOptions & SchemaViewOptions<T>;

/** Options of `defineMaterializedView`: those of `@MaterializedView`, with `name` required and `entityColumns`. */
export type MaterializedViewSchemaOptions<T = ObjectLiteral> = MaterializedViewOptions & SchemaViewOptions<T>;

function defineView<T>(
  kind: 'view' | 'materialized',
  { entityColumns, ...options }: SchemaViewOptions<T> & Omit<PgViewOptions | MaterializedViewOptions, 'name'>,
): EntitySchema<T> {
  // A class named after the entity: TypeORM's metadata then has it as `target`, and `getRepository(schema)`
  // finds the metadata by that name.
  const name = String(options.name);
  const target = { [name]: class {} }[name]!;
  const schema = new EntitySchema<T>({
    name,
    tableName: name,
    schema: options.schema,
    type: 'view',
    synchronize: false,
    target,
    columns: entityColumns,
  });
  if (kind === 'view') recordViewArgs({ target, kind, options: options as PgViewOptions, entitySchema: schema });
  else recordViewArgs({ target, kind, options: options as MaterializedViewOptions, entitySchema: schema });
  return schema;
}

/**
 * A PostgreSQL view as a TypeORM `EntitySchema`, for code that does not use decorators: the options of
 * `@PgView`, validated the same way when the DataSource's views are collected. List the schema in
 * `entities` beside decorated classes; query it with `dataSource.getRepository(schema)`, and pass it
 * wherever a view class is accepted (`dependsOn`, the dependency API, migration operations).
 *
 * @example
 * ```ts
 * export const ActiveUsers = definePgView<{ id: number; name: string }>({
 *   name: 'active_users',
 *   expression: 'SELECT id, name FROM users WHERE is_active',
 *   entityColumns: { id: { type: Number, primary: true }, name: { type: String } },
 * });
 * ```
 */
export function definePgView<T = ObjectLiteral>(options: PgViewSchemaOptions<T>): EntitySchema<T> {
  return defineView('view', options);
}

/**
 * A PostgreSQL materialized view as a TypeORM `EntitySchema`: the options of `@MaterializedView`
 * (indexes, `autoRefresh`, ...), validated the same way. Refresh it with
 * `refreshMaterializedView(dataSource, schema)`.
 *
 * @example
 * ```ts
 * export const UserTotals = defineMaterializedView<{ user_id: number; total: string }>({
 *   name: 'user_totals',
 *   expression: 'SELECT "userId" AS user_id, sum(amount) AS total FROM orders GROUP BY 1',
 *   indexes: [{ columns: ['user_id'], unique: true }],
 *   entityColumns: { user_id: { type: Number, primary: true }, total: { type: String } },
 * });
 * ```
 */
export function defineMaterializedView<T = ObjectLiteral>(options: MaterializedViewSchemaOptions<T>): EntitySchema<T> {
  return defineView('materialized', options);
}
