// The resolved form of a view: every field set, validated, frozen. Decorated classes become these when
// a DataSource is known (collect.ts); migrations may also write them as plain objects (`ViewDefinitionInput`).
import { describeView, identifierProblem, type QualifiedName } from '../ddl/identifiers';
import { expressionProblem, queryProblem, trimStatement } from '../ddl/sql-text';
import { ViewDeclarationError } from '../errors';
import type { MaterializedViewIndexOptions, RebuildStrategy } from '../decorators/options';
import { parseDuration } from '../options/duration';
import { VIEW_OPTIONS, type ViewOptionValues } from '../options/view-options';

/** `'view'` (CREATE VIEW) or `'materialized'` (CREATE MATERIALIZED VIEW). */
export type ViewKind = 'view' | 'materialized';

/** A resolved index of a materialized view. */
export interface IndexDefinition {
  /** The index name (declared, or derived from the view and columns as PostgreSQL would). */
  readonly name: string;
  /** Indexed columns or expressions, in order. */
  readonly columns: readonly string[];
  /** A UNIQUE index (what REFRESH ... CONCURRENTLY needs). */
  readonly unique: boolean;
  /** The partial-index predicate (`WHERE ...`), if any. */
  readonly where?: string;
  /** The access method (`btree` unless declared). */
  readonly using: string;
}

/** A materialized view's resolved `autoRefresh` option. */
export interface AutoRefreshDefinition {
  /** Relations whose changes trigger a refresh; empty means "everything it reads, from the catalog". */
  readonly on: readonly QualifiedName[];
  /** How it is refreshed: concurrently, plainly, or concurrently when it has a usable unique index. */
  readonly concurrently: boolean | 'auto';
  /** Quiet time after the last change before the refresh runs, in milliseconds. */
  readonly debounceMs: number;
  /** The longest a change waits for its refresh while changes keep coming, in milliseconds. */
  readonly maxWaitMs: number;
}

/**
 * A resolved view. The options that reach DDL (`comment`, `checkOption`, `securityBarrier`,
 * `securityInvoker`, `storageParameters`, `tablespace`) come from their descriptors in
 * src/options/view-options.ts; an option that does not apply to the kind has its default.
 */
export interface ViewDefinition extends QualifiedName, ViewOptionValues {
  /** A view or a materialized view. */
  readonly kind: ViewKind;
  /** The query text, trimmed, without a trailing semicolon. */
  readonly sql: string;
  /** The declared column list (`CREATE VIEW v (a, b)`), if any. */
  readonly columns?: readonly string[];
  /** Relations it reads that its SQL does not show (created first). */
  readonly dependsOn: readonly QualifiedName[];
  /** Whether sync, migrations and the generator manage it (false: declared for TypeORM only). */
  readonly synchronize: boolean;
  /** `CREATE RECURSIVE VIEW` (plain views). */
  readonly recursive: boolean;
  /** Populated when created (materialized views; `WITH NO DATA` when false). */
  readonly withData: boolean;
  /** Its indexes (materialized views). */
  readonly indexes: readonly IndexDefinition[];
  /** Auto-refresh, when declared (materialized views). */
  readonly autoRefresh?: AutoRefreshDefinition;
  /** The key (`primaryKey`, or the class's primary columns), when it has one: database column names. */
  readonly primaryKey?: readonly string[];
  /** How a definition change rebuilds it, when declared (materialized views; else the caller's default). */
  readonly rebuild?: RebuildStrategy;
  /** The interval of scheduled refreshes, in milliseconds (materialized views with `refreshEvery`). */
  readonly refreshEveryMs?: number;
  /** The staleness bound, in milliseconds (materialized views with `maxStalenessMs`). */
  readonly maxStalenessMs?: number;
  /** `lock_timeout` of its refreshes, in milliseconds, when declared. */
  readonly lockTimeoutMs?: number;
  /** `statement_timeout` of its refreshes, in milliseconds, when declared. */
  readonly statementTimeoutMs?: number;
  /** `ANALYZE` after each refresh (materialized views). */
  readonly analyze: boolean;
  /** Where it was declared, for messages: `class UserStats`, or `definition public.user_stats`. */
  readonly source: string;
  /** The decorated class, when there is one. */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly target?: Function;
}

