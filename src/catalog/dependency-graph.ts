// The "view reads relation" graph of the catalog, walked in memory: one DEPENDENCIES_QUERY gives every edge,
// so answering "what does X read" or "what reads X", to any depth, costs no further round trips. Pure.
import { relationKey, type QualifiedName } from '../ddl/identifiers';
import { ViewDependencyCycleError } from '../errors';
import { topologicalSort } from '../graph/topological';
import type { DependencyEdge, RelationKind } from './reader';

/** A relation found by a walk, with how far it is from where the walk started (1 = direct). */
export interface WalkStep {
  readonly key: string;
  readonly relation: QualifiedName;
  readonly depth: number;
}

export class DependencyGraph {
  private readonly reads = new Map<string, Map<string, DependencyEdge>>();
  private readonly readBy = new Map<string, Map<string, DependencyEdge>>();
  private readonly names = new Map<string, QualifiedName>();
  private readonly kinds = new Map<string, RelationKind>();

  constructor(readonly edges: readonly DependencyEdge[]) {
    for (const edge of edges) {
      const view = relationKey(edge.view);
      const ref = relationKey(edge.ref);
      this.names.set(view, edge.view);
      this.names.set(ref, edge.ref);
      this.kinds.set(ref, edge.refKind);
      (this.reads.get(view) ?? this.reads.set(view, new Map()).get(view)!).set(ref, edge);
      (this.readBy.get(ref) ?? this.readBy.set(ref, new Map()).get(ref)!).set(view, edge);
    }
  }

  /** The edge "view reads ref", if any. */
  edge(view: string, ref: string): DependencyEdge | undefined {
    return this.reads.get(view)?.get(ref);
  }

  /** Keys of the relations `key` reads directly. */
  readsOf(key: string): string[] {
    return [...(this.reads.get(key)?.keys() ?? [])];
  }

  /** Keys of the views that read `key` directly. */
  readersOf(key: string): string[] {
    return [...(this.readBy.get(key)?.keys() ?? [])];
  }

  /** The kind of a relation that some view reads (undefined for a relation nothing reads). */
  kindOf(key: string): RelationKind | undefined {
    return this.kinds.get(key);
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
        found.push({ key: k, relation: this.names.get(k)!, depth });
      }
      frontier = level;
    }
    return found;
  }

  /**
   * Creation order of `keys`: each after every other key it reads, directly or through relations not in
   * `keys`. Drop order is the reverse. Ties in schema, name order.
   */
  creationOrder(keys: readonly string[]): string[] {
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
    if (!result.ok) throw new ViewDependencyCycleError(result.cycle.map((k) => (JSON.parse(k) as string[]).join('.')));
    return result.order;
  }
}

/** Orders relation keys by schema, then name. */
export function compareKeys(a: string, b: string): number {
  const [sa, na] = JSON.parse(a) as [string, string];
  const [sb, nb] = JSON.parse(b) as [string, string];
  return sa < sb ? -1 : sa > sb ? 1 : na < nb ? -1 : na > nb ? 1 : 0;
}
