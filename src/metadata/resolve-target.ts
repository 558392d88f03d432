// The one resolver of "a class, a 'schema.name' string or { schema, name }" to a relation name, for
// decorator options (`dependsOn`, `autoRefresh.on`), definition objects, the dependency API, refreshes
// and migration operations. Whether the relation exists is the caller's question: this only names it.
import type { DataSource, EntityMetadata, EntitySchema } from 'typeorm';
import { parseQualifiedName, type QualifiedName } from '../ddl/identifiers';
import type { PgViewError } from '../errors';
import { isEntitySchema, schemaLabel } from './entity-schema';
import { viewArgsOf } from './store';

/**
 * A relation named in a call or an option: an entity or view class or an `EntitySchema` listed in the
 * DataSource's entities, a `'name'` / `'schema.name'` string (PostgreSQL's rules: unquoted parts fold to lower case, write
 * `'"MyView"'` to keep case), or a `{ schema, name }` object taken as is (e.g. a result of another call).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type, @typescript-eslint/no-explicit-any
export type RelationRef = Function | EntitySchema<any> | string | QualifiedName;

/** Who asks, for messages, and what they throw. */
export interface ReferenceContext {
  /** Prefix of messages: `class UserStats`, `dropView`. */
  readonly where?: string;
  /** The option holding the reference, e.g. `dependsOn[0]`: messages then say `option \`dependsOn[0]\` has ...`. */
  readonly option?: string;
  /** ViewDeclarationError for declarations, ViewNotFoundError for calls. */
  readonly error: new (message: string) => PgViewError;
}

/** The schema a DataSource puts unqualified names in: its `schema` option, else `public`. */
export function defaultSchemaOf(dataSource: DataSource): string {
  return (dataSource.options as { schema?: string }).schema ?? 'public';
}

/** The relation an entity's metadata maps to (the DataSource's default schema when it names none). */
export function relationOfMetadata(dataSource: DataSource, metadata: EntityMetadata): QualifiedName {
  return { schema: metadata.schema ?? defaultSchemaOf(dataSource), name: metadata.tableName };
}

/** How a user wrote `reference` in their code, for messages. */
function written(reference: unknown): string {
  if (typeof reference === 'string') return `'${reference}'`;
  if (typeof reference === 'function') return `class ${reference.name || '(anonymous)'}`;
  if (isEntitySchema(reference)) return schemaLabel(reference);
  try {
    return JSON.stringify(reference) ?? String(reference);
  } catch {
    return String(reference);
  }
}

function fail(context: ReferenceContext, reference: unknown, problem: string, fix: string): never {
  const what = written(reference);
  const head = context.option ? `option \`${context.option}\` has ${what}, which ${problem}` : `${what} ${problem}`;
  throw new context.error(`${context.where ? `${context.where}: ` : ''}${head}. ${fix}`);
}

/**
 * The relation a class stands for: its own entity metadata, else (a subclass of a declared view that is
 * not itself listed) the metadata of the class that carries the view's decorator.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
function relationOfClass(dataSource: DataSource, target: Function): QualifiedName | undefined {
  const declared = viewArgsOf(target)?.target;
  const metadata =
    dataSource.entityMetadatas.find((m) => m.target === target) ??
    (declared ? dataSource.entityMetadatas.find((m) => m.target === declared) : undefined);
  return metadata && relationOfMetadata(dataSource, metadata);
}

/**
 * The relation an EntitySchema stands for: the metadata of its `target` class when it has one (exact),
 * else TypeORM's own lookup (by the schema's entity name).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function relationOfSchema(dataSource: DataSource, schema: EntitySchema<any>): QualifiedName | undefined {
  const target = schema.options.target;
  if (typeof target === 'function') return relationOfClass(dataSource, target);
  return dataSource.hasMetadata(schema) ? relationOfMetadata(dataSource, dataSource.getMetadata(schema)) : undefined;
}

/**
 * Names the relation `reference` stands for in `dataSource`, without checking that it exists. Throws
 * `context.error`, naming the reference and the fix, for a string that is not a name, a class not in the
 * DataSource's entities, or anything else.
 *
 * @example
 * resolveTarget(dataSource, 'Reporting."Daily Sales"', { error: ViewNotFoundError })
 * // { schema: 'reporting', name: 'Daily Sales' }
 */
export function resolveTarget(dataSource: DataSource, reference: unknown, context: ReferenceContext): QualifiedName {
  if (typeof reference === 'string') {
    const parsed = parseQualifiedName(reference, defaultSchemaOf(dataSource));
    if (parsed) return parsed;
    fail(
      context,
      reference,
      'is not a name',
      `Write 'name' or 'schema.name'; quote a part to keep capitals, spaces or dots: '"Daily Sales"', 'reporting."Daily Sales"'.`,
    );
  }
  if (typeof reference === 'function' || isEntitySchema(reference)) {
    const relation =
      typeof reference === 'function'
        ? relationOfClass(dataSource, reference)
        : relationOfSchema(dataSource, reference);
    if (relation) return relation;
    fail(
      context,
      reference,
      "is not in this DataSource's entities",
      "Add it to `entities`, or name the relation as 'schema.name'.",
    );
  }
  const object = reference as Partial<Record<keyof QualifiedName, unknown>> | null;
  if (
    typeof object === 'object' &&
    object !== null &&
    typeof object.schema === 'string' &&
    typeof object.name === 'string'
  )
    return { schema: object.schema, name: object.name };
  return fail(
    context,
    reference,
    'does not name a relation',
    "Give a class, a 'schema.name' string or { schema, name }.",
  );
}