/**
 * A view definition written as a plain object, e.g. embedded in a migration: SQL text and options, no
 * class. `kind` defaults to `'view'`; materialized-only fields require `kind: 'materialized'`.
 */
export interface ViewDefinitionInput {
  /** `'view'` (default) or `'materialized'`. */
  kind?: ViewKind;
  /** The view's name. */
  name: string;
  /** Its schema (default: the DataSource's schema, else `public`). */
  schema?: string;
  /** The query as SQL text. */
  expression: string;
  /** An explicit column list. */
  columns?: readonly string[];
  /** Relations it reads that its SQL does not show: `'name'`, `'schema.name'` or `{ schema, name }`. */
  dependsOn?: readonly (string | QualifiedName)[];
  /** `COMMENT ON` the view. */
  comment?: string;
  /** Whether sync manages it (default true). */
  synchronize?: boolean;
  /** `CREATE RECURSIVE VIEW` (plain views; needs `columns`). */
  recursive?: boolean;
  /** `WITH LOCAL | CASCADED CHECK OPTION` (plain views). */
  checkOption?: 'local' | 'cascaded';
  /** The `security_barrier` option (plain views). */
  securityBarrier?: boolean;
  /** The `security_invoker` option (plain views, PostgreSQL 15+). */
  securityInvoker?: boolean;
  /** Populate when created (materialized views; default true). */
  withData?: boolean;
  /** Indexes (materialized views). */
  indexes?: readonly MaterializedViewIndexOptions[];
  /** The key's columns: on a materialized view, a unique index over them is added (as `primaryKey` on a class). */
  primaryKey?: readonly [string, ...string[]];
  /** The tablespace (materialized views). */
  tablespace?: string;
  /** Storage parameters, `WITH (...)` (materialized views), e.g. `{ fillfactor: 70 }`. */
  storageParameters?: Readonly<Record<string, string | number | boolean>>;
}

const onlyFor = (kind: ViewKind) =>
  VIEW_OPTIONS.filter((o) => o.kinds.length === 1 && o.kinds[0] === kind).map((o) => o.name);
const MATERIALIZED_ONLY = [
  'withData',
  'indexes',
  'autoRefresh',
  'rebuild',
  'refreshEvery',
  'maxStalenessMs',
  'lockTimeoutMs',
  'statementTimeoutMs',
  'analyze',
  ...onlyFor('materialized'),
];
const REBUILD_STRATEGIES: readonly RebuildStrategy[] = ['side-by-side', 'in-place'];
/** The shortest `refreshEvery`: a schedule is for data no trigger sees, not a busy loop. */
export const MIN_REFRESH_EVERY_MS = 1000;
const PLAIN_ONLY = ['recursive', ...onlyFor('view')];
const INDEX_METHODS = ['btree', 'hash', 'gist', 'spgist', 'gin', 'brin'];

/** Fields shared by the decorator path and the plain-object path, before validation. */
export interface DefinitionParts {
  kind: ViewKind;
  schema: string;
  name: string;
  sql: string;
  dependsOn: readonly QualifiedName[];
  options: Record<string, unknown>;
  source: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  target?: Function;
  autoRefresh?: AutoRefreshDefinition;
  /** The class's TypeORM columns, when there is a class: for checking `primaryKey` against them. */
  entityColumns?: readonly { readonly databaseName: string; readonly isPrimary: boolean }[];
}

function fail(
  parts: Pick<DefinitionParts, 'source' | 'schema' | 'name' | 'kind'>,
  option: string,
  problem: string,
  fix: string,
): never {
  throw new ViewDeclarationError(`${parts.source} (${describeView(parts)}): option \`${option}\` ${problem}. ${fix}`);
}

