// The CLI's table, colours and units; the replication host of a failed connection; graph renderers.
import { failedReplicaHost } from '../../src/cli/data-source';
import { colourFor, formatBytes, formatDuration, table, visibleLength } from '../../src/cli/output';
import { renderDot, renderMermaid, type DependencyGraph } from '../../src/catalog/mermaid';

describe('colourFor', () => {
  it('colours a terminal only, NO_COLOR and FORCE_COLOR as everywhere', () => {
    expect(colourFor({ isTTY: true }, {}).red('x')).toBe('\u001b[31mx\u001b[39m');
    expect(colourFor({ isTTY: false }, {}).red('x')).toBe('x');
    expect(colourFor({}, {}).bold('x')).toBe('x');
    expect(colourFor({ isTTY: true }, { NO_COLOR: '1' }).red('x')).toBe('x');
    expect(colourFor({ isTTY: false }, { FORCE_COLOR: '1' }).red('x')).toBe('\u001b[31mx\u001b[39m');
  });
});

describe('table', () => {
  it('aligns on visible width, colour codes aside, with no trailing blanks', () => {
    const c = colourFor({ isTTY: true }, {});
    const text = table(
      ['A', 'BB', 'C'],
      [
        [c.red('long'), 'x', ''],
        ['y', 'zzz', 'end'],
      ],
      c,
    );
    expect(
      text
        .split('\u001b')
        .map((part, i) => (i === 0 ? part : part.replace(/^\[[0-9;]*m/, '')))
        .join(''),
    ).toBe('A     BB   C\nlong  x\ny     zzz  end');
    expect(visibleLength(c.green('héllo'))).toBe(5);
  });
});

describe('units', () => {
  it.each([
    [0, '0 bytes'],
    [1023, '1023 bytes'],
    [1024, '1.0 kB'],
    [24576, '24 kB'],
    [5 * 1024 * 1024, '5.0 MB'],
  ])('formatBytes(%d) = %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));
  it.each([
    [12.4, '12 ms'],
    [2345, '2.3 s'],
    [245_000, '4 min 05 s'],
  ])('formatDuration(%d) = %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('failedReplicaHost', () => {
  const options = {
    type: 'postgres',
    replication: {
      master: { host: '10.0.0.1', port: 5432 },
      slaves: [{ host: '10.0.0.2', port: 5433 }, { url: 'postgres://u@replica.example:6432/db' }],
    },
  } as never;
  it('names the server a refused connection tried', () => {
    expect(failedReplicaHost(options, { address: '10.0.0.1', port: 5432 })).toBe('master 10.0.0.1:5432');
    expect(failedReplicaHost(options, { address: '10.0.0.2', port: 5433 })).toBe('slave 1 10.0.0.2:5433');
    expect(failedReplicaHost(options, { message: 'getaddrinfo ENOTFOUND replica.example:6432' })).toBe(
      'slave 2 replica.example:6432',
    );
  });
  it('says nothing when it cannot tell, or without replication', () => {
    expect(failedReplicaHost(options, new Error('password authentication failed'))).toBeUndefined();
    expect(failedReplicaHost({ type: 'postgres' } as never, { address: '10.0.0.1', port: 5432 })).toBeUndefined();
  });
});

describe('graph renderers', () => {
  const graph: DependencyGraph = {
    nodes: [
      { schema: 'public', name: 'orders', kind: 'table' },
      { schema: 'public', name: 'paid', kind: 'view' },
      { schema: 'rep', name: 'say "hi"', kind: 'materialized' },
    ],
    edges: [
      { from: { schema: 'public', name: 'orders' }, to: { schema: 'public', name: 'paid' } },
      { from: { schema: 'public', name: 'paid' }, to: { schema: 'rep', name: 'say "hi"' } },
    ],
  };
  it('mermaid: shapes by kind, the default schema left out, labels escaped', () => {
    expect(renderMermaid(graph)).toBe(
      'flowchart LR\n  n0[("orders")]\n  n1["paid"]\n  n2[["rep.say #quot;hi#quot;"]]\n  n0 --> n1\n  n1 --> n2',
    );
  });
  it('dot: shapes by kind, quotes escaped', () => {
    expect(renderDot(graph)).toBe(
      [
        'digraph dependencies {',
        '  rankdir=LR;',
        '  "public.orders" [label="orders", shape=cylinder];',
        '  "public.paid" [label="paid", shape=box];',
        '  "rep.say \\"hi\\"" [label="rep.say \\"hi\\"", shape=box, peripheries=2];',
        '  "public.orders" -> "public.paid";',
        '  "public.paid" -> "rep.say \\"hi\\"";',
        '}',
      ].join('\n'),
    );
  });
});
