// The dependency graph of tables, views and materialized views, from the catalog, and its drawings: a
// Mermaid flowchart (the docs' diagrams are generated with it from the real catalog, so they show what
// PostgreSQL records, not what someone remembered) and Graphviz dot. The renderers are pure.
import { relationKey, type QualifiedName } from '../ddl/identifiers';
import { withQueryRunner, type Target } from '../db/target';
import { ViewNotFoundError } from '../errors';
import { compareKeys, RelationGraph } from './graph';
import type { DependencyEdge, RelationKind } from './reader';
import { readEdges, readRelations, resolveRelation, type RelationRef } from './relations';

/** Mermaid label text: quoted, with the characters Mermaid treats specially written as entities. */
function label(text: string): string {
  return `"${text.replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;')}"`;
}

function shape(kind: RelationKind | undefined, text: string): string {
  if (kind === 'view') return `[${label(text)}]`;
  if (kind === 'materialized') return `[[${label(text)}]]`;
  return `[(${label(text)})]`; // tables of every kind: a cylinder
}

/**
 * A `flowchart LR` with an arrow from each relation to each view that reads it. Tables are cylinders,
 * views boxes, materialized views double-edged boxes. Names in `defaultSchema` are shown without it.
 * Only relations that take part in an edge appear; order is by schema and name, so output is stable.
 */
export function mermaidDiagram(
  edges: readonly DependencyEdge[],
  kinds: ReadonlyMap<string, RelationKind>,
  defaultSchema = 'public',
): string {
  const names = new Map<string, QualifiedName>();
  for (const e of edges) {
    names.set(relationKey(e.view), e.view);
    names.set(relationKey(e.ref), e.ref);
  }
  const keys = [...names.keys()].sort(compareKeys);
  const id = new Map(keys.map((k, i) => [k, `n${i}`]));
  const lines = ['flowchart LR'];
  for (const k of keys) {
    const n = names.get(k)!;
    lines.push(`  ${id.get(k)}${shape(kinds.get(k), n.schema === defaultSchema ? n.name : `${n.schema}.${n.name}`)}`);
  }
  const arrows = edges
    .map((e) => [relationKey(e.ref), relationKey(e.view)] as const)
    .sort(([a1, b1], [a2, b2]) => compareKeys(a1, a2) || compareKeys(b1, b2))
    .map(([from, to]) => `  ${id.get(from)} --> ${id.get(to)}`);
  return [...lines, ...arrows].join('\n');
}

/**
 * A Mermaid diagram of the database's views and what they read, from the catalog (two queries).
 * `schema` keeps only views in that schema (what they read is shown wherever it lives).
 *
 * @example
 * console.log('```mermaid\n' + (await getDependencyDiagram(ds)) + '\n```');
 */
export async function getDependencyDiagram(target: Target, options: { schema?: string } = {}): Promise<string> {
  return withQueryRunner(target, async (queryRunner) => {
    const relations = await readRelations(queryRunner);
    const edges = (await readEdges(queryRunner)).filter(
      (e) => options.schema === undefined || e.view.schema === options.schema,
    );
    const kinds = new Map(relations.map((r) => [relationKey(r), r.kind]));
    return mermaidDiagram(edges, kinds, options.schema ?? 'public');
  });
}

/** A relation of the dependency graph. */
export interface GraphNode extends QualifiedName {
  /** What the relation is: table, view, materialized view, ... */
  readonly kind: RelationKind;
}

/** `to` reads `from`: an arrow in the direction data flows. */
export interface GraphEdge {
  /** The relation read. */
  readonly from: QualifiedName;
  /** The view reading it. */
  readonly to: QualifiedName;
}

/** The shape of `typeorm-pgview graph --format json` (with `version: 1` at its top level). */
export interface DependencyGraph {
  /** By schema, then name. */
  readonly nodes: readonly GraphNode[];
  /** By `from`, then `to`. */
  readonly edges: readonly GraphEdge[];
}

/** Options of getDependencyGraph. */
export interface DependencyGraphOptions {
  /** Only views in this schema, and what they read wherever it lives. */
  schema?: string;
  /** Only this view, what it reads and what reads it, at any depth (a class, `'name'` or `'schema.name'`). */
  view?: RelationRef;
}

/**
 * The graph of tables, views and materialized views: every view (and materialized view) with every
 * relation it reads, from the catalog (two queries), whether typeorm-pgview manages the views or not.
 *
 * @example
 * const { nodes, edges } = await getDependencyGraph(ds, { view: 'public.user_stats' });
 * console.log(renderDot({ nodes, edges }));
 */
