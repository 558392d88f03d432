// Resolves the recorded decorator arguments against a DataSource: names from its naming strategy,
// expression functions called with it, `dependsOn` and `autoRefresh.on` turned into relation names.
// Only classes listed in the DataSource's entities are collected: those are the views it manages.
import type { DataSource, EntityMetadata, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { AutoRefreshOptions, ViewExpression } from '../decorators/options';
import { displayName } from '../ddl/identifiers';
import { ViewDeclarationError } from '../errors';
import { buildDefinition, type AutoRefreshDefinition, type ViewDefinition } from './definition';
import { relationOfMetadata, resolveTarget } from './resolve-target';
import { queryProblem } from '../ddl/sql-text';
import { schemaLabel } from './entity-schema';
import { isSqlFile, readSqlFile } from './sql-file';
import { viewArgsOf, type ViewArgs } from './store';
import { installUnpopulatedReadErrors } from '../freshness/unpopulated';

export { defaultSchemaOf } from './resolve-target';

function isSelectQueryBuilder(value: unknown): value is SelectQueryBuilder<ObjectLiteral> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { getQuery?: unknown }).getQuery === 'function' &&
    typeof (value as { expressionMap?: unknown }).expressionMap === 'object'
  );
}

function resolveExpression(expression: ViewExpression | undefined, dataSource: DataSource, where: string): string {
  if (expression === undefined || expression === null)
    throw new ViewDeclarationError(
      `${where}: option \`expression\` is missing. Give the view's query as SQL text or a function returning a SelectQueryBuilder.`,
    );
  if (typeof expression === 'string') return expression;
  if (isSqlFile(expression)) {
    const read = readSqlFile(expression);
    if ('problem' in read) throw new ViewDeclarationError(`${where}: option \`expression\`: sqlFile ${read.problem}.`);
    const problem = queryProblem(read.text);
    if (problem)
      throw new ViewDeclarationError(
        `${where}: option \`expression\`: the SQL file ${expression.path} ${problem}. Keep one query in the file.`,
      );
    return read.text;
  }
  if (typeof expression !== 'function')
    throw new ViewDeclarationError(
      `${where}: option \`expression\` must be SQL text or a function, got ${typeof expression}.`,
    );
  let result: unknown;
  try {
    result = expression(dataSource);
  } catch (error) {
    throw new ViewDeclarationError(
      `${where}: the \`expression\` function threw: ${error instanceof Error ? error.message : String(error)}. Fix the function; it is called with the DataSource.`,
      { cause: error },
    );
  }
  if (typeof result === 'string') return result;
  if (isSelectQueryBuilder(result)) {
    const type = (result.expressionMap as { queryType?: string }).queryType;
    if (type !== 'select')
      throw new ViewDeclarationError(
        `${where}: the \`expression\` function returned a query builder of type ${type}. Return a SELECT (createQueryBuilder().select(...)).`,
      );
    const parameters = Object.keys(result.getParameters());
    if (parameters.length > 0)
      throw new ViewDeclarationError(
        `${where}: the \`expression\` query builder has parameters (${parameters.join(', ')}), which a view cannot take. Inline the values in the SQL.`,
      );
    return result.getQuery();
  }
  throw new ViewDeclarationError(
    `${where}: the \`expression\` function returned ${result === null ? 'null' : typeof result}, not SQL text or a SelectQueryBuilder. Return ds.createQueryBuilder().select(...)...`,
  );
}

