// buildWatchGraph on hand-written catalog edges: which tables each auto-refreshed view watches, and
// which auto-refreshed views must be refreshed before which.
import { displayName, relationKey, type QualifiedName } from '../../../src/ddl/identifiers';
import { buildDefinition, type AutoRefreshDefinition, type ViewDefinition } from '../../../src/metadata/definition';
import { RelationGraph } from '../../../src/catalog/graph';
import { RELATION_KINDS, type DependencyEdge, type InheritancePair } from '../../../src/catalog/reader';
import { buildWatchGraph as buildFromGraph } from '../../../src/refresh/auto/graph';

const rel = (name: string): QualifiedName => {
  const [schema, n] = name.includes('.') ? name.split('.') : ['public', name];
  return { schema: schema!, name: n! };
};

function matview(name: string, autoRefresh?: { on?: string[] }): ViewDefinition {
  const auto: AutoRefreshDefinition | undefined = autoRefresh && {
    on: (autoRefresh.on ?? []).map(rel),
    concurrently: 'auto',
    debounceMs: 50,
    maxWaitMs: 1000,
  };
  return buildDefinition({
    kind: 'materialized',
    ...rel(name),
    sql: 'SELECT 1 AS one',
    dependsOn: [],
    source: `class ${name}`,
    options: {},
    ...(auto ? { autoRefresh: auto } : {}),
  });
}

const edge = (view: string, ref: string, refKind = 'r'): DependencyEdge => ({
  view: rel(view),
  ref: rel(ref),
  refKind: RELATION_KINDS[refKind]!,
  refColumns: [],
  refShape: '',
});
const buildWatchGraph = (
  definitions: readonly ViewDefinition[],
  edges: readonly DependencyEdge[],
  inheritance: readonly InheritancePair[],
) => buildFromGraph(definitions, new RelationGraph(edges, inheritance));
const inherits = (child: string, ancestor: string): InheritancePair => ({ child: rel(child), ancestor: rel(ancestor) });

/** relationKey strings back to sorted `schema.name`s. */
const names = (keys: Iterable<string> | undefined) =>
  [...(keys ?? [])].map((key) => (JSON.parse(key) as string[]).join('.')).sort();

// users <- active_users (view) <- user_stats (auto) <- top_users (auto) <- stats_page (view) <- report (auto)
// orders <- user_stats; payments <- top_users; orders <- manual_stats (not auto) <- summary (auto)
// measurements (partitioned: m_2024, m_2025 (partitioned: m_2025_q1)) <- sensor_stats (auto)
const edges = [
  edge('active_users', 'users'),
  edge('user_stats', 'active_users', 'v'),
  edge('user_stats', 'orders'),
  edge('top_users', 'user_stats', 'm'),
  edge('top_users', 'payments'),
  edge('stats_page', 'top_users', 'm'),
  edge('report', 'stats_page', 'v'),
  edge('manual_stats', 'orders'),
  edge('summary', 'manual_stats', 'm'),
  edge('sensor_stats', 'measurements', 'p'),
  edge('narrow', 'users'),
  edge('narrow', 'orders'),
  edge('narrow', 'payments'),
];
// As INHERITANCE_QUERY returns them: every (child, ancestor) pair at any depth.
const inheritance = [
  inherits('m_2024', 'measurements'),
  inherits('m_2025', 'measurements'),
  inherits('m_2025_q1', 'm_2025'),
  inherits('m_2025_q1', 'measurements'),
];
const definitions = [
  matview('user_stats', {}),
  matview('top_users', {}),
  matview('report', {}),
  matview('manual_stats'),
  matview('summary', {}),
  matview('sensor_stats', {}),
  matview('narrow', { on: ['orders', 'active_users'] }),
  matview('not_created_yet', {}),
];
const graph = buildWatchGraph(definitions, edges, inheritance);
const k = (name: string) => relationKey(rel(name));
const watched = (view: string) => graph.tablesByView.get(k(view))?.map(displayName).sort();

