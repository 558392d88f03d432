// Reads the catalog into a DatabaseState in one statement, however many views exist.
import { qualifiedName, relationKey, type QualifiedName } from '../ddl/identifiers';
import { REGISTRY_SELECT_SQL } from '../ddl/registry';
import type { ViewKind } from '../metadata/definition';
import { catalogStateQuery } from './queries';

/** Anything that runs a query and returns rows: a TypeORM QueryRunner, EntityManager or DataSource. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export interface CatalogColumn {
  readonly name: string;
  readonly type: string;
  readonly collation: number;
}

/** A column of a view with something set on it besides its name and type (none of these is the default). */
export interface CatalogColumnExtras {
  readonly name: string;
  readonly comment?: string;
  /** pg_get_expr of the column's default (views only: `ALTER VIEW ... ALTER COLUMN ... SET DEFAULT`). */
  readonly default?: string;
  /** attacl as text items, or null for none: column-level grants. */
  readonly acl: readonly string[] | null;
  /** attstattarget when set (`ALTER MATERIALIZED VIEW ... ALTER COLUMN ... SET STATISTICS`). */
  readonly statistics?: number;
}

/** A trigger or a rule (other than _RETURN) on a view, as PostgreSQL renders it. */
export interface CatalogViewObject {
  readonly name: string;
  /** pg_get_triggerdef / pg_get_ruledef. */
  readonly definition: string;
  readonly comment?: string;
}

/** A security label of a view (`column` absent) or of one of its columns. */
export interface CatalogSecurityLabel {
  readonly provider: string;
  readonly label: string;
  readonly column?: string;
}

/** An extended statistics object (CREATE STATISTICS) on a materialized view. */
export interface CatalogStatistics extends QualifiedName {
  /** pg_get_statisticsobjdef. */
  readonly definition: string;
  /** stxstattarget when set. */
  readonly target?: number;
  readonly owner: string;
  readonly comment?: string;
}

export interface CatalogView extends QualifiedName {
  readonly kind: ViewKind;
  /** pg_get_viewdef: PostgreSQL's rendering of the query. */
  readonly definition: string;
  readonly populated: boolean;
  /** reloptions, e.g. `['check_option=local', 'fillfactor=70']`. */
  readonly options: readonly string[];
  readonly tablespace?: string;
  /** A materialized view's table access method (`heap` unless made `USING` another). */
  readonly accessMethod?: string;
  readonly comment?: string;
  readonly owner: string;
  /** relacl as text items (`grantee=privs/grantor`), or null for default privileges. */
  readonly acl: readonly string[] | null;
  readonly columns: readonly CatalogColumn[];
  /** Columns with a comment, default, column-level grant or statistics target, in column order. */
  readonly columnExtras: readonly CatalogColumnExtras[];
  /** Triggers, by name (INSTEAD OF triggers and statement triggers of views). */
  readonly triggers: readonly CatalogViewObject[];
  /** Rules other than _RETURN, by name. */
  readonly rules: readonly CatalogViewObject[];
  readonly securityLabels: readonly CatalogSecurityLabel[];
  /** Extended statistics objects (materialized views). */
  readonly statistics: readonly CatalogStatistics[];
  /** The extension the view belongs to, if any. */
  readonly extension?: string;
  /**
   * Objects that depend on the view or its row type and are neither its own parts nor views reading it
   * (pg_describe_object text, e.g. `function app.f(app.v)`): DROP VIEW fails while they exist.
   */
  readonly blockers: readonly string[];
}

export interface CatalogIndex {
  readonly schema: string;
  readonly view: string;
  readonly name: string;
  readonly unique: boolean;
  readonly valid: boolean;
  readonly method: string;
  /** pg_get_indexdef: the CREATE INDEX statement as PostgreSQL renders it. */
  readonly definition: string;
  readonly predicate?: string;
  /** The index's own tablespace, when not the default (pg_get_indexdef leaves it out). */
  readonly tablespace?: string;
  readonly comment?: string;
  /** Whether the materialized view is clustered on it (`ALTER MATERIALIZED VIEW ... CLUSTER ON`). */
  readonly clustered: boolean;
  readonly hasExpressions: boolean;
  readonly columns: readonly string[];
}

/** What a relation is, as the dependency API reports it. */
export type RelationKind = 'table' | 'partitioned table' | 'foreign table' | 'view' | 'materialized';

