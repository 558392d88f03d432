// Names in, catalog relations out: how the dependency API turns a class, a 'schema.name' string or a
// { schema, name } object into a relation that exists, and reads the edges it walks.
import type { QueryRunner } from 'typeorm';
import { relationKey, writtenName, type QualifiedName } from '../ddl/identifiers';
import { ViewNotFoundError } from '../errors';
import { resolveTarget, type RelationRef } from '../metadata/resolve-target';
import { dataSourceOf } from '../db/target';
import { DEPENDENCIES_QUERY, RELATIONS_QUERY } from './queries';
import { RELATION_KINDS, toEdge, type DependencyEdge, type RelationKind } from './reader';

export type { RelationRef } from '../metadata/resolve-target';

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
  return resolveTarget(dataSourceOf(queryRunner), reference, { error: ViewNotFoundError });
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
      `${options.viewsOnly ? 'View' : 'Relation'} ${writtenName(name)} does not exist. Check the schema and the name (a name with capitals or spaces must be quoted: '"MyView"', or pass { schema, name }).`,
    );
  if (options.viewsOnly && found.kind !== 'view' && found.kind !== 'materialized')
    throw new ViewNotFoundError(
      `${writtenName(name)} is a ${found.kind}, not a view or materialized view. Pass a view's name.`,
    );
  return found;
}
