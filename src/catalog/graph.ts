// The one "view reads relation" graph of the catalog, walked in memory: built once per DatabaseState (or
// per edge list) from pg_depend / pg_rewrite edges and pg_inherits pairs, it answers "what does X read",
// "what reads X", creation order and partitions, to any depth, with no further round trips. Sync, schema
// sync, the migration generator, refresh cascade, auto-refresh watching and the dependency API all use it.
// Pure. Keys are `relationKey` strings.
import { relationKey, type QualifiedName } from '../ddl/identifiers';
import { ViewDependencyCycleError } from '../errors';
import { topologicalSort } from '../graph/topological';
import type { DatabaseState, DependencyEdge, InheritancePair } from './reader';

/** A relation found by a walk, with how far it is from where the walk started (1 = direct). */
export interface WalkStep {
  readonly key: string;
  readonly relation: QualifiedName;
  readonly depth: number;
}

export class RelationGraph {
  private readonly reads = new Map<string, Map<string, DependencyEdge>>();
  private readonly readBy = new Map<string, Map<string, DependencyEdge>>();
  private readonly names = new Map<string, QualifiedName>();
  private readonly children = new Map<string, QualifiedName[]>();

  constructor(
    readonly edges: readonly DependencyEdge[],
    inheritance: readonly InheritancePair[] = [],
  ) {
    for (const edge of edges) {
      const view = relationKey(edge.view);
      const ref = relationKey(edge.ref);
      this.names.set(view, edge.view);
      this.names.set(ref, edge.ref);
      (this.reads.get(view) ?? this.reads.set(view, new Map()).get(view)!).set(ref, edge);
      (this.readBy.get(ref) ?? this.readBy.set(ref, new Map()).get(ref)!).set(view, edge);
    }
    for (const pair of inheritance) {
      const key = relationKey(pair.ancestor);
      (this.children.get(key) ?? this.children.set(key, []).get(key)!).push(pair.child);
    }
  }

  /** The edge "view reads ref", if any. */
  edge(view: string, ref: string): DependencyEdge | undefined {
    return this.reads.get(view)?.get(ref);
  }

  /** The edges of what `view` reads directly. */
  edgesFrom(view: string): DependencyEdge[] {
    return [...(this.reads.get(view)?.values() ?? [])];
  }

  /** Keys of the relations `key` reads directly. */
  readsOf(key: string): string[] {
    return [...(this.reads.get(key)?.keys() ?? [])];
  }

  /** Keys of the views that read `key` directly. */
  readersOf(key: string): string[] {
    return [...(this.readBy.get(key)?.keys() ?? [])];
  }

  /** Whether `key` reads anything (a view or materialized view with recorded edges). */
  readsAnything(key: string): boolean {
    return this.reads.has(key);
  }

  /** Partitions and inheritance children of a table, at any depth: a change to them changes what it returns. */
  descendantsOf(key: string): readonly QualifiedName[] {
    return this.children.get(key) ?? [];
  }

  /**
   * Breadth-first walk from `start` (excluded) along "reads" (`down`) or "is read by" (`up`) edges: each
   * relation once, at its shortest distance, nearest first; ties in schema, name order.
   */
  walk(start: string, direction: 'down' | 'up', recursive: boolean): WalkStep[] {
    const next = (k: string) => (direction === 'down' ? this.readsOf(k) : this.readersOf(k));
    const seen = new Set([start]);
    const found: WalkStep[] = [];
    let frontier = [start];
    for (let depth = 1; frontier.length > 0 && (recursive || depth === 1); depth++) {
      const level = [...new Set(frontier.flatMap(next))].filter((k) => !seen.has(k)).sort(compareKeys);
      for (const k of level) {
        seen.add(k);
        found.push({ key: k, relation: this.names.get(k) ?? nameOfKey(k), depth });
      }
      frontier = level;
    }
    return found;
  }

  /** `keys` and everything that reads one of them, at any depth. */
  withReaders(keys: Iterable<string>): Set<string> {
    const out = new Set(keys);
    const queue = [...out];
    while (queue.length) {
      const key = queue.shift()!;
      for (const reader of this.readersOf(key)) {
        if (out.has(reader)) continue;
        out.add(reader);
        queue.push(reader);
      }
    }
    return out;
  }

  /**
   * Creation order of `keys`: each after every other key it reads, directly or through relations not in
   * `keys`. Drop order is the reverse. Ties in schema, name order. A cycle is a ViewDependencyCycleError.
   */
  creationOrder(keys: Iterable<string>): string[] {
    const wanted = new Set(keys);
    const sorted = [...wanted].sort(compareKeys);
    // Dependencies through relations outside `keys` still count: use the transitive closure.
    const graph = new Map(
      sorted.map((k) => [
        k,
        this.walk(k, 'down', true)
          .map((s) => s.key)
          .filter((d) => wanted.has(d)),
      ]),
    );
    const result = topologicalSort(graph);
    if (!result.ok) throw new ViewDependencyCycleError(result.cycle.map(nameOfKey), 'catalog');
    return result.order;
  }
}

const graphs = new WeakMap<DatabaseState, RelationGraph>();

/** The graph of a catalog state, built once per state. */
export function graphOf(state: DatabaseState): RelationGraph {
  let graph = graphs.get(state);
  if (!graph) graphs.set(state, (graph = new RelationGraph(state.edges, state.inheritance)));
  return graph;
}

/** The name a `relationKey` stands for. */
export function nameOfKey(key: string): QualifiedName {
  const [schema, name] = JSON.parse(key) as [string, string];
  return { schema, name };
}

/** Orders relation keys by schema, then name. */
export function compareKeys(a: string, b: string): number {
  const [sa, na] = JSON.parse(a) as [string, string];
  const [sb, nb] = JSON.parse(b) as [string, string];
  return sa < sb ? -1 : sa > sb ? 1 : na < nb ? -1 : na > nb ? 1 : 0;
}