function resolveAutoRefresh(
  dataSource: DataSource,
  raw: boolean | AutoRefreshOptions | undefined,
  where: string,
): AutoRefreshDefinition | undefined {
  if (raw === undefined || raw === false) return undefined;
  const options: AutoRefreshOptions = raw === true ? {} : raw;
  const number = (key: 'debounceMs' | 'maxWaitMs', fallback: number) => {
    const value = options[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      throw new ViewDeclarationError(
        `${where}: option \`autoRefresh.${key}\` must be a number of milliseconds >= 0, got ${JSON.stringify(value)}.`,
      );
    return value;
  };
  const debounceMs = number('debounceMs', 50);
  const maxWaitMs = number('maxWaitMs', 1000);
  if (maxWaitMs < debounceMs)
    throw new ViewDeclarationError(
      `${where}: option \`autoRefresh.maxWaitMs\` (${maxWaitMs}) is below \`debounceMs\` (${debounceMs}). Make maxWaitMs at least debounceMs.`,
    );
  const concurrently = options.concurrently ?? 'auto';
  if (concurrently !== true && concurrently !== false && concurrently !== 'auto')
    throw new ViewDeclarationError(`${where}: option \`autoRefresh.concurrently\` must be true, false or 'auto'.`);
  const on = (options.on ?? []).map((r, i) =>
    resolveTarget(dataSource, r, { where, option: `autoRefresh.on[${i}]`, error: ViewDeclarationError }),
  );
  return { on, concurrently, debounceMs, maxWaitMs };
}

function definitionFromArgs(dataSource: DataSource, args: ViewArgs, metadata: EntityMetadata): ViewDefinition {
  const where = args.entitySchema ? schemaLabel(args.entitySchema) : `class ${args.target.name || '(anonymous class)'}`;
  const relation = relationOfMetadata(dataSource, metadata);
  const options = args.options as unknown as Record<string, unknown>;
  const dependsOn = ((options.dependsOn as unknown[] | undefined) ?? []).map((r, i) =>
    resolveTarget(dataSource, r, { where, option: `dependsOn[${i}]`, error: ViewDeclarationError }),
  );
  // TypeORM reads an empty `schema` or `name` as "not given": keep what was written, so that it is refused.
  const blank = (value: unknown): value is string => typeof value === 'string' && value.trim() === '';
  return buildDefinition({
    kind: args.kind,
    schema: blank(options.schema) ? options.schema : relation.schema,
    name: blank(options.name) ? options.name : relation.name,
    sql: resolveExpression(options.expression as ViewExpression | undefined, dataSource, where),
    dependsOn,
    options,
    source: where,
    target: args.target,
    autoRefresh:
      args.kind === 'materialized' ? resolveAutoRefresh(dataSource, args.options.autoRefresh, where) : undefined,
    entityColumns: metadata.columns,
  });
}

/**
 * The views a DataSource manages: every class in its `entities` decorated with `@PgView` or
 * `@MaterializedView`, and every EntitySchema made by `definePgView` / `defineMaterializedView` (its
 * metadata's target is the class the schema was given), resolved and validated. Throws ViewDeclarationError on the first invalid one.
 */
export function collectViews(dataSource: DataSource): ViewDefinition[] {
  // Every library call starts here: the one place that makes reads of unpopulated views say the fix.
  installUnpopulatedReadErrors(dataSource, () => collectViews(dataSource));
  const definitions: ViewDefinition[] = [];
  const byName = new Map<string, ViewDefinition>();
  for (const metadata of dataSource.entityMetadatas) {
    if (typeof metadata.target !== 'function') continue;
    const args = viewArgsOf(metadata.target);
    if (!args || metadata.tableType !== 'view') continue;
    const definition = definitionFromArgs(dataSource, args, metadata);
    const key = displayName(definition);
    const twin = byName.get(key);
    if (twin)
      throw new ViewDeclarationError(
        `${twin.source} and ${definition.source} both declare the view ${key}. Give one of them another \`name\` (or \`schema\`).`,
      );
    byName.set(key, definition);
    definitions.push(definition);
  }
  return definitions;
}

/** The definition of a declared class in this DataSource, or undefined. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function findDefinition(definitions: readonly ViewDefinition[], target: Function): ViewDefinition | undefined {
  return (
    definitions.find((d) => d.target === target) ??
    definitions.find((d) => d.target && target.prototype instanceof d.target)
  );
}
