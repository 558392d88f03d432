// The planner: declarations + catalog state + probe results in, an ordered list of steps out. Pure.
// One planner serves syncViews, dry runs and the migration generator, so they agree on what changed. It
// runs in phases, each a pure function with tests of its own: a verdict per view (verdicts.ts), the
// closure of what else must be rebuilt (closure.ts), how each rebuilt materialized view is rebuilt
// (side-by-side.ts), and the ordered steps (steps.ts).
import type { DatabaseState } from '../catalog/reader';
import { relationKey, type QualifiedName } from '../ddl/identifiers';
import type { ViewDefinition } from '../metadata/definition';
import { closureOf } from './closure';
import type { ProbeResult } from './compare';
import { rebuildPlanOf } from './side-by-side';
import { buildSteps, createSteps, dropSteps, inPlaceSteps, type PlanStep } from './steps';
import { checkDeclaredCycles, verdictsOf } from './verdicts';
import { checkServer } from '../options/server-support';
import type { RebuildStrategy } from '../decorators/options';

export { NEW_VIEW, SIDE_BY_SIDE, WITH_NEW_VIEW, type PlanStep, type StepAction } from './steps';
export { viewsToProbe } from './verdicts';

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
  /** How materialized views that declare no `rebuild` are rebuilt (default `'in-place'`). */
  readonly rebuild?: RebuildStrategy;
}

/**
 * Builds the plan. Throws on cycles (ViewDependencyCycleError), on options the server lacks
 * (UnsupportedServerError), and on drops that would break views not managed here (PlanError).
 */
export function planSync(input: PlanInput): Plan {
  const { definitions, state } = input;
  checkDeclaredCycles(definitions);
  checkServer(definitions, state.serverVersion);
  const declared = new Map(definitions.map((d) => [relationKey(d), d]));
  const managed = definitions.filter((d) => d.synchronize);
  const verdicts = verdictsOf(managed, state, input.probes);
  const closure = closureOf({ verdicts, declared, state, dropUndeclared: input.dropUndeclared ?? true });
  const rebuilds = rebuildPlanOf({ state, declared, verdicts, closure, rebuild: input.rebuild });
  const context = { state, declared, managed, verdicts, closure, rebuilds };
  // Side-by-side builds first: nothing before them locks what readers read.
  const steps = [...buildSteps(context), ...dropSteps(context), ...createSteps(context), ...inPlaceSteps(context)];
  const touched = new Set(steps.map((s) => relationKey(s.view)));
  const unchanged = managed
    .filter((d) => !touched.has(relationKey(d)))
    .map((d) => ({ schema: d.schema, name: d.name }));
  return { steps, unchanged, unregister: closure.unregister };
}
