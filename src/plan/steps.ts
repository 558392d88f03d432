// Phase 3 of the planner: the verdicts and the closure as ordered statements. Side-by-side builds first
// (they lock nothing readers use), then drops (readers before what they read), then creates, swaps,
// replaces and restores in dependency order, then changes in place. Pure.
import { graphOf, nameOfKey } from '../catalog/graph';
import type { DatabaseState } from '../catalog/reader';
import { relationKey, type QualifiedName } from '../ddl/identifiers';
import { accessStatements, handMadeExtras, restoreStatements } from '../ddl/restore';
import { mentionedNames } from '../ddl/sql-text';
import { buildStatements, swapStatements } from '../ddl/side-by-side';
import { createViewSql, createViewStatements, dropViewSql } from '../ddl/statements';
import { ViewDependencyCycleError } from '../errors';
import { topologicalSort } from '../graph/topological';
import type { ViewDefinition, ViewKind } from '../metadata/definition';
import type { Closure } from './closure';
import type { Verdict } from './compare';
import { inPlaceStatements } from './in-place';
import type { RebuildPlan } from './side-by-side';

/**
 * What a step does to its view: `create`, `replace` (CREATE OR REPLACE), `drop`, `restore` (re-create a view
 * not managed here as it was), `create-index`, `drop-index`, `comment`, `alter` (an option changed in place),
 * `build` (a side-by-side rebuild creates the new materialized view, its indexes or its comment under a
 * temporary name), `swap` (after the old one is dropped, the new one and its indexes take the declared names).
 */
export type StepAction =
  'create' | 'replace' | 'drop' | 'restore' | 'create-index' | 'drop-index' | 'comment' | 'alter' | 'build' | 'swap';

/** One statement of a plan, with the view it concerns and why it is there. */
export interface PlanStep {
  /** What it does. */
  readonly action: StepAction;
  /** The view it concerns. */
  readonly view: QualifiedName & {
    /** A view or a materialized view. */
    readonly kind: ViewKind;
  };
  /** The statement. */
  readonly sql: string;
  /** Why it is in the plan, e.g. `its query changed`. */
  readonly reason: string;
  /** Where the view was declared (`class UserStats`), when it is declared. */
  readonly source?: string;
}

/** The reason of a step creating a declared view that does not exist. */
export const NEW_VIEW = 'it is declared and does not exist';
/** The reason of the index and comment steps that come with creating a new view. */
export const WITH_NEW_VIEW = 'part of creating the view';

export interface StepContext {
  readonly state: DatabaseState;
  readonly declared: ReadonlyMap<string, ViewDefinition>;
  readonly managed: readonly ViewDefinition[];
  readonly verdicts: ReadonlyMap<string, Verdict>;
  readonly closure: Closure;
  /** Which rebuilt materialized views are built side by side (none when absent). */
  readonly rebuilds?: RebuildPlan;
}

/** The reason of every step of a side-by-side rebuild starts with this. */
export const SIDE_BY_SIDE = 'rebuilt side by side: ';

function step(
  ctx: StepContext,
  action: StepAction,
  view: QualifiedName & { kind: ViewKind },
  sql: string,
  reason: string,
): PlanStep {
  const d = ctx.declared.get(relationKey(view));
  return {
    action,
    view: { schema: view.schema, name: view.name, kind: view.kind },
    sql,
    reason,
    ...(d ? { source: d.source } : {}),
  };
}

/**
 * Drops of everything rebuilt, captured or removed that exists: readers before what they read, and among
 * equals the later in the closure first (the closure lists what was found first first).
 */
export function dropSteps(ctx: StepContext): PlanStep[] {
  const { rebuild, captured, removed } = ctx.closure;
  const graph = graphOf(ctx.state);
  const keys = [...rebuild.keys(), ...captured.keys(), ...removed.keys()].filter((k) => ctx.state.views.has(k));
  const dropped = new Set(keys);
  // Every reader of a dropped view is dropped too (closure.ts), so direct edges order them completely.
  const order = topologicalSort(new Map(keys.map((k) => [k, graph.readsOf(k).filter((r) => dropped.has(r))])));
  if (!order.ok) throw new ViewDependencyCycleError(order.cycle.map(nameOfKey), 'catalog');
  return [...order.order].reverse().map((k) => {
    const view = ctx.state.views.get(k)!;
    const extras = rebuild.has(k) ? handMadeExtras(view) : [];
    const reason = removed.has(k)
      ? 'it was created by typeorm-pgview and is no longer declared'
      : `${(rebuild.get(k) ?? captured.get(k))!}${extras.length ? `; not declared, so not kept: ${extras.join(', ')}` : ''}`;
    return step(ctx, 'drop', view, dropViewSql(view), reason);
  });
}

/**
 * The builds of side-by-side rebuilds, first in the plan: they lock only their new objects, so they run
 * before any step that takes a lock the old views' readers wait for.
 */
export function buildSteps(ctx: StepContext): PlanStep[] {
  const steps: PlanStep[] = [];
  for (const [k, names] of ctx.rebuilds?.sideBySide ?? []) {
    const d = ctx.declared.get(k)!;
    const existing = ctx.state.views.get(k)!;
    const reason = `${SIDE_BY_SIDE}${ctx.closure.rebuild.get(k)!}`;
    for (const sql of buildStatements(d, names, { withData: d.withData && existing.populated }))
      steps.push(step(ctx, 'build', d, sql, reason));
  }
  return steps;
}