export interface DependencyEdge {
  /** The view that reads. */
  readonly view: QualifiedName;
  /** The relation it reads. */
  readonly ref: QualifiedName;
  readonly refKind: RelationKind;
  /** The columns of `ref` it reads. */
  readonly refColumns: readonly string[];
  readonly refShape: string;
}

/** A table and one of its ancestors (any depth) in table inheritance or partitioning. */
export interface InheritancePair {
  readonly child: QualifiedName;
  readonly ancestor: QualifiedName;
}

export interface RegistryRow extends QualifiedName {
  readonly kind: ViewKind;
  readonly declaredHash: string;
  readonly catalogHash: string;
}

/** A table and one of its ancestors (parent, grandparent, ...) by inheritance or partitioning. */
export interface InheritancePair {
  readonly child: QualifiedName;
  readonly ancestor: QualifiedName;
}

export interface DatabaseState {
  /** server_version_num, e.g. 150020. */
  readonly serverVersion: number;
  /** The role running the statements (current_user). */
  readonly currentUser: string;
  readonly views: ReadonlyMap<string, CatalogView>;
  /** Indexes of each materialized view, by relationKey of the view. */
  readonly indexes: ReadonlyMap<string, readonly CatalogIndex[]>;
  readonly edges: readonly DependencyEdge[];
  /** Every (child, ancestor) pair of table inheritance and partitioning, at any depth. */
  readonly inheritance: readonly InheritancePair[];
  readonly registryExists: boolean;
  /** Whether some table carries the auto-refresh trigger (the `triggers` source is in use). */
  readonly autoRefreshTriggers: boolean;
  readonly registry: ReadonlyMap<string, RegistryRow>;
}

/** pg_class.relkind to our kind names. */
export const RELATION_KINDS: Record<string, RelationKind> = {
  r: 'table',
  p: 'partitioned table',
  f: 'foreign table',
  v: 'view',
  m: 'materialized',
};

type Row = Record<string, unknown>;

async function rows(db: Queryable, sql: string, parameters?: unknown[]): Promise<Row[]> {
  const result = await db.query(sql, parameters);
  return Array.isArray(result) ? (result as Row[]) : [];
}

const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
const arr = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

export function toCatalogView(r: Row): CatalogView {
  const tablespace = str(r.tablespace);
  const comment = str(r.comment);
  const extension = str(r.extension);
  const accessMethod = str(r.access_method);
  return {
    schema: String(r.schema),
    name: String(r.name),
    kind: r.kind === 'materialized' ? 'materialized' : 'view',
    definition: String(r.definition),
    populated: r.populated === true,
    options: arr(r.options),
    ...(tablespace ? { tablespace } : {}),
    ...(accessMethod ? { accessMethod } : {}),
    ...(comment !== undefined ? { comment } : {}),
    owner: String(r.owner),
    acl: r.acl === null || r.acl === undefined ? null : arr(r.acl),
    columns: ((r.columns as Row[] | null) ?? []).map((c) => ({
      name: String(c.name),
      type: String(c.type),
      collation: Number(c.collation),
    })),
    columnExtras: jsonArray(r.column_extras).map((c) => {
      const comment = str(c.comment);
      const defaultValue = str(c.default);
      const statistics = c.statistics === null || c.statistics === undefined ? undefined : Number(c.statistics);
      return {
        name: String(c.name),
        ...(comment !== undefined ? { comment } : {}),
        ...(defaultValue !== undefined ? { default: defaultValue } : {}),
        acl: c.acl === null || c.acl === undefined ? null : arr(c.acl),
        ...(statistics !== undefined ? { statistics } : {}),
      };
    }),
    triggers: jsonArray(r.triggers).map(toViewObject),
    rules: jsonArray(r.rules).map(toViewObject),
    securityLabels: jsonArray(r.security_labels).map((l) => {
      const column = str(l.column);
      return { provider: String(l.provider), label: String(l.label), ...(column !== undefined ? { column } : {}) };
    }),
    statistics: jsonArray(r.statistics).map((s) => {
      const comment = str(s.comment);
      const target = s.target === null || s.target === undefined ? undefined : Number(s.target);
      return {
        schema: String(s.schema),
        name: String(s.name),
        definition: String(s.definition),
        ...(target !== undefined ? { target } : {}),
        owner: String(s.owner),
        ...(comment !== undefined ? { comment } : {}),
      };
    }),
    ...(extension !== undefined ? { extension } : {}),
    blockers: arr(r.blockers).sort(),
  };
}

