// The planner: declarations + catalog state + probe results in, an ordered list of steps out. Pure.
// One planner serves syncViews, dry runs and the migration generator, so they agree on what changed.
import type { CatalogView, DatabaseState } from '../catalog/reader';
import {
  createIndexSql,
  createViewSql,
  createViewStatements,
  commentSql,
  dropIndexSql,
  dropViewSql,
} from '../ddl/statements';
import {
  describeView,
  displayName,
  qualifiedName,
  quoteIdentifier,
  quoteLiteral,
  relationKey,
  type QualifiedName,
} from '../ddl/identifiers';
import { mentionedNames } from '../ddl/sql-text';
import { accessStatements, restoreStatements } from '../ddl/restore';
import { ViewDependencyCycleError, SyncError, UnsupportedServerError } from '../errors';
import { topologicalSort } from '../graph/topological';
import type { ViewDefinition, ViewKind } from '../metadata/definition';
import { compareWithProbe, firstLook, type ProbeResult, type Verdict } from './compare';

export type StepAction =
  'create' | 'replace' | 'drop' | 'restore' | 'create-index' | 'drop-index' | 'comment' | 'alter';

/** One statement of a plan, with the view it concerns and why it is there. */
/** The reason of a step creating a declared view that does not exist. */
export const NEW_VIEW = 'it is declared and does not exist';
/** The reason of the index and comment steps that come with creating a new view. */
export const WITH_NEW_VIEW = 'part of creating the view';

export interface PlanStep {
  readonly action: StepAction;
  readonly view: QualifiedName & { readonly kind: ViewKind };
  readonly sql: string;
  readonly reason: string;
  /** Where the view was declared (`class UserStats`), when it is declared. */
  readonly source?: string;
}

export interface Plan {
  readonly steps: readonly PlanStep[];
  /** Declared views that need no statement. */
  readonly unchanged: readonly QualifiedName[];
  /** Registry rows to delete: views this library created that are no longer declared. */
  readonly unregister: readonly QualifiedName[];
}

export interface PlanInput {
  readonly definitions: readonly ViewDefinition[];
  readonly state: DatabaseState;
  readonly probes: ReadonlyMap<string, ProbeResult>;
  /** Drop views this library created that are no longer declared (default true). */
  readonly dropUndeclared?: boolean;
}

/** The declared views whose verdict needs a probe (see probe.ts). */
export function viewsToProbe(definitions: readonly ViewDefinition[], state: DatabaseState): ViewDefinition[] {
  return definitions.filter(
    (d) => d.synchronize && !(d.kind === 'view' && d.recursive) && firstLook(d, state).kind === 'probe',
  );
}

/** Throws when the declared `dependsOn` graph has a cycle (whether or not anything changes). */
export function checkDeclaredCycles(definitions: readonly ViewDefinition[]): void {
  const result = topologicalSort(new Map(definitions.map((d) => [displayName(d), d.dependsOn.map(displayName)])));
  if (!result.ok) throw new ViewDependencyCycleError(result.cycle);
}

function checkServer(definitions: readonly ViewDefinition[], state: DatabaseState): void {
  const major = Math.floor(state.serverVersion / 10000);
  for (const d of definitions)
    if (d.synchronize && d.securityInvoker && major < 15)
      throw new UnsupportedServerError(
        `${d.source} (${describeView(d)}): option \`securityInvoker\` needs PostgreSQL 15 or later; this server is ${major}. Remove the option or upgrade the server.`,
      );
}

/** "view reads relation" edges of the catalog, both ways, by relation key. */
function catalogGraph(state: DatabaseState) {
  const reads = new Map<string, Set<string>>();
  const readBy = new Map<string, Set<string>>();
  for (const e of state.edges) {
    const v = relationKey(e.view);
    const r = relationKey(e.ref);
    (reads.get(v) ?? reads.set(v, new Set()).get(v)!).add(r);
    (readBy.get(r) ?? readBy.set(r, new Set()).get(r)!).add(v);
  }
  return { reads, readBy };
}

