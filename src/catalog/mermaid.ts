// A Mermaid flowchart of "view reads relation" edges: the docs' diagrams are generated with it from the
// real catalog, so they show what PostgreSQL records, not what someone remembered. Pure.
import { relationKey, type QualifiedName } from '../ddl/identifiers';
import { withQueryRunner, type Target } from '../db/target';
import { compareKeys } from './graph';
import type { DependencyEdge, RelationKind } from './reader';
import { readEdges, readRelations } from './relations';

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
