// Which auto-refreshed materialized views does a change to a table make stale? Answered from the catalog:
// the view -> relation edges of DEPENDENCIES_QUERY, followed through plain views and other materialized
// views, plus table inheritance (a query on a partitioned table reads its partitions).
import { RelationGraph } from '../../catalog/graph';
import { DEPENDENCIES_QUERY, INHERITANCE_QUERY } from '../../catalog/queries';
import { toEdge, toInheritancePair } from '../../catalog/reader';
import { relationKey, type QualifiedName } from '../../ddl/identifiers';
import type { ViewDefinition } from '../../metadata/definition';
import type { ViewTiming } from './window';

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
  /** View key -> its windows (autoRefresh timing and maxStalenessMs), built once per load. */
  readonly timing: ReadonlyMap<string, ViewTiming>;
}

/**
 * Builds the watch graph (pure). A view declared with `autoRefresh.on` watches what those relations
 * are or read; otherwise everything it reads. Relations are followed through views and materialized views
 * down to tables; partitions and inheritance children of a watched table are watched too.
 */
export function buildWatchGraph(definitions: readonly ViewDefinition[], graph: RelationGraph): WatchGraph {
  const reads = (key: string) => graph.edgesFrom(key).map((e) => e.ref);
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
      if (graph.readsAnything(key)) {
        if (viewsSeen.has(key)) continue;
        viewsSeen.add(key);
        stack.push(...reads(key));
      } else if (!tables.has(key)) {
        // No outgoing edges: a table (or a view that reads no relation, which then never changes).
        tables.set(key, rel);
        stack.push(...graph.descendantsOf(key));
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
    const start = declared.length > 0 ? [...declared] : reads(key);
    const { tables } = closure(start);
    const watched = [...tables.entries()].filter(([k]) => !views.has(k));
    for (const [k] of watched) viewsByTable.set(k, new Set([...(viewsByTable.get(k) ?? []), key]));
    tablesByView.set(
      key,
      watched.map(([, rel]) => rel),
    );
    // Upstream auto-refreshed matviews: whatever this view reads, through views, that is one of ours.
    const all = closure(reads(key));
    const ups = new Set([...all.viewsSeen, ...all.tables.keys()].filter((k) => k !== key && views.has(k)));
    upstream.set(key, ups);
    for (const u of ups) downstream.set(u, new Set([...(downstream.get(u) ?? []), key]));
  }
  const timing = new Map<string, ViewTiming>();
  for (const [key, d] of views)
    timing.set(key, {
      debounceMs: d.autoRefresh!.debounceMs,
      maxWaitMs: d.autoRefresh!.maxWaitMs,
      ...(d.maxStalenessMs !== undefined ? { maxStalenessMs: d.maxStalenessMs } : {}),
    });
  return { views, viewsByTable, tablesByView, upstream, downstream, timing };
}

type Query = (sql: string) => Promise<unknown>;

/** Reads the catalog's edges and inheritance pairs and builds the watch graph (2 queries). */
export async function loadWatchGraph(query: Query, definitions: readonly ViewDefinition[]): Promise<WatchGraph> {
  const edges = ((await query(DEPENDENCIES_QUERY)) as Record<string, unknown>[]).map(toEdge);
  const inheritance = ((await query(INHERITANCE_QUERY)) as Record<string, unknown>[]).map(toInheritancePair);
  return buildWatchGraph(definitions, new RelationGraph(edges, inheritance));
}
