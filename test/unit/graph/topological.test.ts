import { topologicalSort } from '../../../src/graph/topological';

describe('topologicalSort', () => {
  it('puts dependencies first whatever the insertion order', () => {
    const graph = new Map([
      ['c', ['b']],
      ['b', ['a']],
      ['a', []],
      ['d', ['a', 'c']],
    ]);
    expect(topologicalSort(graph)).toEqual({ ok: true, order: ['a', 'b', 'c', 'd'] });
  });

  it('keeps insertion order between independent nodes and ignores unknown dependencies', () => {
    expect(
      topologicalSort(
        new Map([
          ['x', ['table_outside']],
          ['y', []],
          ['w', []],
        ]),
      ),
    ).toEqual({ ok: true, order: ['x', 'y', 'w'] });
  });

  it('orders a 1000-node chain declared in reverse', () => {
    const graph = new Map(Array.from({ length: 1000 }, (_, i) => [`v${999 - i}`, 999 - i > 0 ? [`v${998 - i}`] : []]));
    const result = topologicalSort(graph);
    expect(result.ok && result.order.slice(0, 3)).toEqual(['v0', 'v1', 'v2']);
  });

  it('names the cycle', () => {
    const result = topologicalSort(
      new Map([
        ['a', ['b']],
        ['b', ['c']],
        ['c', ['a']],
        ['d', []],
      ]),
    );
    expect(result).toEqual({ ok: false, cycle: ['a', 'b', 'c', 'a'] });
  });
});
