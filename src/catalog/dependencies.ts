// Dependency questions answered from the real catalog (pg_depend + pg_rewrite + pg_class), for every view
// in the database, whether typeorm-pgview created it or not. Each call costs two queries: the relations
// (to resolve and check names) and every "view reads relation" edge; the graph is walked in memory.
import { relationKey, type QualifiedName } from '../ddl/identifiers';
import { withQueryRunner, type Target } from '../db/target';
import { RelationGraph } from './graph';
import { readEdges, readRelations, resolveRelation, type Relation, type RelationRef } from './relations';
import type { RelationKind } from './reader';

export type { RelationRef } from './relations';

/** A relation a view reads. */
export interface ViewDependency extends QualifiedName {
  /** What the relation is: table, view, materialized view, ... */
  readonly kind: RelationKind;
  /** The columns of it that the reading view uses (for a recursive walk: the view one step nearer). */
  readonly columns: readonly string[];
  /** 1 for what the view reads directly, 2 for what those read, ... */
  readonly depth: number;
}

/** A view or materialized view that reads a relation. */
export interface DependentView extends QualifiedName {
  /** A view or a materialized view. */
  readonly kind: 'view' | 'materialized';
  /** 1 for views that read the relation directly, 2 for views reading those, ... */
  readonly depth: number;
}

/** Options of getViewDependencies and getDependentViews. */
export interface DependencyOptions {
  /** Follow the graph to the end instead of one step. */
  recursive?: boolean;
}

interface Walk {
  readonly key: string;
  readonly graph: RelationGraph;
  readonly byKey: ReadonlyMap<string, Relation>;
}

/** Resolves `ref` against the relations that exist, then reads every edge: the two queries of each call. */
function fromRelation<T>(target: Target, ref: RelationRef, viewsOnly: boolean, answer: (walk: Walk) => T): Promise<T> {
  return withQueryRunner(target, async (queryRunner) => {
    const relations = await readRelations(queryRunner);
    const start = resolveRelation(queryRunner, relations, ref, { viewsOnly });
    const graph = new RelationGraph(await readEdges(queryRunner));
    return answer({ key: relationKey(start), graph, byKey: new Map(relations.map((r) => [relationKey(r), r])) });
  });
}

/**
 * What a view reads: tables, partitioned tables, views, materialized views, foreign tables, each with its
 * kind and the columns used. One step by default; `recursive: true` goes down to the tables, nearest first.
 *
 * @example
 * await getViewDependencies(ds, UserStats);
 * // [{ schema: 'public', name: 'active_users', kind: 'view', columns: ['id', 'name'], depth: 1 }, { ... 'orders' ... }]
 */
export async function getViewDependencies(
  target: Target,
  view: RelationRef,
  options: DependencyOptions = {},
): Promise<ViewDependency[]> {
  return fromRelation(target, view, true, ({ key, graph, byKey }) => {
    const steps = graph.walk(key, 'down', options.recursive ?? false);
    return steps.map((s) => {
      // The reader at depth d is some relation at depth d - 1 that reads s: take the nearest one found.
      const reader = [key, ...steps.filter((p) => p.depth === s.depth - 1).map((p) => p.key)].find((r) =>
        graph.edge(r, s.key),
      )!;
      const edge = graph.edge(reader, s.key)!;
      return {
        schema: s.relation.schema,
        name: s.relation.name,
        kind: byKey.get(s.key)?.kind ?? edge.refKind,
        columns: edge.refColumns,
        depth: s.depth,
      };
    });
  });
}

/**
 * The views and materialized views that read a relation (a table, a view, ...): everything that must be
 * dropped before the relation can be dropped or a column it reads changed. Transitive by default, nearest
 * first; `recursive: false` gives only direct readers.
 *
 * @example
 * await getDependentViews(ds, 'public.orders'); // [{ name: 'user_stats', kind: 'materialized', depth: 1 }, ...]
 */
export async function getDependentViews(
  target: Target,
  relation: RelationRef,
  options: DependencyOptions = {},
): Promise<DependentView[]> {
  return fromRelation(target, relation, false, ({ key, graph, byKey }) =>
    graph.walk(key, 'up', options.recursive ?? true).map((s) => ({
      schema: s.relation.schema,
      name: s.relation.name,
      kind: byKey.get(s.key)?.kind === 'materialized' ? 'materialized' : 'view',
      depth: s.depth,
    })),
  );
}

/**
 * The order to create views in: each after every view it reads (directly or through other views). Drop
 * them in the reverse order. Without `views`, orders every view and materialized view in the database;
 * with `views`, only those (each must exist).
 *
 * @example
 * const order = await getDependencyOrder(ds, [UserStats, ActiveUser]); // active_users, then user_stats
 */
export async function getDependencyOrder(
  target: Target,
  views?: readonly RelationRef[],
): Promise<(QualifiedName & Pick<DependentView, 'kind'>)[]> {
  return withQueryRunner(target, async (queryRunner) => {
    const relations = await readRelations(queryRunner);
    const chosen = views
      ? views.map((v) => resolveRelation(queryRunner, relations, v, { viewsOnly: true }))
      : relations.filter((r) => r.kind === 'view' || r.kind === 'materialized');
    const graph = new RelationGraph(await readEdges(queryRunner));
    const byKey = new Map(relations.map((r) => [relationKey(r), r]));
    return graph.creationOrder(chosen.map(relationKey)).map((k) => {
      const r = byKey.get(k)!;
      return { schema: r.schema, name: r.name, kind: r.kind === 'materialized' ? 'materialized' : 'view' };
    });
  });
}