/** The views being created, indexed by bare name and by qualified name, for `mentionedViews`. */
function mentionIndex(candidates: readonly ViewDefinition[]) {
  const byName = new Map<string, string[]>();
  for (const c of candidates) byName.set(c.name, [...(byName.get(c.name) ?? []), relationKey(c)]);
  return { byName, byQualified: new Set(candidates.map(relationKey)) };
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

function sortOrFail(keys: readonly string[], hard: Map<string, Set<string>>, soft: Map<string, Set<string>>): string[] {
  const build = (withSoft: boolean) =>
    new Map(keys.map((k) => [k, [...(hard.get(k) ?? []), ...(withSoft ? (soft.get(k) ?? []) : [])]]));
  const first = topologicalSort(build(true));
  if (first.ok) return first.order;
  const second = topologicalSort(build(false));
  if (second.ok) return second.order;
  throw new ViewDependencyCycleError(second.cycle.map((k) => (JSON.parse(k) as string[]).join('.')));
}

/** Builds the plan. Throws on cycles, on unsupported options, and on drops that would break unmanaged views. */
export function planSync(input: PlanInput): Plan {
  const { definitions, state, probes } = input;
  const dropUndeclared = input.dropUndeclared ?? true;
  checkDeclaredCycles(definitions);
  checkServer(definitions, state);
  const declared = new Map(definitions.map((d) => [relationKey(d), d]));
  const managed = definitions.filter((d) => d.synchronize);
  const { reads, readBy } = catalogGraph(state);
  const catalogView = (k: string) => state.views.get(k);

  const verdicts = new Map<string, Verdict>();
  for (const d of managed) {
    const k = relationKey(d);
    let verdict = firstLook(d, state);
    if (verdict.kind === 'probe')
      verdict = compareWithProbe(d, catalogView(k)!, state.indexes.get(k) ?? [], probes.get(k));
    verdicts.set(k, verdict);
  }

  const rebuild = new Map<string, string>();
  for (const [k, v] of verdicts) if (v.kind === 'rebuild') rebuild.set(k, v.reason);

  const removed = new Map<string, CatalogView>();
  const unregister: QualifiedName[] = [];
  for (const [k, row] of state.registry) {
    if (declared.has(k) || !dropUndeclared) continue;
    unregister.push({ schema: row.schema, name: row.name });
    const existing = catalogView(k);
    if (existing) removed.set(k, existing);
  }

  // Everything that reads a rebuilt or removed view must be dropped first and re-created after it.
  const captured = new Map<string, string>();
  const queue = [...rebuild.keys(), ...removed.keys()];
  while (queue.length > 0) {
    const k = queue.shift()!;
    for (const dependent of readBy.get(k) ?? []) {
      if (rebuild.has(dependent) || captured.has(dependent) || removed.has(dependent)) continue;
      const d = declared.get(dependent);
      const what = `it reads ${displayName(catalogView(k)!)}, which is ${removed.has(k) ? 'dropped' : 'rebuilt'}`;
      if (removed.has(k) && !(d && d.synchronize)) {
        throw new SyncError(
          `Cannot drop view ${displayName(catalogView(k)!)} (created by typeorm-pgview, no longer declared): view ${displayName(catalogView(dependent)!)} reads it and is not managed here. Drop or change ${displayName(catalogView(dependent)!)} first, or declare ${displayName(catalogView(k)!)} again.`,
        );
      }
      if (d && d.synchronize) rebuild.set(dependent, what);
      else
        captured.set(
          dependent,
          `${what}; ${d ? 'declared with synchronize: false' : 'not managed by typeorm-pgview'}, so it is restored exactly as it was`,
        );
      queue.push(dependent);
    }
  }

  const steps: PlanStep[] = [];
  const stepFor = (
    action: StepAction,
    view: QualifiedName & { kind: ViewKind },
    sql: string,
    reason: string,
  ): PlanStep => {
    const d = declared.get(relationKey(view));
    return {
      action,
      view: { schema: view.schema, name: view.name, kind: view.kind },
      sql,
      reason,
      ...(d ? { source: d.source } : {}),
    };
  };

  // Drops: dependents before what they read.
  const dropKeys = [...rebuild.keys(), ...captured.keys(), ...removed.keys()].filter((k) => catalogView(k));
  const dropSet = new Set(dropKeys);
  const dropOrder = topologicalSort(
    new Map(dropKeys.map((k) => [k, [...(reads.get(k) ?? [])].filter((r) => dropSet.has(r))])),
  );
  if (!dropOrder.ok) throw new ViewDependencyCycleError(dropOrder.cycle);
  for (const k of [...dropOrder.order].reverse()) {
    const view = catalogView(k)!;
    const reason = removed.has(k)
      ? 'it was created by typeorm-pgview and is no longer declared'
      : (rebuild.get(k) ?? captured.get(k))!;
    steps.push(stepFor('drop', view, dropViewSql(view), reason));
  }

  // Creates, replaces and restores, in dependency order.
  const replace = new Map<string, string>();
  for (const [k, v] of verdicts) if (v.kind === 'changes' && v.replace && !rebuild.has(k)) replace.set(k, v.replace);
  const createKeys = [
    ...managed.map(relationKey).filter((k) => verdicts.get(k)?.kind === 'new' || rebuild.has(k) || replace.has(k)),
    ...captured.keys(),
  ];
  const hard = new Map<string, Set<string>>();
  const soft = new Map<string, Set<string>>();
  const createSet = new Set(createKeys);
  const mentions = mentionIndex(managed.filter((d) => createSet.has(relationKey(d))));
  for (const k of createKeys) {
    const d = declared.get(k);
    if (d && d.synchronize) {
      hard.set(k, new Set(d.dependsOn.map(relationKey)));
      soft.set(k, new Set([...mentionedViews(d, mentions), ...(reads.get(k) ?? [])]));
    } else {
      hard.set(k, new Set(reads.get(k) ?? []));
    }
  }
  for (const k of sortOrFail(createKeys, hard, soft)) {
    const existing = catalogView(k);
    const d = declared.get(k);
    if (captured.has(k)) {
      const statements = restoreStatements(existing!, state.indexes.get(k) ?? [], state.currentUser);
      for (const sql of statements) steps.push(stepFor('restore', existing!, sql, captured.get(k)!));
      continue;
    }
    if (!d) continue;
    if (replace.has(k)) {
      steps.push(stepFor('replace', d, createViewSql(d, { orReplace: true }), replace.get(k)!));
      continue;
    }
    const wasPopulated = existing?.kind === 'materialized' ? existing.populated : true;
    const reason = rebuild.has(k) ? `rebuilt: ${rebuild.get(k)}` : NEW_VIEW;
    // The indexes and comment of a view being created are part of creating it, not changes of their own.
    const partReason = rebuild.has(k) ? reason : WITH_NEW_VIEW;
    const statements = createViewStatements(d, { withData: d.withData && wasPopulated });
    statements.forEach((sql, i) =>
      steps.push(
        i === 0
          ? stepFor('create', d, sql, reason)
          : stepFor(sql.startsWith('COMMENT') ? 'comment' : 'create-index', d, sql, partReason),
      ),
    );
    if (existing)
      for (const sql of accessStatements(existing, state.currentUser))
        steps.push(stepFor('restore', d, sql, `${reason}; privileges restored`));
  }

  // In-place changes: comments, storage options, tablespace, indexes.
  for (const d of managed) {
    const k = relationKey(d);
    const v = verdicts.get(k);
    if (!v || v.kind !== 'changes' || rebuild.has(k)) continue;
    if (v.comment) steps.push(stepFor('comment', d, commentSql(d, d.comment), 'its comment changed'));
    if (v.alter?.includes('storage'))
      steps.push(
        ...storageSteps(d, catalogView(k)!).map((sql) => stepFor('alter', d, sql, 'its storage parameters changed')),
      );
    if (v.alter?.includes('tablespace'))
      steps.push(
        stepFor(
          'alter',
          d,
          `ALTER MATERIALIZED VIEW ${qualifiedName(d)} SET TABLESPACE ${quoteIdentifier(d.tablespace ?? 'pg_default')}`,
          'its tablespace changed',
        ),
      );
    for (const change of v.indexes ?? []) {
      if (change.drop) steps.push(stepFor('drop-index', d, dropIndexSql(d.schema, change.drop.name), change.reason));
      if (change.create) steps.push(stepFor('create-index', d, createIndexSql(d, change.create), change.reason));
    }
  }

  const touched = new Set(steps.map((s) => relationKey(s.view)));
  const unchanged = managed
    .filter((d) => !touched.has(relationKey(d)))
    .map((d) => ({ schema: d.schema, name: d.name }));
  return { steps, unchanged, unregister };
}

/** ALTER MATERIALIZED VIEW ... RESET (...) / SET (...) to move storage parameters to the declared ones. */
function storageSteps(d: ViewDefinition, existing: CatalogView): string[] {
  const current = new Set(existing.options.map((o) => o.slice(0, o.indexOf('='))));
  const toReset = [...current].filter((k) => !(k in d.storageParameters));
  const statements: string[] = [];
  if (toReset.length) statements.push(`ALTER MATERIALIZED VIEW ${qualifiedName(d)} RESET (${toReset.join(', ')})`);
  const params = Object.entries(d.storageParameters);
  if (params.length)
    statements.push(
      `ALTER MATERIALIZED VIEW ${qualifiedName(d)} SET (${params.map(([k, v]) => `${k} = ${quoteLiteral(v)}`).join(', ')})`,
    );
  return statements;
}
