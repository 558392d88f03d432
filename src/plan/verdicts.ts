// Phase 1 of the planner: a verdict for each declared view (new, clean, changed in place, replaced or
// rebuilt), from the catalog state and the probes, after the checks that need no catalog at all. Pure.
import type { DatabaseState } from '../catalog/reader';
import { relationKey } from '../ddl/identifiers';
import { ViewDependencyCycleError } from '../errors';
import { topologicalSort } from '../graph/topological';
import type { ViewDefinition } from '../metadata/definition';
import { compareWithProbe, firstLook, type ProbeResult, type Verdict } from './compare';
import { nameOfKey } from '../catalog/graph';

/** The declared views whose verdict needs a probe (see sync/probe.ts). */
export function viewsToProbe(definitions: readonly ViewDefinition[], state: DatabaseState): ViewDefinition[] {
  return definitions.filter((d) => d.synchronize && firstLook(d, state).kind === 'probe');
}

/** Throws when the declared `dependsOn` graph has a cycle (whether or not anything changes). */
export function checkDeclaredCycles(definitions: readonly ViewDefinition[]): void {
  const result = topologicalSort(new Map(definitions.map((d) => [relationKey(d), d.dependsOn.map(relationKey)])));
  if (!result.ok) throw new ViewDependencyCycleError(result.cycle.map(nameOfKey), 'declarations');
}

/** The verdict of each managed view, by relationKey. */
export function verdictsOf(
  managed: readonly ViewDefinition[],
  state: DatabaseState,
  probes: ReadonlyMap<string, ProbeResult>,
): Map<string, Verdict> {
  const verdicts = new Map<string, Verdict>();
  for (const d of managed) {
    const k = relationKey(d);
    let verdict = firstLook(d, state);
    if (verdict.kind === 'probe')
      verdict = compareWithProbe(d, state.views.get(k)!, state.indexes.get(k) ?? [], probes.get(k));
    verdicts.set(k, verdict);
  }
  return verdicts;
}
