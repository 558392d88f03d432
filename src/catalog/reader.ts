// Reads the catalog into a DatabaseState with a fixed number of queries, however many views exist.
import { qualifiedName, relationKey, type QualifiedName } from '../ddl/identifiers';
import { REGISTRY_SELECT_SQL } from '../ddl/registry';
import type { ViewKind } from '../metadata/definition';
import { DEPENDENCIES_QUERY, INHERITANCE_QUERY, MATVIEW_INDEXES_QUERY, SERVER_QUERY, VIEWS_QUERY } from './queries';

/** Anything that runs a query and returns rows: a TypeORM QueryRunner, EntityManager or DataSource. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export interface CatalogColumn {
  readonly name: string;
  readonly type: string;
  readonly collation: number;
}

export interface CatalogView extends QualifiedName {
  readonly kind: ViewKind;
  /** pg_get_viewdef: PostgreSQL's rendering of the query. */
  readonly definition: string;
  readonly populated: boolean;
  /** reloptions, e.g. `['check_option=local', 'fillfactor=70']`. */
  readonly options: readonly string[];
  readonly tablespace?: string;
  readonly comment?: string;
  readonly owner: string;
  /** relacl as text items (`grantee=privs/grantor`), or null for default privileges. */
  readonly acl: readonly string[] | null;
  readonly columns: readonly CatalogColumn[];
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
  readonly hasExpressions: boolean;
  readonly columns: readonly string[];
}

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

export interface DatabaseState {
  /** server_version_num, e.g. 150020. */
  readonly serverVersion: number;
  /** The role running the statements (current_user). */
  readonly currentUser: string;
  readonly views: ReadonlyMap<string, CatalogView>;
  /** Indexes of each materialized view, by relationKey of the view. */
  readonly indexes: ReadonlyMap<string, readonly CatalogIndex[]>;
  readonly edges: readonly DependencyEdge[];
  /** Every (partition or inheritance child, ancestor) pair, at any depth. */
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
  return {
    schema: String(r.schema),
    name: String(r.name),
    kind: r.kind === 'materialized' ? 'materialized' : 'view',
    definition: String(r.definition),
    populated: r.populated === true,
    options: arr(r.options),
    ...(tablespace ? { tablespace } : {}),
    ...(comment !== undefined ? { comment } : {}),
    owner: String(r.owner),
    acl: r.acl === null || r.acl === undefined ? null : arr(r.acl),
    columns: ((r.columns as Row[] | null) ?? []).map((c) => ({
      name: String(c.name),
      type: String(c.type),
      collation: Number(c.collation),
    })),
  };
}

function toIndex(r: Row): CatalogIndex {
  const predicate = str(r.predicate);
  return {
    schema: String(r.schema),
    view: String(r.view),
    name: String(r.name),
    unique: r.unique === true,
    valid: r.valid === true,
    method: String(r.method),
    definition: String(r.definition),
    ...(predicate ? { predicate } : {}),
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

/** An INHERITANCE_QUERY row as a pair. */
export function toInheritancePair(r: Row): InheritancePair {
  return {
    child: { schema: String(r.child_schema), name: String(r.child_name) },
    ancestor: { schema: String(r.ancestor_schema), name: String(r.ancestor_name) },
  };
}

/** Reads the whole state in 5 queries (4 when the registry table does not exist). */
export async function readDatabaseState(db: Queryable, registry: QualifiedName): Promise<DatabaseState> {
  const [server] = await rows(db, SERVER_QUERY, [qualifiedName(registry)]);
  const registryExists = server?.registry_exists === true;
  // One connection runs one query at a time: sequential awaits, not Promise.all.
  const viewRows = await rows(db, VIEWS_QUERY);
  const indexRows = await rows(db, MATVIEW_INDEXES_QUERY);
  const edgeRows = await rows(db, DEPENDENCIES_QUERY);
  const inheritRows = await rows(db, INHERITANCE_QUERY);
  const registryRows = registryExists ? await rows(db, REGISTRY_SELECT_SQL(registry)) : [];
  const views = new Map(viewRows.map((r) => toCatalogView(r)).map((v) => [relationKey(v), v]));
  const indexes = new Map<string, CatalogIndex[]>();
  for (const index of indexRows.map(toIndex)) {
    const key = relationKey({ schema: index.schema, name: index.view });
    indexes.set(key, [...(indexes.get(key) ?? []), index]);
  }
  const registryMap = new Map<string, RegistryRow>(
    registryRows.map((r) => {
      const row: RegistryRow = {
        schema: String(r.view_schema),
        name: String(r.view_name),
        kind: r.kind === 'materialized' ? 'materialized' : 'view',
        declaredHash: String(r.declared_hash),
        catalogHash: String(r.catalog_hash),
      };
      return [relationKey(row), row];
    }),
  );
  return {
    serverVersion: Number(server?.version_num ?? 0),
    currentUser: String(server?.current_user ?? ''),
    views,
    indexes,
    edges: edgeRows.map(toEdge),
    inheritance: inheritRows.map(toInheritancePair),
    registryExists,
    autoRefreshTriggers: server?.auto_refresh_triggers === true,
    registry: registryMap,
  };
}
