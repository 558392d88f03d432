// Topological sort of a dependency graph: a real one (Kahn's algorithm), deterministic, and a cycle is
// reported with the nodes that form it.

/** A graph as "node -> the nodes it depends on". Nodes only mentioned as dependencies are ignored. */
export type SortInput = ReadonlyMap<string, Iterable<string>>;

export type SortResult = { ok: true; order: string[] } | { ok: false; cycle: string[] };

/**
 * Orders the graph's nodes so that every node comes after the nodes it depends on. Ties keep the
 * graph's insertion order. On a cycle, returns one cycle (first node repeated at the end).
 */
export function topologicalSort(graph: SortInput): SortResult {
  const nodes = [...graph.keys()];
  const position = new Map(nodes.map((n, i) => [n, i]));
  const pending = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const node of nodes) {
    const deps = new Set([...(graph.get(node) ?? [])].filter((d) => position.has(d) && d !== node));
    pending.set(node, deps.size);
    for (const dep of deps) dependents.set(dep, [...(dependents.get(dep) ?? []), node]);
  }
  // A min-heap would be faster; a sorted ready list keeps the order stable and is fine at thousands of views.
  const ready = nodes.filter((n) => pending.get(n) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    const node = ready.shift()!;
    order.push(node);
    const released: string[] = [];
    for (const dependent of dependents.get(node) ?? []) {
      const left = pending.get(dependent)! - 1;
      pending.set(dependent, left);
      if (left === 0) released.push(dependent);
    }
    if (released.length) {
      ready.push(...released);
      ready.sort((a, b) => position.get(a)! - position.get(b)!);
    }
  }
  if (order.length === nodes.length) return { ok: true, order };
  return { ok: false, cycle: findCycle(graph, new Set(nodes.filter((n) => pending.get(n)! > 0))) };
}

function findCycle(graph: SortInput, remaining: Set<string>): string[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const dep of graph.get(node) ?? []) {
      if (!remaining.has(dep)) continue;
      if (state.get(dep) === 'visiting') return [...stack.slice(stack.indexOf(dep)), dep];
      if (!state.has(dep)) {
        const found = visit(dep);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of remaining) {
    if (!state.has(node)) {
      const found = visit(node);
      if (found) return found;
    }
  }
  return [...remaining];
}
