// Turns what a migration passes to an operation (a frozen plain-object definition, a declared class, or a
// bare name) into the resolved forms the DDL builders take.
import type { DataSource, EntitySchema } from 'typeorm';
import { describeView, type QualifiedName } from '../ddl/identifiers';
import { ViewDeclarationError, ViewNotFoundError } from '../errors';
import { collectViews, findDefinition } from '../metadata/collect';
import { isEntitySchema, schemaLabel, viewArgsOfSchema } from '../metadata/entity-schema';
import { defaultSchemaOf, resolveTarget } from '../metadata/resolve-target';
import { buildDefinition, type ViewDefinition, type ViewDefinitionInput, type ViewKind } from '../metadata/definition';

/**
 * What a migration operation accepts as a view: a plain-object definition with the SQL embedded (what a
 * migration should use: it never changes after it is written), or a class declared with `@PgView` /
 * `@MaterializedView` in the DataSource's entities, or an EntitySchema made by `definePgView` /
 * `defineMaterializedView` (both resolved as they are *now*, so an old migration given one replays today's
 * SQL, not the SQL of its day).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type, @typescript-eslint/no-explicit-any
export type ViewSpec = ViewDefinitionInput | Function | EntitySchema<any>;

/** A view to drop or to index: its `'name'` / `'schema.name'`, or a ViewSpec. */
export type ViewRef = string | ViewSpec;

/** Builds the frozen definition of a plain-object input; `source` names it in messages. */
export function definitionFromInput(input: ViewDefinitionInput, dataSource: DataSource): ViewDefinition {
  if (typeof input !== 'object' || input === null)
    throw new ViewDeclarationError(
      `A migration operation got ${JSON.stringify(input)} as a view definition. Pass { name, expression, ... } or a declared class.`,
    );
  const schema = input.schema ?? defaultSchemaOf(dataSource);
  const source = `definition ${schema}.${String(input.name)}`;
  const dependsOn = (input.dependsOn ?? []).map((d, i) =>
    resolveTarget(dataSource, d, { where: source, option: `dependsOn[${i}]`, error: ViewDeclarationError }),
  );
  if (typeof input.expression !== 'string')
    throw new ViewDeclarationError(
      `${source}: option \`expression\` must be SQL text in a definition object. Embed the query as a string.`,
    );
  const options: Record<string, unknown> = { ...input };
  delete options.kind;
  return buildDefinition({
    kind: input.kind ?? 'view',
    schema,
    name: input.name,
    sql: input.expression,
    dependsOn,
    options,
    source,
  });
}

/** Resolves a ViewSpec against the migration's DataSource and checks it is of the expected kind. */
export function resolveSpec(dataSource: DataSource, spec: ViewSpec, kind: ViewKind, operation: string): ViewDefinition {
  let definition: ViewDefinition;
  if (isEntitySchema(spec)) {
    const args = viewArgsOfSchema(spec);
    const found = args && findDefinition(collectViews(dataSource), args.target);
    if (!found)
      throw new ViewNotFoundError(
        `${operation}: ${schemaLabel(spec)} is not a view made by definePgView / defineMaterializedView and listed in this DataSource's entities. Add it to \`entities\`, or pass a definition object with the SQL.`,
      );
    definition = found;
  } else if (typeof spec === 'function') {
    const found = findDefinition(collectViews(dataSource), spec);
    if (!found)
      throw new ViewNotFoundError(
        `${operation}: class ${spec.name || '(anonymous)'} is not a view declared in this DataSource's entities. Add it to \`entities\`, or pass a definition object with the SQL.`,
      );
    definition = found;
  } else {
    definition = definitionFromInput(spec.kind === undefined ? { ...spec, kind } : spec, dataSource);
  }
  if (definition.kind !== kind)
    throw new ViewDeclarationError(
      `${operation}: ${definition.source} declares a ${describeView(definition)}, not a ${kind === 'materialized' ? 'materialized view' : 'plain view'}. Use the operation for that kind (${operation.replace(kind === 'materialized' ? 'MaterializedView' : 'View', definition.kind === 'materialized' ? 'MaterializedView' : 'View')}).`,
    );
  return definition;
}

/** The relation a ViewRef names (no definition needed: enough to drop it). */
export function resolveName(dataSource: DataSource, ref: ViewRef, kind: ViewKind, operation: string): QualifiedName {
  if (typeof ref !== 'string') {
    const d = resolveSpec(dataSource, ref, kind, operation);
    return { schema: d.schema, name: d.name };
  }
  return resolveTarget(dataSource, ref, { where: operation, error: ViewNotFoundError });
}

/** The kind a spec declares (a class: its decorator; an object: its `kind`), else `fallback`. */
export function kindOf(dataSource: DataSource, spec: ViewSpec, fallback: ViewKind): ViewKind {
  if (isEntitySchema(spec)) return viewArgsOfSchema(spec)?.kind ?? fallback;
  if (typeof spec === 'function') return findDefinition(collectViews(dataSource), spec)?.kind ?? fallback;
  return spec.kind ?? fallback;
}