function checkIdentifier(parts: DefinitionParts, option: string, value: unknown): string {
  if (typeof value !== 'string') fail(parts, option, `must be a string, got ${typeof value}`, 'Give a name.');
  const problem = identifierProblem(value);
  if (problem) fail(parts, option, `${JSON.stringify(value)} ${problem}`, 'Use a name of 1 to 63 bytes.');
  return value;
}

/** The default index name: `<view>_<col>_<col>_idx` / `_key`, shortened with a hash when over 63 bytes. */
export function defaultIndexName(view: string, columns: readonly string[], unique: boolean): string {
  const full = `${view}_${columns.join('_')}_${unique ? 'key' : 'idx'}`;
  if (Buffer.byteLength(full, 'utf8') <= 63) return full;
  let hash = 0;
  for (const ch of full) hash = (Math.imul(hash, 31) + ch.codePointAt(0)!) >>> 0;
  const suffix = `_${hash.toString(36)}_${unique ? 'key' : 'idx'}`;
  let head = full;
  while (Buffer.byteLength(head + suffix, 'utf8') > 63) head = head.slice(0, -1);
  return head + suffix;
}

function normalizeIndexes(parts: DefinitionParts, raw: unknown): IndexDefinition[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) fail(parts, 'indexes', 'must be an array', 'Write `indexes: [{ columns: [...] }]`.');
  const indexes = raw.map((index: MaterializedViewIndexOptions, i): IndexDefinition => {
    const at = `indexes[${i}]`;
    if (!index || !Array.isArray(index.columns) || index.columns.length === 0)
      fail(parts, `${at}.columns`, 'must list at least one column', 'Write `columns: ["user_id"]`.');
    const columns = index.columns.map((c, j) => checkIdentifier(parts, `${at}.columns[${j}]`, c));
    const using = index.using ?? 'btree';
    if (!INDEX_METHODS.includes(using))
      fail(parts, `${at}.using`, `is ${JSON.stringify(using)}`, `Use one of ${INDEX_METHODS.join(', ')}.`);
    let where: string | undefined;
    if (index.where !== undefined) {
      if (typeof index.where !== 'string' || !trimStatement(index.where))
        fail(parts, `${at}.where`, 'must be a non-empty SQL condition', "Write e.g. `where: 'total > 0'`.");
      where = trimStatement(index.where);
      const problem = expressionProblem(where);
      if (problem) fail(parts, `${at}.where`, problem, "Give one SQL condition, e.g. `where: 'total > 0'`.");
    }
    const unique = index.unique === true;
    const name =
      index.name === undefined
        ? defaultIndexName(parts.name, columns, unique)
        : checkIdentifier(parts, `${at}.name`, index.name);
    return Object.freeze({ name, columns: Object.freeze(columns), unique, using, ...(where ? { where } : {}) });
  });
  const seen = new Set<string>();
  for (const index of indexes) {
    if (seen.has(index.name))
      fail(parts, 'indexes', `names the index ${JSON.stringify(index.name)} twice`, 'Give each index its own `name`.');
    seen.add(index.name);
  }
  return indexes;
}

/**
 * The key: `primaryKey` as written (checked against the class's @ViewColumns, which the decorator marked
 * primary), else the columns the class marks primary itself (`@PrimaryColumn`), else none.
 */
function resolvePrimaryKey(parts: DefinitionParts, raw: unknown): string[] | undefined {
  const entity = parts.entityColumns;
  const marked = entity?.filter((c) => c.isPrimary).map((c) => c.databaseName) ?? [];
  if (raw === undefined) return marked.length ? marked : undefined;
  if (!Array.isArray(raw) || raw.length === 0)
    fail(parts, 'primaryKey', 'must list at least one column', "Write `primaryKey: ['user_id']`, or leave it out.");
  const key = raw.map((c: unknown, i: number) => checkIdentifier(parts, `primaryKey[${i}]`, c));
  if (new Set(key).size !== key.length) fail(parts, 'primaryKey', 'lists a column twice', 'Name each column once.');
  if (!entity) return key;
  const names = entity.map((c) => c.databaseName);
  for (const c of key) {
    if (!names.includes(c))
      fail(
        parts,
        'primaryKey',
        `names ${JSON.stringify(c)}, which is not the database name of a @ViewColumn of the class (its columns: ${names.join(', ') || 'none'})`,
        "Name a column's database name, or declare it as `@ViewColumn({ name: '" + c + "' })`.",
      );
    if (!marked.includes(c))
      fail(
        parts,
        'primaryKey',
        `names ${JSON.stringify(c)}, a column the decorator could not mark primary (declared on a parent class, or named by the naming strategy)`,
        `Declare the column on the decorated class with \`@ViewColumn({ name: '${c}' })\`.`,
      );
  }
  const extra = marked.filter((c) => !key.includes(c));
  if (extra.length)
    fail(
      parts,
      'primaryKey',
      `leaves out ${extra.join(', ')}, which the class marks primary (@PrimaryColumn)`,
      'Declare the key once: in `primaryKey`, or with @PrimaryColumn.',
    );
  return key;
}

