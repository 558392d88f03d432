// Which auto-refreshed materialized views does a change to a table make stale? Answered from the catalog:
// the view -> relation edges of DEPENDENCIES_QUERY, followed through plain views and other materialized
// views, plus table inheritance (a query on a partitioned table reads its partitions).
import { DEPENDENCIES_QUERY } from '../../catalog/queries';
import { relationKey, type QualifiedName } from '../../ddl/identifiers';
import type { ViewDefinition } from '../../metadata/definition';

/**
 * Every (child, ancestor) pair of table inheritance and partitioning, at any depth: a change to a
 * partition changes what a query on its ancestors returns.
 */
export const INHERITANCE_QUERY = `
WITH RECURSIVE up(child, ancestor) AS (
  SELECT inhrelid, inhparent FROM pg_inherits
  UNION
  SELECT up.child, i.inhparent FROM up JOIN pg_inherits i ON i.inhrelid = up.ancestor  -- one level further up
)
SELECT cn.nspname AS child_schema, c.relname AS child_name, an.nspname AS ancestor_schema, a.relname AS ancestor_name
  FROM up
  JOIN pg_class c ON c.oid = up.child
  JOIN pg_namespace cn ON cn.oid = c.relnamespace
  JOIN pg_class a ON a.oid = up.ancestor
  JOIN pg_namespace an ON an.oid = a.relnamespace`;

/** One "view reads relation" edge, and one inheritance pair, as read from the catalog. */
export interface CatalogEdge {
  view: QualifiedName;
  ref: QualifiedName;
  refKind: string;
}
export interface InheritancePair {
  child: QualifiedName;
  ancestor: QualifiedName;
}

/** The resolved watch graph of one DataSource. Keys are `relationKey` strings. */
export interface WatchGraph {
  /** Auto-refreshed views by key. */
  readonly views: ReadonlyMap<string, ViewDefinition>;
  /** Table key -> keys of the auto-refreshed views a change to it makes stale. */
  readonly viewsByTable: ReadonlyMap<string, ReadonlySet<string>>;
  /** View key -> the tables it watches (for trigger installation), as names. */
  readonly tablesByView: ReadonlyMap<string, readonly QualifiedName[]>;
  /** View key -> auto-refreshed views it reads (directly or through views): refreshed before it. */
  readonly upstream: ReadonlyMap<string, ReadonlySet<string>>;
  /** View key -> auto-refreshed views that read it: stale once it is refreshed. */
  readonly downstream: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Builds the watch graph (pure). A view declared with `autoRefresh.on` watches what those relations
 * are or read; otherwise everything it reads. Relations are followed through views and materialized views
 * down to tables; partitions and inheritance children of a watched table are watched too.
 */
export function buildWatchGraph(
  definitions: readonly ViewDefinition[],
  edges: readonly CatalogEdge[],
  inheritance: readonly InheritancePair[],
): WatchGraph {
  const reads = new Map<string, { rel: QualifiedName; kind: string }[]>();
  for (const e of edges) {
    const key = relationKey(e.view);
    reads.set(key, [...(reads.get(key) ?? []), { rel: e.ref, kind: e.refKind }]);
  }
  const children = new Map<string, QualifiedName[]>();
  for (const p of inheritance) {
    const key = relationKey(p.ancestor);
    children.set(key, [...(children.get(key) ?? []), p.child]);
  }
  const views = new Map(
    definitions.filter((d) => d.kind === 'materialized' && d.autoRefresh).map((d) => [relationKey(d), d] as const),
  );

  // Everything reachable from `start` through "reads" edges: tables (with their partitions) and views.
  const closure = (start: readonly QualifiedName[]) => {
    const tables = new Map<string, QualifiedName>();
    const viewsSeen = new Set<string>();
    const stack = [...start];
    while (stack.length) {
      const rel = stack.pop()!;
      const key = relationKey(rel);
      const next = reads.get(key);
      if (next) {
        if (viewsSeen.has(key)) continue;
        viewsSeen.add(key);
        stack.push(...next.map((n) => n.rel));
      } else if (!tables.has(key)) {
        // No outgoing edges: a table (or a view that reads no relation, which then never changes).
        tables.set(key, rel);
        stack.push(...(children.get(key) ?? []));
      }
    }
    return { tables, viewsSeen };
  };

  const viewsByTable = new Map<string, Set<string>>();
  const tablesByView = new Map<string, QualifiedName[]>();
  const upstream = new Map<string, Set<string>>();
  const downstream = new Map<string, Set<string>>();
  for (const [key, definition] of views) {
    const declared = definition.autoRefresh!.on;
    const start = declared.length > 0 ? [...declared] : (reads.get(key) ?? []).map((n) => n.rel);
    const { tables } = closure(start);
    const watched = [...tables.entries()].filter(([k]) => !views.has(k));
    for (const [k] of watched) viewsByTable.set(k, new Set([...(viewsByTable.get(k) ?? []), key]));
    tablesByView.set(
      key,
      watched.map(([, rel]) => rel),
    );
    // Upstream auto-refreshed matviews: whatever this view reads, through views, that is one of ours.
    const all = closure((reads.get(key) ?? []).map((n) => n.rel));
    const ups = new Set([...all.viewsSeen, ...all.tables.keys()].filter((k) => k !== key && views.has(k)));
    upstream.set(key, ups);
    for (const u of ups) downstream.set(u, new Set([...(downstream.get(u) ?? []), key]));
  }
  return { views, viewsByTable, tablesByView, upstream, downstream };
}

type Query = (sql: string) => Promise<unknown>;

/** Reads the catalog and builds the watch graph (2 queries). */
export async function loadWatchGraph(query: Query, definitions: readonly ViewDefinition[]): Promise<WatchGraph> {
  const rows = (await query(DEPENDENCIES_QUERY)) as Record<string, string>[];
  const edges = rows.map((r) => ({
    view: { schema: r.view_schema!, name: r.view_name! },
    ref: { schema: r.ref_schema!, name: r.ref_name! },
    refKind: r.ref_kind!,
  }));
  const inherit = (await query(INHERITANCE_QUERY)) as Record<string, string>[];
  const inheritance = inherit.map((r) => ({
    child: { schema: r.child_schema!, name: r.child_name! },
    ancestor: { schema: r.ancestor_schema!, name: r.ancestor_name! },
  }));
  return buildWatchGraph(definitions, edges, inheritance);
}
