// Phase 2 of the planner: what else must go because a view is rebuilt or removed. Everything that reads a
// rebuilt or removed view is dropped first and created again after it: declared views from their
// declarations (rebuilt too), the others exactly as the catalog has them (captured). Pure.
import { graphOf } from '../catalog/graph';
import type { CatalogView, DatabaseState } from '../catalog/reader';
import { assertRestorable } from '../ddl/restore';
import { displayName, relationKey, type QualifiedName } from '../ddl/identifiers';
import { PlanError } from '../errors';
import type { ViewDefinition } from '../metadata/definition';
import type { Verdict } from './compare';

export interface Closure {
  /** Declared views dropped and created again, with why. */
  readonly rebuild: ReadonlyMap<string, string>;
  /** Views not managed here, dropped and restored exactly as they were, with why. */
  readonly captured: ReadonlyMap<string, string>;
  /** Views this library created that are no longer declared: dropped for good. */
  readonly removed: ReadonlyMap<string, CatalogView>;
  /** Registry rows to delete. */
  readonly unregister: readonly QualifiedName[];
}

/** Registered views (created by this library) that are no longer declared, by relationKey. */
export function leavingViews(state: DatabaseState, definitions: readonly ViewDefinition[]): Set<string> {
  const declared = new Set(definitions.map(relationKey));
  return new Set([...state.registry.keys()].filter((k) => !declared.has(k)));
}

export interface ClosureInput {
  readonly verdicts: ReadonlyMap<string, Verdict>;
  readonly declared: ReadonlyMap<string, ViewDefinition>;
  readonly state: DatabaseState;
  readonly dropUndeclared: boolean;
}

/**
 * The closure of the rebuilds under "is read by". Refuses (PlanError) to remove a view that a view not
 * managed here reads: it could not be restored without it.
 */
export function closureOf(input: ClosureInput): Closure {
  const { verdicts, declared, state } = input;
  const graph = graphOf(state);
  const rebuild = new Map<string, string>();
  for (const [k, v] of verdicts) if (v.kind === 'rebuild') rebuild.set(k, v.reason);

  const removed = new Map<string, CatalogView>();
  const unregister: QualifiedName[] = [];
  if (input.dropUndeclared)
    for (const k of leavingViews(state, [...declared.values()])) {
      const row = state.registry.get(k)!;
      unregister.push({ schema: row.schema, name: row.name });
      const existing = state.views.get(k);
      if (existing) removed.set(k, existing);
    }

  const captured = new Map<string, string>();
  const queue = [...rebuild.keys(), ...removed.keys()];
  while (queue.length > 0) {
    const k = queue.shift()!;
    const view = displayName(state.views.get(k)!);
    for (const dependent of graph.readersOf(k)) {
      if (rebuild.has(dependent) || captured.has(dependent) || removed.has(dependent)) continue;
      const d = declared.get(dependent);
      const reader = displayName(state.views.get(dependent)!);
      if (removed.has(k) && !d?.synchronize)
        throw new PlanError(
          `Cannot drop view ${view} (created by typeorm-pgview, no longer declared): view ${reader} reads it and is not managed here. Drop or change ${reader} first, or declare ${view} again. Nothing was changed.`,
        );
      const what = `it reads ${view}, which is ${removed.has(k) ? 'dropped' : 'rebuilt'}`;
      if (d?.synchronize) rebuild.set(dependent, what);
      else {
        assertRestorable(state.views.get(dependent)!);
        captured.set(
          dependent,
          `${what}; ${d ? 'declared with synchronize: false' : 'not managed by typeorm-pgview'}, so it is restored exactly as it was`,
        );
      }
      queue.push(dependent);
    }
  }
  return { rebuild, captured, removed, unregister };
}