/**
 * A materialized view's key becomes a unique index (what REFRESH ... CONCURRENTLY needs), unless a unique
 * index without `where` over the same columns, in any order, is declared.
 */
function withKeyIndex(
  parts: DefinitionParts,
  indexes: IndexDefinition[],
  key: string[] | undefined,
): IndexDefinition[] {
  if (parts.kind !== 'materialized' || !key) return indexes;
  const same = (i: IndexDefinition) =>
    i.unique && !i.where && i.columns.length === key.length && key.every((c) => i.columns.includes(c));
  if (indexes.some(same)) return indexes;
  const name = defaultIndexName(parts.name, key, true);
  if (indexes.some((i) => i.name === name))
    fail(
      parts,
      'primaryKey',
      `needs the unique index ${JSON.stringify(name)}, but another index has that name`,
      'Rename that index, or make it `unique: true` over the key columns.',
    );
  return [...indexes, Object.freeze({ name, columns: Object.freeze([...key]), unique: true, using: 'btree' })];
}

function bool(parts: DefinitionParts, option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    fail(parts, option, `must be true or false, got ${JSON.stringify(value)}`, `Write \`${option}: true\`.`);
  return value;
}

function milliseconds(parts: DefinitionParts, option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    fail(
      parts,
      option,
      `must be a whole number of milliseconds >= 1, got ${JSON.stringify(value)}`,
      `Write \`${option}: 5000\`, or leave it out.`,
    );
  return value;
}

/** The runtime options of a materialized view (schedule, staleness bound, refresh limits, rebuild strategy). */
function refreshSettings(parts: DefinitionParts, o: Record<string, unknown>) {
  if (o.rebuild !== undefined && !REBUILD_STRATEGIES.includes(o.rebuild as RebuildStrategy))
    fail(
      parts,
      'rebuild',
      `must be 'side-by-side' or 'in-place', got ${JSON.stringify(o.rebuild)}`,
      "Write `rebuild: 'side-by-side'`, or leave it out.",
    );
  let refreshEveryMs: number | undefined;
  if (o.refreshEvery !== undefined) {
    refreshEveryMs = parseDuration(o.refreshEvery);
    if (refreshEveryMs === undefined || refreshEveryMs < MIN_REFRESH_EVERY_MS)
      fail(
        parts,
        'refreshEvery',
        `must be a duration of at least 1s ('30s', '5m', '1h', '1d') or milliseconds >= ${MIN_REFRESH_EVERY_MS}, got ${JSON.stringify(o.refreshEvery)}`,
        "Write `refreshEvery: '5m'`.",
      );
  }
  const settings = {
    ...(o.rebuild !== undefined ? { rebuild: o.rebuild as RebuildStrategy } : {}),
    ...(refreshEveryMs !== undefined ? { refreshEveryMs } : {}),
    maxStalenessMs: milliseconds(parts, 'maxStalenessMs', o.maxStalenessMs),
    lockTimeoutMs: milliseconds(parts, 'lockTimeoutMs', o.lockTimeoutMs),
    statementTimeoutMs: milliseconds(parts, 'statementTimeoutMs', o.statementTimeoutMs),
    analyze: bool(parts, 'analyze', o.analyze, false),
  };
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as {
    rebuild?: RebuildStrategy;
    refreshEveryMs?: number;
    maxStalenessMs?: number;
    lockTimeoutMs?: number;
    statementTimeoutMs?: number;
    analyze: boolean;
  };
}

