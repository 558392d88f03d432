// Which views must make way for TypeORM's table changes, in which order, and whether each can come back.
// One analysis for synchronizeSchema, the migration generator's up() and its down(). Pure: the pending
// statements, the catalog state and the declarations in; the views to drop and re-create, or a refusal, out.
import { graphOf } from '../catalog/graph';
import type { DatabaseState } from '../catalog/reader';
import { displayName, quoteIdentifier, relationKey, type QualifiedName } from '../ddl/identifiers';
import { PlanError } from '../errors';
import type { ViewDefinition } from '../metadata/definition';
import { collidesWithViews, tableChanges, viewsDroppedBy, type TableChange } from './table-statements';

/** A view dropped before the table statements and created again after them. */
export interface RebuiltView extends QualifiedName {
  /** A view or a materialized view. */
  readonly kind: 'view' | 'materialized';
  /** Declared (with synchronize) in the DataSource: re-created from its declaration. Otherwise restored from the catalog. */
  readonly managed: boolean;
  /** Why it has to go: the table column it reads, or the view it reads that goes. */
  readonly reason: string;
  /** Columns of changed tables it reads directly, as `schema.table.column` (for error messages). */
  readonly readsChanged: readonly string[];
}

export interface TableImpactInput {
  /** The table statements, in the order they run (TypeORM's up or down queries). */
  readonly statements: readonly string[];
  /** The schema of unqualified names (the connection's current schema). */
  readonly defaultSchema: string;
  readonly state: DatabaseState;
  readonly definitions: readonly ViewDefinition[];
  /**
   * Refuse, naming the view and the column, when a view not declared here reads something that disappears
   * (its captured definition could not be restored). Default true; a down() restores an older catalog
   * state, where everything it drops existed, so it passes false.
   */
  readonly refuse?: boolean;
  /** Views that are dropped for good afterwards (registered and no longer declared): never refused. */
  readonly leaving?: ReadonlySet<string>;
}

export interface TableImpact {
  /** What the statements do to each table, by relationKey; partitions and inheritance children share their root's change. */
  readonly changes: ReadonlyMap<string, TableChange>;
  /** Tables the statements change in a way that collides with views (their partitions share the change). */
  readonly changedTables: readonly QualifiedName[];
  /** Views to drop (in the reverse order) and re-create (in this order). */
  readonly views: readonly RebuiltView[];
}

/** ALTER TABLE and DROP TABLE recurse into partitions and inheritance children: they share the change. */
function withDescendants(changes: Map<string, TableChange>, state: DatabaseState): Map<string, TableChange> {
  const graph = graphOf(state);
  const all = new Map(changes);
  for (const [key, change] of changes) {
    if (!collidesWithViews(change)) continue;
    for (const child of graph.descendantsOf(key)) if (!all.has(relationKey(child))) all.set(relationKey(child), change);
  }
  return all;
}

/**
 * The impact of `statements` on the views of `state`. A view is affected when it reads a dropped table, a
 * dropped or retyped column of a changed table (or its whole row: no single column recorded), or an
 * affected view.
 */
export function tableImpact(input: TableImpactInput): TableImpact {
  const { state } = input;
  const changes = withDescendants(tableChanges(input.statements, input.defaultSchema), state);
  // The tables the statements change; a partition's entry shares its root's change, so it counts once.
  const changedTables = [
    ...new Map([...changes.values()].filter(collidesWithViews).map((c) => [relationKey(c.table), c.table])).values(),
  ];
  if (changedTables.length === 0) return { changes, changedTables, views: [] };

  const graph = graphOf(state);
  const managed = new Set(input.definitions.filter((d) => d.synchronize).map(relationKey));
  // Views the statements drop themselves (TypeORM's own view entities): not moved aside, but their readers are.
  const droppedByStatements = viewsDroppedBy(input.statements, input.defaultSchema);
  const reasons = new Map<string, string>();
  const readsChanged = new Map<string, string[]>();
  for (const edge of state.edges) {
    const change = changes.get(relationKey(edge.ref));
    if (!change || !collidesWithViews(change)) continue;
    const viewKey = relationKey(edge.view);
    if (!state.views.has(viewKey) || droppedByStatements.has(viewKey)) continue;
    const table = displayName(edge.ref);
    const hit = change.dropped
      ? edge.refColumns
      : edge.refColumns.filter((c) => change.droppedColumns.has(c) || change.retypedColumns.has(c));
    // No column recorded: the view uses the whole row (or only counts rows); rebuilding it is the safe side.
    if (!change.dropped && hit.length === 0 && edge.refColumns.length > 0) continue;
    if ((input.refuse ?? true) && !managed.has(viewKey) && !input.leaving?.has(viewKey))
      refuseIfGone(edge.view, edge.ref, change, hit);
    readsChanged.set(viewKey, [...(readsChanged.get(viewKey) ?? []), ...hit.map((c) => `${table}.${c}`)]);
    if (!reasons.has(viewKey)) reasons.set(viewKey, reasonFor(change, table, hit));
  }
  // Everything reading an affected view goes too, and comes back after it.
  const queue = [...reasons.keys(), ...[...droppedByStatements].filter((k) => state.views.has(k))];
  while (queue.length > 0) {
    const read = queue.shift()!;
    for (const reader of graph.readersOf(read)) {
      if (reasons.has(reader) || !state.views.has(reader) || droppedByStatements.has(reader)) continue;
      reasons.set(reader, `it reads ${displayName(state.views.get(read)!)}, which is rebuilt`);
      queue.push(reader);
    }
  }
  const views = graph.creationOrder(reasons.keys()).map((key) => {
    const view = state.views.get(key)!;
    return {
      schema: view.schema,
      name: view.name,
      kind: view.kind,
      managed: managed.has(key),
      reason: reasons.get(key)!,
      readsChanged: readsChanged.get(key) ?? [],
    };
  });
  return { changes, changedTables, views };
}

function reasonFor(change: TableChange, table: string, hit: readonly string[]): string {
  if (change.dropped) return `it reads table ${table}, which is dropped`;
  if (hit.length === 0) return `it reads table ${table} as a whole (no single columns recorded), which changes`;
  return `it reads ${hit.map((c) => `${table}.${c}`).join(', ')}, which ${hit.length > 1 ? 'change' : 'changes'}`;
}

function refuseIfGone(view: QualifiedName, table: QualifiedName, change: TableChange, hit: readonly string[]): void {
  const where = `View ${displayName(view)} (not declared in this DataSource, so it is restored from its current definition)`;
  if (change.dropped)
    throw new PlanError(
      `${where} reads table ${displayName(table)}, which TypeORM's schema changes drop: it could not be restored. Drop or change ${displayName(view)} first, or keep the entity. Nothing was changed.`,
    );
  const gone = hit.filter((c) => change.droppedColumns.has(c));
  if (gone.length)
    throw new PlanError(
      `${where} reads column ${gone.map((c) => quoteIdentifier(c)).join(', ')} of ${displayName(table)}, which TypeORM's schema changes drop: it could not be restored. Change or drop ${displayName(view)} first, or keep the column in the entity. Nothing was changed.`,
    );
}