export async function getDependencyGraph(
  target: Target,
  options: DependencyGraphOptions = {},
): Promise<DependencyGraph> {
  return withQueryRunner(target, async (queryRunner) => {
    const relations = await readRelations(queryRunner);
    const all = await readEdges(queryRunner);
    const kinds = new Map(relations.map((r) => [relationKey(r), r.kind]));
    for (const e of all) if (!kinds.has(relationKey(e.ref))) kinds.set(relationKey(e.ref), e.refKind);
    let keep: (key: string) => boolean = () => true;
    if (options.view !== undefined) {
      const start = relationKey(resolveRelation(queryRunner, relations, options.view, { viewsOnly: true }));
      const graph = new RelationGraph(all);
      const near = new Set([
        start,
        ...graph.walk(start, 'down', true).map((s) => s.key),
        ...graph.walk(start, 'up', true).map((s) => s.key),
      ]);
      keep = (key) => near.has(key);
    }
    const edges = all.filter(
      (e) =>
        (options.schema === undefined || e.view.schema === options.schema) &&
        keep(relationKey(e.view)) &&
        keep(relationKey(e.ref)),
    );
    const names = new Map<string, QualifiedName>();
    for (const r of relations)
      if (
        (r.kind === 'view' || r.kind === 'materialized') &&
        (options.schema === undefined || r.schema === options.schema) &&
        keep(relationKey(r))
      )
        names.set(relationKey(r), r);
    for (const e of edges) {
      names.set(relationKey(e.view), e.view);
      names.set(relationKey(e.ref), e.ref);
    }
    if (options.schema !== undefined && names.size === 0 && !relations.some((r) => r.schema === options.schema))
      throw new ViewNotFoundError(`Schema ${options.schema} has no relations. Check the schema's name.`);
    return {
      nodes: [...names.keys()].sort(compareKeys).map((k) => {
        const n = names.get(k)!;
        return { schema: n.schema, name: n.name, kind: kinds.get(k) ?? 'table' };
      }),
      edges: edges
        .map((e) => ({
          from: { schema: e.ref.schema, name: e.ref.name },
          to: { schema: e.view.schema, name: e.view.name },
        }))
        .sort(
          (a, b) =>
            compareKeys(relationKey(a.from), relationKey(b.from)) || compareKeys(relationKey(a.to), relationKey(b.to)),
        ),
    };
  });
}

const shown = (n: QualifiedName, defaultSchema: string) =>
  n.schema === defaultSchema ? n.name : `${n.schema}.${n.name}`;

/**
 * The graph as a Mermaid `flowchart LR`: tables are cylinders, views boxes, materialized views
 * double-edged boxes; names in `defaultSchema` are shown without it.
 */
export function renderMermaid(graph: DependencyGraph, defaultSchema = 'public'): string {
  const id = new Map(graph.nodes.map((n, i) => [relationKey(n), `n${i}`]));
  return [
    'flowchart LR',
    ...graph.nodes.map((n) => `  ${id.get(relationKey(n))}${shape(n.kind, shown(n, defaultSchema))}`),
    ...graph.edges.map((e) => `  ${id.get(relationKey(e.from))} --> ${id.get(relationKey(e.to))}`),
  ].join('\n');
}

const DOT_SHAPES: Record<RelationKind, string> = {
  table: 'shape=cylinder',
  'partitioned table': 'shape=cylinder, peripheries=2',
  'foreign table': 'shape=cylinder, style=dashed',
  view: 'shape=box',
  materialized: 'shape=box, peripheries=2',
};

/** A dot string: `"` and `\` escaped (PostgreSQL names may hold both). */
function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The graph in Graphviz dot (`dot -Tsvg`): tables are cylinders, views boxes, materialized views
 * double-bordered boxes, partitioned tables double cylinders, foreign tables dashed.
 */
export function renderDot(graph: DependencyGraph, defaultSchema = 'public'): string {
  const id = (n: QualifiedName) => dotString(`${n.schema}.${n.name}`);
  return [
    'digraph dependencies {',
    '  rankdir=LR;',
    ...graph.nodes.map((n) => `  ${id(n)} [label=${dotString(shown(n, defaultSchema))}, ${DOT_SHAPES[n.kind]}];`),
    ...graph.edges.map((e) => `  ${id(e.from)} -> ${id(e.to)};`),
    '}',
  ].join('\n');
}
