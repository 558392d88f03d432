import { RelationGraph } from '../../../src/catalog/graph';
import { mermaidDiagram } from '../../../src/catalog/mermaid';
import type { DependencyEdge, RelationKind } from '../../../src/catalog/reader';
import { ViewDependencyCycleError } from '../../../src/errors';

const k = (name: string, schema = 'public') => JSON.stringify([schema, name]);
const edge = (
  view: string,
  ref: string,
  refKind: RelationKind = 'table',
  refColumns: string[] = [],
): DependencyEdge => ({
  view: { schema: 'public', name: view },
  ref: { schema: 'public', name: ref },
  refKind,
  refColumns,
  refShape: '',
});

// t1 <- a <- c, t2 <- b <- c, c <- d: a diamond over two tables.
const edges = [
  edge('a', 't1'),
  edge('b', 't2'),
  edge('c', 'a', 'view'),
  edge('c', 'b', 'view'),
  edge('d', 'c', 'view'),
];

describe('RelationGraph', () => {
  const graph = new RelationGraph(edges);

  it('walks up and down, nearest first, each relation once at its shortest depth', () => {
    expect(graph.walk(k('t1'), 'up', true).map((s) => [s.relation.name, s.depth])).toEqual([
      ['a', 1],
      ['c', 2],
      ['d', 3],
    ]);
    expect(graph.walk(k('d'), 'down', true).map((s) => [s.relation.name, s.depth])).toEqual([
      ['c', 1],
      ['a', 2],
      ['b', 2],
      ['t1', 3],
      ['t2', 3],
    ]);
    expect(graph.walk(k('c'), 'down', false).map((s) => s.relation.name)).toEqual(['a', 'b']);
  });

  it('orders a subset for creation through relations left out of it', () => {
    expect(graph.creationOrder([k('d'), k('a')])).toEqual([k('a'), k('d')]);
    expect(graph.creationOrder([k('d'), k('c'), k('b'), k('a')])).toEqual([k('a'), k('b'), k('c'), k('d')]);
  });

  it('reports a cycle (the catalog cannot hold one, an edge list can)', () => {
    const cyclic = new RelationGraph([edge('x', 'y', 'view'), edge('y', 'x', 'view')]);
    expect(() => cyclic.creationOrder([k('x'), k('y')])).toThrow(ViewDependencyCycleError);
  });
});

describe('mermaidDiagram', () => {
  it('draws tables as cylinders, views as boxes, matviews double-edged, escaping labels', () => {
    const kinds = new Map<string, RelationKind>([
      [k('orders'), 'table'],
      [k('stats'), 'materialized'],
      [k('Top "10"', 'rep'), 'view'],
    ]);
    const diagram = mermaidDiagram(
      [edge('stats', 'orders'), { ...edge('x', 'stats', 'materialized'), view: { schema: 'rep', name: 'Top "10"' } }],
      kinds,
    );
    expect(diagram).toBe(
      [
        'flowchart LR',
        '  n0[("orders")]',
        '  n1[["stats"]]',
        '  n2["rep.Top #quot;10#quot;"]',
        '  n0 --> n1',
        '  n1 --> n2',
      ].join('\n'),
    );
  });
});