function toViewObject(r: Row): CatalogViewObject {
  const comment = str(r.comment);
  return {
    name: String(r.name),
    definition: String(r.definition),
    ...(comment !== undefined ? { comment } : {}),
  };
}

function toIndex(r: Row): CatalogIndex {
  const predicate = str(r.predicate);
  const tablespace = str(r.tablespace);
  const comment = str(r.comment);
  return {
    schema: String(r.schema),
    view: String(r.view),
    name: String(r.name),
    unique: r.unique === true,
    valid: r.valid === true,
    method: String(r.method),
    definition: String(r.definition),
    ...(predicate ? { predicate } : {}),
    ...(tablespace ? { tablespace } : {}),
    ...(comment !== undefined ? { comment } : {}),
    clustered: r.clustered === true,
    hasExpressions: r.has_expressions === true,
    columns: arr(r.columns),
  };
}

/** A DEPENDENCIES_QUERY row as an edge. */
export function toEdge(r: Row): DependencyEdge {
  return {
    view: { schema: String(r.view_schema), name: String(r.view_name) },
    ref: { schema: String(r.ref_schema), name: String(r.ref_name) },
    refKind: RELATION_KINDS[String(r.ref_kind)] ?? 'table',
    refColumns: arr(r.ref_columns).sort(),
    refShape: String(r.ref_shape ?? ''),
  };
}

function toRegistryRow(r: Row): RegistryRow {
  return {
    schema: String(r.view_schema),
    name: String(r.view_name),
    kind: r.kind === 'materialized' ? 'materialized' : 'view',
    declaredHash: String(r.declared_hash),
    catalogHash: String(r.catalog_hash),
  };
}

/** An INHERITANCE_QUERY row as a pair. */
export function toInheritancePair(r: Row): InheritancePair {
  return {
    child: { schema: String(r.child_schema), name: String(r.child_name) },
    ancestor: { schema: String(r.ancestor_schema), name: String(r.ancestor_name) },
  };
}

/** A json column of the catalog statement: pg parses json, but a driver may hand it over as text. */
function jsonArray(v: unknown): Row[] {
  const parsed: unknown = typeof v === 'string' ? JSON.parse(v) : v;
  return Array.isArray(parsed) ? (parsed as Row[]) : [];
}

export interface ReadOptions {
  /**
   * Whether the caller already knows that the registry table exists (syncViews learns it with its lock).
   * When true, the registry is read within the one catalog statement; otherwise it takes a second query
   * if the statement finds the table.
   */
  registryExists?: boolean;
}

/**
 * Reads the whole state in one statement (catalogStateQuery), plus one query for the registry's rows when
 * the table exists and `options.registryExists` did not say so.
 */
export async function readDatabaseState(
  db: Queryable,
  registry: QualifiedName,
  options: ReadOptions = {},
): Promise<DatabaseState> {
  const registrySelect = options.registryExists ? REGISTRY_SELECT_SQL(registry) : undefined;
  const [r] = await rows(db, catalogStateQuery(registrySelect), [qualifiedName(registry)]);
  const registryExists = r?.registry_exists === true;
  const registryRows = !registryExists
    ? []
    : registrySelect
      ? jsonArray(r?.registry)
      : await rows(db, REGISTRY_SELECT_SQL(registry)); // one connection, one query at a time: no Promise.all
  const views = new Map(
    jsonArray(r?.views)
      .map((row) => toCatalogView(row))
      .map((v) => [relationKey(v), v]),
  );
  const indexes = new Map<string, CatalogIndex[]>();
  for (const index of jsonArray(r?.indexes).map(toIndex)) {
    const key = relationKey({ schema: index.schema, name: index.view });
    const list = indexes.get(key);
    if (list) list.push(index);
    else indexes.set(key, [index]);
  }
  return {
    serverVersion: Number(r?.version_num ?? 0),
    currentUser: String(r?.current_user ?? ''),
    views,
    indexes,
    edges: jsonArray(r?.edges).map(toEdge),
    inheritance: jsonArray(r?.inheritance).map(toInheritancePair),
    registryExists,
    autoRefreshTriggers: r?.auto_refresh_triggers === true,
    registry: new Map(registryRows.map(toRegistryRow).map((row) => [relationKey(row), row])),
  };
}