/** Validates the parts and returns the frozen definition. Throws ViewDeclarationError naming the culprit. */
export function buildDefinition(parts: DefinitionParts): ViewDefinition {
  const o = parts.options;
  checkIdentifier(parts, 'name', parts.name);
  checkIdentifier(parts, 'schema', parts.schema);
  const problem = queryProblem(parts.sql);
  if (problem) fail(parts, 'expression', problem, 'Give one SELECT query as SQL text or a SelectQueryBuilder.');
  const wrongKind = parts.kind === 'view' ? MATERIALIZED_ONLY : PLAIN_ONLY;
  for (const key of wrongKind) {
    if (o[key] !== undefined)
      fail(
        parts,
        key,
        parts.kind === 'view' ? 'applies to materialized views only' : 'applies to plain views only',
        parts.kind === 'view' ? 'Use @MaterializedView, or remove the option.' : 'Use @PgView, or remove the option.',
      );
  }
  let columns: string[] | undefined;
  if (o.columns !== undefined) {
    if (!Array.isArray(o.columns) || o.columns.length === 0)
      fail(
        parts,
        'columns',
        'must be a non-empty array of column names',
        'Write `columns: ["id", "name"]` or leave it out.',
      );
    columns = o.columns.map((c: unknown, i: number) => checkIdentifier(parts, `columns[${i}]`, c));
    if (new Set(columns).size !== columns.length)
      fail(parts, 'columns', 'lists a column twice', 'Name each column once.');
  }
  const recursive = bool(parts, 'recursive', o.recursive, false);
  if (recursive && !columns)
    fail(
      parts,
      'recursive',
      'needs `columns`',
      'PostgreSQL requires the column list of a recursive view: add `columns: [...]`.',
    );
  // Each described option is validated by its descriptor; one that does not apply to the kind gets its default.
  const values = Object.fromEntries(
    VIEW_OPTIONS.map((option) => [
      option.name,
      option.resolve(option.kinds.includes(parts.kind) ? o[option.name] : undefined, (problem, fix, name) =>
        fail(parts, name ?? option.name, problem, fix),
      ),
    ]),
  ) as unknown as ViewOptionValues;
  const primaryKey = resolvePrimaryKey(parts, o.primaryKey);
  const indexes = withKeyIndex(parts, normalizeIndexes(parts, o.indexes), primaryKey);
  if (columns) {
    const known = (option: string, names: readonly string[], fix: string) => {
      for (const c of names)
        if (!columns.includes(c))
          fail(
            parts,
            option,
            `names the column ${JSON.stringify(c)}, which the view does not have (columns: ${columns.join(', ')})`,
            fix,
          );
    };
    known('primaryKey', primaryKey ?? [], "Name one of the view's columns.");
    for (const index of indexes) known('indexes', index.columns, "Index one of the view's columns.");
  }
  const definition: ViewDefinition = {
    kind: parts.kind,
    schema: parts.schema,
    name: parts.name,
    sql: trimStatement(parts.sql),
    ...(columns ? { columns: Object.freeze(columns) } : {}),
    dependsOn: Object.freeze(parts.dependsOn.map((d) => Object.freeze({ schema: d.schema, name: d.name }))),
    ...values,
    synchronize: bool(parts, 'synchronize', o.synchronize, true),
    recursive,
    withData: bool(parts, 'withData', o.withData, true),
    indexes: Object.freeze(indexes),
    ...(parts.autoRefresh ? { autoRefresh: Object.freeze(parts.autoRefresh) } : {}),
    ...(primaryKey ? { primaryKey: Object.freeze(primaryKey) } : {}),
    ...refreshSettings(parts, o),
    source: parts.source,
    ...(parts.target ? { target: parts.target } : {}),
  };
  return Object.freeze(definition);
}