describe('buildWatchGraph', () => {
  it('keeps only materialized views declared with autoRefresh', () => {
    expect(names(graph.views.keys())).toEqual([
      'public.narrow',
      'public.not_created_yet',
      'public.report',
      'public.sensor_stats',
      'public.summary',
      'public.top_users',
      'public.user_stats',
    ]);
  });

  it('watches every table a view reads, through plain views and other materialized views', () => {
    expect(watched('user_stats')).toEqual(['public.orders', 'public.users']);
    expect(watched('top_users')).toEqual(['public.orders', 'public.payments', 'public.users']);
    expect(watched('report')).toEqual(['public.orders', 'public.payments', 'public.users']);
    expect(watched('summary')).toEqual(['public.orders']); // through manual_stats, not auto-refreshed
  });

  it('watches the partitions and inheritance children of a table at every depth', () => {
    expect(watched('sensor_stats')).toEqual([
      'public.m_2024',
      'public.m_2025',
      'public.m_2025_q1',
      'public.measurements',
    ]);
    // Direct pairs only are enough: children are followed recursively.
    const direct = buildWatchGraph(definitions, edges, [
      inherits('m_2025', 'measurements'),
      inherits('m_2025_q1', 'm_2025'),
    ]);
    expect(direct.tablesByView.get(k('sensor_stats'))?.map(displayName).sort()).toEqual([
      'public.m_2025',
      'public.m_2025_q1',
      'public.measurements',
    ]);
  });

  it('with autoRefresh.on, watches what those relations are or read, and nothing else the view reads', () => {
    expect(watched('narrow')).toEqual(['public.orders', 'public.users']);
    expect(graph.viewsByTable.get(k('payments'))?.has(k('narrow'))).toBe(false);
  });

  it('maps each table to every auto-refreshed view that a change to it makes stale', () => {
    expect(names(graph.viewsByTable.get(k('users')))).toEqual([
      'public.narrow',
      'public.report',
      'public.top_users',
      'public.user_stats',
    ]);
    expect(names(graph.viewsByTable.get(k('payments')))).toEqual(['public.report', 'public.top_users']);
    expect(names(graph.viewsByTable.get(k('m_2025_q1')))).toEqual(['public.sensor_stats']);
    // Views are no tables: their own changes come from their refreshes, not from writes.
    for (const view of ['active_users', 'user_stats', 'manual_stats', 'stats_page'])
      expect(graph.viewsByTable.has(k(view))).toBe(false);
  });

  it('orders auto-refreshed views that read each other, directly or through plain views', () => {
    expect(names(graph.upstream.get(k('user_stats')))).toEqual([]);
    expect(names(graph.upstream.get(k('top_users')))).toEqual(['public.user_stats']);
    expect(names(graph.upstream.get(k('report')))).toEqual(['public.top_users', 'public.user_stats']);
    expect(names(graph.upstream.get(k('summary')))).toEqual([]); // manual_stats is not auto-refreshed
    expect(names(graph.downstream.get(k('user_stats')))).toEqual(['public.report', 'public.top_users']);
    expect(names(graph.downstream.get(k('top_users')))).toEqual(['public.report']);
    expect(graph.downstream.has(k('report'))).toBe(false);
  });

  it('an upstream view follows from what the view reads, whatever autoRefresh.on says', () => {
    const g = buildWatchGraph(
      [matview('user_stats', {}), matview('top_users', { on: ['payments'] })],
      edges,
      inheritance,
    );
    expect(g.tablesByView.get(k('top_users'))?.map(displayName)).toEqual(['public.payments']);
    expect(names(g.upstream.get(k('top_users')))).toEqual(['public.user_stats']);
  });

  it('a declared view missing from the catalog watches nothing yet (the engine reloads the catalog)', () => {
    expect(watched('not_created_yet')).toEqual([]);
    expect(names(graph.upstream.get(k('not_created_yet')))).toEqual([]);
  });

  it('an auto-refreshed view that reads no relation is upstream of its readers, never a watched table', () => {
    const g = buildWatchGraph(
      [matview('constants', {}), matview('reader', {})],
      [edge('reader', 'constants', 'm'), edge('reader', 'users')],
      [],
    );
    expect(g.tablesByView.get(k('reader'))?.map(displayName)).toEqual(['public.users']);
    expect(names(g.upstream.get(k('reader')))).toEqual(['public.constants']);
    expect(g.viewsByTable.has(k('constants'))).toBe(false);
  });

  it('terminates on a cycle (the catalog should hold none, an edge list can)', () => {
    const g = buildWatchGraph(
      [matview('x', {})],
      [edge('x', 'y', 'v'), edge('y', 'z', 'v'), edge('z', 'y', 'v'), edge('z', 'users')],
      [],
    );
    expect(g.tablesByView.get(k('x'))?.map(displayName)).toEqual(['public.users']);
  });

  it('counts a relation reached along two paths once', () => {
    const g = buildWatchGraph(
      [matview('both', {})],
      [edge('both', 'active_users', 'v'), edge('both', 'users'), edge('active_users', 'users')],
      [],
    );
    expect(g.tablesByView.get(k('both'))?.map(displayName)).toEqual(['public.users']);
  });

  it('keeps schemas apart', () => {
    const g = buildWatchGraph(
      [matview('audit.stats', {})],
      [edge('audit.stats', 'audit.users'), edge('audit.stats', 'users')],
      [],
    );
    expect(g.tablesByView.get(k('audit.stats'))?.map(displayName).sort()).toEqual(['audit.users', 'public.users']);
    expect(names(g.viewsByTable.get(k('audit.users')))).toEqual(['audit.stats']);
  });
});
