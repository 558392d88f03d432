// Decides, for one declared view and what the catalog has, what kind of change is needed. Pure.
// Queries are compared as PostgreSQL renders them: the declared SQL is created as a throwaway "probe"
// view (see probe.ts) and its pg_get_viewdef compared with the existing view's.
import type { CatalogColumn, CatalogIndex, CatalogView, DatabaseState } from '../catalog/reader';
import { relationKey } from '../ddl/identifiers';
import type { IndexDefinition, ViewDefinition } from '../metadata/definition';
import type { ViewOption } from '../options/descriptor';
import { differingOptions } from '../options/view-options';
import { catalogHash, declaredHash } from './fingerprints';

/** What a probe of a declared view found: PostgreSQL's rendering, output columns, index predicates. */
export type ProbeResult =
  | {
      ok: true;
      definition: string;
      columns: readonly CatalogColumn[];
      indexPredicates: ReadonlyMap<string, string | undefined>;
    }
  | { ok: false; error: string };

export type Verdict =
  | { kind: 'new' }
  | { kind: 'clean' }
  | { kind: 'probe' } // needs a probe before a verdict
  | { kind: 'rebuild'; reason: string }
  | {
      kind: 'changes';
      /** Why CREATE OR REPLACE VIEW is needed, if it is. */
      replace?: string;
      /** Options that differ and are changed in place (ALTER, COMMENT). */
      alter?: readonly ViewOption<string, unknown>[];
      indexes?: IndexChange[];
    }; // empty: same

export type IndexChange = { drop?: CatalogIndex; create?: IndexDefinition; reason: string };

/** First pass, before any probe: new, clean (fingerprints unchanged), rebuild (kind changed), or probe. */
export function firstLook(view: ViewDefinition, state: DatabaseState): Verdict {
  const key = relationKey(view);
  const existing = state.views.get(key);
  if (!existing) return { kind: 'new' };
  if (existing.kind !== view.kind)
    return {
      kind: 'rebuild',
      reason: `it changes from a ${existing.kind === 'materialized' ? 'materialized view' : 'view'} to a ${view.kind === 'materialized' ? 'materialized view' : 'view'}`,
    };
  const registered = state.registry.get(key);
  if (
    registered &&
    registered.declaredHash === declaredHash(view) &&
    registered.catalogHash === catalogHash(state, existing)
  )
    return { kind: 'clean' };
  return { kind: 'probe' };
}

const sameColumns = (a: readonly CatalogColumn[], b: readonly CatalogColumn[]) =>
  a.length === b.length &&
  a.every((c, i) => c.name === b[i]!.name && c.type === b[i]!.type && c.collation === b[i]!.collation);

/** CREATE OR REPLACE VIEW keeps the existing columns (same names, types, order) and may add more at the end. */
export function canReplace(existing: readonly CatalogColumn[], next: readonly CatalogColumn[]): boolean {
  return next.length >= existing.length && sameColumns(existing, next.slice(0, existing.length));
}

function indexChanges(
  view: ViewDefinition,
  existing: readonly CatalogIndex[],
  predicates: ReadonlyMap<string, string | undefined>,
): IndexChange[] {
  const changes: IndexChange[] = [];
  const byName = new Map(existing.map((i) => [i.name, i]));
  for (const index of view.indexes) {
    const current = byName.get(index.name);
    byName.delete(index.name);
    if (!current) {
      changes.push({ create: index, reason: `index ${index.name} is declared and missing` });
      continue;
    }
    const same =
      current.valid &&
      current.unique === index.unique &&
      current.method === index.using &&
      !current.hasExpressions &&
      current.columns.join('\0') === index.columns.join('\0') &&
      (current.predicate ?? null) === (predicates.get(index.name) ?? null);
    if (!same) changes.push({ drop: current, create: index, reason: `index ${index.name} changed` });
  }
  for (const leftover of byName.values())
    changes.push({ drop: leftover, reason: `index ${leftover.name} is not declared` });
  return changes;
}

/** Second pass, with the probe: what exactly differs. */
export function compareWithProbe(
  view: ViewDefinition,
  existing: CatalogView,
  indexes: readonly CatalogIndex[],
  probe: ProbeResult | undefined,
): Verdict {
  const differing = differingOptions(view.kind, view, existing);
  const alter = differing.filter((o) => o.apply === 'alter');
  const replaceOptions = differing.filter((o) => o.apply === 'replace');
  if (!probe || !probe.ok)
    return {
      kind: 'rebuild',
      reason: `its query could not be compared with the existing one (${probe && !probe.ok ? probe.error : 'no probe'})`,
    };
  const sameQuery = probe.definition === existing.definition && sameColumns(probe.columns, existing.columns);
  if (sameQuery && replaceOptions.length === 0)
    return {
      kind: 'changes',
      alter,
      ...(view.kind === 'materialized' ? { indexes: indexChanges(view, indexes, probe.indexPredicates) } : {}),
    };
  if (view.kind === 'materialized') return { kind: 'rebuild', reason: 'its query changed' };
  const what = !sameQuery ? 'its query changed' : 'its options changed';
  if (canReplace(existing.columns, probe.columns)) return { kind: 'changes', replace: what, alter };
  return {
    kind: 'rebuild',
    reason: `${what} and its columns changed (CREATE OR REPLACE cannot drop, rename or retype columns)`,
  };
}
