// Names in, catalog relations out: how the dependency API turns a class, a 'schema.name' string or a
// { schema, name } object into a relation that exists, and reads the edges it walks.
import type { QueryRunner } from 'typeorm';
import { displayName, parseQualifiedName, relationKey, type QualifiedName } from '../ddl/identifiers';
import { ViewNotFoundError } from '../errors';
import { defaultSchemaOf } from '../metadata/collect';
import { dataSourceOf } from '../metadata/target';
import { DEPENDENCIES_QUERY, RELATIONS_QUERY } from './queries';
import { RELATION_KINDS, toEdge, type DependencyEdge, type RelationKind } from './reader';

/**
 * A relation named in a call: an entity or view class listed in the DataSource's entities, a
 * `'name'` / `'schema.name'` string (PostgreSQL's rules: unquoted parts fold to lower case, write
 * `'"MyView"'` to keep case), or a `{ schema, name }` object taken as is (e.g. a result of another call).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type RelationRef = Function | string | QualifiedName;

/** A relation of the catalog with its kind. */
export interface Relation extends QualifiedName {
  readonly kind: RelationKind;
  /** For materialized views: whether it holds data. */
  readonly populated: boolean;
}

type Row = Record<string, unknown>;

/** Every table, view, materialized view and foreign table in user schemas (one query). */
export async function readRelations(queryRunner: QueryRunner): Promise<Relation[]> {
  const rows = (await queryRunner.query(RELATIONS_QUERY)) as Row[];
  return rows.map((r) => ({
    schema: String(r.schema),
    name: String(r.name),
    kind: RELATION_KINDS[String(r.kind)] ?? 'table',
    populated: r.populated === true,
  }));
}

/** Every "user view reads relation" edge in the database (one query; the query leaves PostgreSQL's own views out). */
export async function readEdges(queryRunner: QueryRunner): Promise<DependencyEdge[]> {
  return ((await queryRunner.query(DEPENDENCIES_QUERY)) as Row[]).map(toEdge);
}

/** The relation a reference names, before checking that it exists. */
export function nameOf(queryRunner: QueryRunner, reference: RelationRef): QualifiedName {
  const dataSource = dataSourceOf(queryRunner);
  const defaultSchema = defaultSchemaOf(dataSource);
  if (typeof reference === 'string') {
    const parsed = parseQualifiedName(reference, defaultSchema);
    if (!parsed)
      throw new ViewNotFoundError(
        `${JSON.stringify(reference)} is not a relation name. Write 'name', 'schema.name', or '"Quoted Name"'.`,
      );
    return parsed;
  }
  if (typeof reference === 'function') {
    const metadata = dataSource.entityMetadatas.find((m) => m.target === reference);
    if (!metadata)
      throw new ViewNotFoundError(
        `class ${reference.name || '(anonymous)'} is not in this DataSource's entities. Add it to \`entities\`, or pass the relation's name as 'schema.name'.`,
      );
    return { schema: metadata.schema ?? defaultSchema, name: metadata.tableName };
  }
  if (
    reference &&
    typeof reference === 'object' &&
    typeof reference.schema === 'string' &&
    typeof reference.name === 'string'
  )
    return { schema: reference.schema, name: reference.name };
  throw new ViewNotFoundError(
    `${JSON.stringify(reference)} does not name a relation. Pass a class, a 'schema.name' string or { schema, name }.`,
  );
}

/**
 * Resolves `reference` against `relations`. Throws ViewNotFoundError naming it when it does not exist, or
 * (with `viewsOnly`) when it is a table.
 */
export function resolveRelation(
  queryRunner: QueryRunner,
  relations: readonly Relation[],
  reference: RelationRef,
  options: { viewsOnly: boolean },
): Relation {
  const name = nameOf(queryRunner, reference);
  const key = relationKey(name);
  const found = relations.find((r) => relationKey(r) === key);
  if (!found)
    throw new ViewNotFoundError(
      `${options.viewsOnly ? 'View' : 'Relation'} ${displayName(name)} does not exist. Check the schema and the name (a name with capitals or spaces must be quoted: '"MyView"', or pass { schema, name }).`,
    );
  if (options.viewsOnly && found.kind !== 'view' && found.kind !== 'materialized')
    throw new ViewNotFoundError(
      `${displayName(name)} is a ${found.kind}, not a view or materialized view. Pass a view's name.`,
    );
  return found;
}
