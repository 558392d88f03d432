// Between the closure and the steps: which rebuilt materialized views are built side by side (the new
// definition under a temporary name while readers keep the old one, then a swap) and which stay in place,
// with why. Pure.
//
// A view can be built before anything else in the plan only when what its new query reads is not itself
// changed by the plan (else the build would read the old version, or something not created yet): it must
// read no view that is new, rebuilt, replaced, restored or removed here, by its `dependsOn`, by the names
// its SQL mentions, or by what the catalog says it reads now. A view changing kind stays in place too:
// there is no old materialized view to keep serving.
import { graphOf } from '../catalog/graph';
import type { DatabaseState } from '../catalog/reader';
import { displayName, relationKey } from '../ddl/identifiers';
import { sideBySideNames, type SideBySideNames } from '../ddl/side-by-side';
import type { RebuildStrategy } from '../decorators/options';
import { mentionedNames } from '../ddl/sql-text';
import type { ViewDefinition } from '../metadata/definition';
import type { Closure } from './closure';
import type { Verdict } from './compare';

export interface RebuildPlan {
  /** Views built side by side, with their temporary names, by relationKey. */
  readonly sideBySide: ReadonlyMap<string, SideBySideNames>;
  /** Views whose strategy is side-by-side but that are rebuilt in place, with why. */
  readonly inPlace: ReadonlyMap<string, string>;
}

export interface RebuildInput {
  readonly state: DatabaseState;
  readonly declared: ReadonlyMap<string, ViewDefinition>;
  readonly verdicts: ReadonlyMap<string, Verdict>;
  readonly closure: Closure;
  /** The strategy of views that declare none. Default: `'in-place'`. */
  readonly rebuild?: RebuildStrategy;
}

/** Every name of a relation or index in `schema` that the catalog state knows. */
function namesIn(state: DatabaseState, schema: string): Set<string> {
  const names = new Set<string>();
  for (const v of state.views.values()) if (v.schema === schema) names.add(v.name);
  for (const list of state.indexes.values()) for (const i of list) if (i.schema === schema) names.add(i.name);
  for (const e of state.edges) if (e.ref.schema === schema) names.add(e.ref.name);
  return names;
}

/** The strategy of each rebuilt materialized view, and the temporary names of those built side by side. */
export function rebuildPlanOf(input: RebuildInput): RebuildPlan {
  const { state, declared, verdicts, closure } = input;
  const graph = graphOf(state);
  const changing = new Set<string>([
    ...closure.rebuild.keys(),
    ...closure.captured.keys(),
    ...closure.removed.keys(),
    ...[...verdicts].filter(([, v]) => v.kind === 'new' || (v.kind === 'changes' && v.replace)).map(([k]) => k),
  ]);
  const changingByName = new Map<string, string[]>();
  for (const k of changing) {
    const name = declared.get(k)?.name ?? state.views.get(k)?.name;
    if (name !== undefined) changingByName.set(name, [...(changingByName.get(name) ?? []), k]);
  }
  const sideBySide = new Map<string, SideBySideNames>();
  const inPlace = new Map<string, string>();
  const taken = new Map<string, Set<string>>();
  for (const k of closure.rebuild.keys()) {
    const d = declared.get(k);
    if (!d || d.kind !== 'materialized' || (d.rebuild ?? input.rebuild ?? 'in-place') !== 'side-by-side') continue;
    const existing = state.views.get(k);
    if (existing?.kind !== 'materialized') {
      inPlace.set(k, 'it is not a materialized view yet, so there is no old one to keep serving');
      continue;
    }
    const { single, qualified } = mentionedNames(d.sql);
    const reads = new Set([
      ...d.dependsOn.map(relationKey),
      ...graph.readsOf(k),
      ...[...single].flatMap((n) => changingByName.get(n) ?? []),
      ...qualified,
    ]);
    reads.delete(k);
    const blocker = [...reads].find((r) => changing.has(r));
    if (blocker !== undefined) {
      const name = declared.get(blocker) ?? state.views.get(blocker)!;
      inPlace.set(k, `it reads ${displayName(name)}, which this plan also changes`);
      continue;
    }
    // Names already given to another build in the schema are taken too.
    if (!taken.has(d.schema)) taken.set(d.schema, namesIn(state, d.schema));
    const names = sideBySideNames(d, taken.get(d.schema)!);
    for (const n of [names.view, ...names.indexes]) taken.get(d.schema)!.add(n);
    sideBySide.set(k, names);
  }
  return { sideBySide, inPlace };
}
