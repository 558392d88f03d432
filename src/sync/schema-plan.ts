// Which views must make way for TypeORM's table changes, in which order, and whether each can come back.
// Pure: the changes, the catalog state and the declarations in; drop/recreate lists or a refusal out.
import type { DatabaseState } from '../catalog/reader';
import { DependencyGraph } from '../catalog/dependency-graph';
import { displayName, relationKey, type QualifiedName } from '../ddl/identifiers';
import { SyncError } from '../errors';
import type { ViewDefinition } from '../metadata/definition';
import { collidesWithViews, type TableChange } from './schema-statements';

/** A view dropped before TypeORM's statements and created again after them. */
export interface RebuiltView extends QualifiedName {
  readonly kind: 'view' | 'materialized';
  /** Declared (with synchronize) in the DataSource: re-created from its declaration. Otherwise restored from the catalog. */
  readonly managed: boolean;
  /** Why it has to go: the table column it reads, or the view it reads that goes. */
  readonly reason: string;
  /** Columns of changed tables it reads directly, as `schema.table.column` (for error messages). */
  readonly readsChanged: readonly string[];
}

export interface SchemaPlan {
  /** Views to re-create, in creation order; drop them in the reverse order. */
  readonly views: readonly RebuiltView[];
}

/**
 * Plans around `changes` (by relationKey of the table; partitions and inheritance children are given
 * under their own keys, pointing to their parent's change). A view is affected when it reads a dropped
 * table, or a dropped or retyped column (or the whole row) of a changed table, or an affected view.
 * Refuses, naming the view and the column, when a view that is not declared here reads something that
 * disappears: its captured definition could not be restored.
 */
export function planSchemaChange(
  changes: ReadonlyMap<string, TableChange>,
  state: DatabaseState,
  definitions: readonly ViewDefinition[],
): SchemaPlan {
  const graph = new DependencyGraph(state.edges);
  const managed = new Set(definitions.filter((d) => d.synchronize).map(relationKey));
  const reasons = new Map<string, string>();
  const readsChanged = new Map<string, string[]>();
  for (const edge of state.edges) {
    const change = changes.get(relationKey(edge.ref));
    if (!change || !collidesWithViews(change)) continue;
    const viewKey = relationKey(edge.view);
    if (!state.views.has(viewKey)) continue;
    const table = displayName(edge.ref);
    const hit = change.dropped
      ? edge.refColumns
      : edge.refColumns.filter((c) => change.droppedColumns.has(c) || change.retypedColumns.has(c));
    // No column recorded: the view uses the whole row (or only counts rows); rebuilding it is the safe side.
    if (!change.dropped && hit.length === 0 && edge.refColumns.length > 0) continue;
    if (!managed.has(viewKey)) refuseIfGone(edge.view, edge.ref, change, hit);
    readsChanged.set(viewKey, [...(readsChanged.get(viewKey) ?? []), ...hit.map((c) => `${table}.${c}`)]);
    if (!reasons.has(viewKey))
      reasons.set(
        viewKey,
        change.dropped
          ? `it reads table ${table}, which is dropped`
          : hit.length
            ? `it reads ${hit.map((c) => `${table}.${c}`).join(', ')}, which ${hit.length > 1 ? 'change' : 'changes'}`
            : `it reads table ${table} as a whole (no single columns recorded), which changes`,
      );
  }
  // Everything reading an affected view goes too, and comes back after it.
  const queue = [...reasons.keys()];
  while (queue.length > 0) {
    const key = queue.shift()!;
    for (const reader of graph.readersOf(key)) {
      if (reasons.has(reader) || !state.views.has(reader)) continue;
      reasons.set(reader, `it reads ${displayName(state.views.get(key)!)}, which is rebuilt`);
      queue.push(reader);
    }
  }
  const order = graph.creationOrder([...reasons.keys()]);
  return {
    views: order.map((key) => {
      const view = state.views.get(key)!;
      return {
        schema: view.schema,
        name: view.name,
        kind: view.kind,
        managed: managed.has(key),
        reason: reasons.get(key)!,
        readsChanged: readsChanged.get(key) ?? [],
      };
    }),
  };
}

function refuseIfGone(view: QualifiedName, table: QualifiedName, change: TableChange, hit: readonly string[]): void {
  const where = `View ${displayName(view)} (not declared in this DataSource, so it is restored from its current definition)`;
  if (change.dropped)
    throw new SyncError(
      `${where} reads table ${displayName(table)}, which TypeORM's schema sync drops: it could not be restored. Drop or change ${displayName(view)} first, or keep the entity. Nothing was changed.`,
    );
  const gone = hit.filter((c) => change.droppedColumns.has(c));
  if (gone.length)
    throw new SyncError(
      `${where} reads column ${gone.map((c) => `"${c}"`).join(', ')} of ${displayName(table)}, which TypeORM's schema sync drops: it could not be restored. Change or drop ${displayName(view)} first, or keep the column in the entity. Nothing was changed.`,
    );
}