/** The views being created, indexed by bare name and by qualified name, for `mentionedViews`. */
function mentionIndex(creating: readonly ViewDefinition[]) {
  const byName = new Map<string, string[]>();
  for (const c of creating) byName.set(c.name, [...(byName.get(c.name) ?? []), relationKey(c)]);
  return { byName, byQualified: new Set(creating.map(relationKey)) };
}

/** Soft ordering hints: other views being created that a declaration's SQL mentions by name. */
function mentionedViews(view: ViewDefinition, index: ReturnType<typeof mentionIndex>): string[] {
  const { single, qualified } = mentionedNames(view.sql);
  // relationKey is JSON.stringify([schema, name]): the same form mentionedNames uses for qualified pairs.
  const keys = new Set([...single].flatMap((name) => index.byName.get(name) ?? []));
  for (const pair of qualified) if (index.byQualified.has(pair)) keys.add(pair);
  keys.delete(relationKey(view));
  return [...keys];
}

/**
 * Creation order: hard edges (`dependsOn`, and what a restored view reads) always hold; soft ones (names a
 * declaration's SQL mentions, what the catalog says it reads now) hold unless they would form a cycle.
 */
function creationOrder(ctx: StepContext, keys: readonly string[]): string[] {
  const graph = graphOf(ctx.state);
  const wanted = new Set(keys);
  const index = mentionIndex(ctx.managed.filter((d) => wanted.has(relationKey(d))));
  const hard = new Map<string, string[]>();
  const soft = new Map<string, string[]>();
  for (const k of keys) {
    const d = ctx.declared.get(k);
    if (d?.synchronize) {
      hard.set(k, d.dependsOn.map(relationKey));
      soft.set(k, [...mentionedViews(d, index), ...graph.readsOf(k)]);
    } else hard.set(k, graph.readsOf(k));
  }
  const build = (withSoft: boolean) =>
    new Map(keys.map((k) => [k, [...(hard.get(k) ?? []), ...(withSoft ? (soft.get(k) ?? []) : [])]]));
  const first = topologicalSort(build(true));
  if (first.ok) return first.order;
  const second = topologicalSort(build(false));
  if (second.ok) return second.order;
  const declaredInCycle = second.cycle.some((k) => ctx.declared.get(k)?.synchronize);
  throw new ViewDependencyCycleError(second.cycle.map(nameOfKey), declaredInCycle ? 'declarations' : 'catalog');
}

/** Creates (new or rebuilt), replaces and restores, in dependency order. */
export function createSteps(ctx: StepContext): PlanStep[] {
  const { rebuild, captured } = ctx.closure;
  const { state, verdicts } = ctx;
  const replace = new Map<string, string>();
  for (const [k, v] of verdicts) if (v.kind === 'changes' && v.replace && !rebuild.has(k)) replace.set(k, v.replace);
  const keys = [
    ...ctx.managed.map(relationKey).filter((k) => verdicts.get(k)?.kind === 'new' || rebuild.has(k) || replace.has(k)),
    ...captured.keys(),
  ];
  const steps: PlanStep[] = [];
  for (const k of creationOrder(ctx, keys)) {
    const existing = state.views.get(k);
    const d = ctx.declared.get(k);
    if (captured.has(k)) {
      for (const sql of restoreStatements(existing!, state.indexes.get(k) ?? [], state.currentUser))
        steps.push(step(ctx, 'restore', existing!, sql, captured.get(k)!));
      continue;
    }
    if (!d) continue;
    if (replace.has(k)) {
      steps.push(step(ctx, 'replace', d, createViewSql(d, { orReplace: true }), replace.get(k)!));
      continue;
    }
    const names = ctx.rebuilds?.sideBySide.get(k);
    if (names) {
      const reason = `${SIDE_BY_SIDE}${rebuild.get(k)!}`;
      for (const sql of swapStatements(d, names)) steps.push(step(ctx, 'swap', d, sql, reason));
      for (const sql of accessStatements(existing!, state.currentUser))
        steps.push(step(ctx, 'restore', d, sql, `${reason}; privileges restored`));
      continue;
    }
    const wasPopulated = existing?.kind === 'materialized' ? existing.populated : true;
    const inPlace = ctx.rebuilds?.inPlace.get(k);
    const reason = rebuild.has(k)
      ? `rebuilt: ${rebuild.get(k)}${inPlace ? ` (in place, not side by side: ${inPlace})` : ''}`
      : NEW_VIEW;
    // The indexes and comment of a view being created are part of creating it, not changes of their own.
    const partReason = rebuild.has(k) ? reason : WITH_NEW_VIEW;
    createViewStatements(d, { withData: d.withData && wasPopulated }).forEach((sql, i) =>
      steps.push(
        i === 0
          ? step(ctx, 'create', d, sql, reason)
          : step(ctx, sql.startsWith('COMMENT') ? 'comment' : 'create-index', d, sql, partReason),
      ),
    );
    if (existing)
      for (const sql of accessStatements(existing, state.currentUser))
        steps.push(step(ctx, 'restore', d, sql, `${reason}; privileges restored`));
  }
  return steps;
}

/** Changes made in place on views that are neither rebuilt nor replaced: comments, options, indexes. */
export function inPlaceSteps(ctx: StepContext): PlanStep[] {
  const steps: PlanStep[] = [];
  for (const d of ctx.managed) {
    const k = relationKey(d);
    const v = ctx.verdicts.get(k);
    if (!v || v.kind !== 'changes' || ctx.closure.rebuild.has(k)) continue;
    for (const change of inPlaceStatements(d, ctx.state.views.get(k)!, v))
      steps.push(step(ctx, change.action, d, change.sql, change.reason));
  }
  return steps;
}
