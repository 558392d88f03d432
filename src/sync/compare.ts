// Decides, for one declared view and what the catalog has, what kind of change is needed. Pure.
// Queries are compared as PostgreSQL renders them: the declared SQL is created as a throwaway "probe"
// view (see probe.ts) and its pg_get_viewdef compared with the existing view's.
import {
  catalogHash,
  sha256,
  type CatalogColumn,
  type CatalogIndex,
  type CatalogView,
  type DatabaseState,
} from '../catalog/reader';
import { relationKey } from '../ddl/identifiers';
import type { IndexDefinition, ViewDefinition } from '../metadata/definition';

/** What a probe of a declared view found: PostgreSQL's rendering, output columns, index predicates. */
export type ProbeResult =
  | {
      ok: true;
      definition: string;
      columns: readonly CatalogColumn[];
      indexPredicates: ReadonlyMap<string, string | undefined>;
    }
  | { ok: false; error: string };

/** The fingerprint of what a declaration asks for (the registry stores it after each sync). */
export function declaredHash(view: ViewDefinition): string {
  return sha256([
    view.kind,
    view.sql,
    view.columns ?? null,
    view.recursive,
    view.checkOption ?? null,
    view.securityBarrier,
    view.securityInvoker,
    view.indexes,
    view.tablespace ?? null,
    view.storageParameters,
    view.comment ?? null,
  ]);
}

export type Verdict =
  | { kind: 'new' }
  | { kind: 'clean' }
  | { kind: 'probe' } // needs a probe before a verdict
  | { kind: 'rebuild'; reason: string }
  | { kind: 'changes'; replace?: string; comment?: boolean; alter?: string[]; indexes?: IndexChange[] }; // empty: same

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

/** reloptions a plain view declaration asks for, in catalog form (`check_option=local`), sorted. */
export function declaredViewOptions(view: ViewDefinition): string[] {
  const options: string[] = [];
  if (view.checkOption) options.push(`check_option=${view.checkOption}`);
  if (view.securityBarrier) options.push('security_barrier=true');
  if (view.securityInvoker) options.push('security_invoker=true');
  return options.sort();
}

const normalizeOption = (o: string) =>
  o
    .toLowerCase()
    .replace(/=(on|yes|1)$/, '=true')
    .replace(/=(off|no|0)$/, '=false');
const optionSet = (options: readonly string[]) => options.map(normalizeOption).sort();

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
  if (view.kind === 'view' && view.recursive) {
    // A recursive view's query names the view itself, so it cannot be probed under another name: a changed
    // declaration is applied with CREATE OR REPLACE (which PostgreSQL refuses if the columns changed).
    return {
      kind: 'changes',
      replace: 'its recursive declaration changed',
      comment: (view.comment ?? null) !== (existing.comment ?? null),
    };
  }
  if (!probe || !probe.ok)
    return {
      kind: 'rebuild',
      reason: `its query could not be compared with the existing one (${probe && !probe.ok ? probe.error : 'no probe'})`,
    };
  const sameQuery = probe.definition === existing.definition && sameColumns(probe.columns, existing.columns);
  const comment = (view.comment ?? null) !== (existing.comment ?? null);
  if (view.kind === 'view') {
    const sameOptions = optionSet(declaredViewOptions(view)).join(',') === optionSet(existing.options).join(',');
    if (sameQuery && sameOptions) return { kind: 'changes', comment };
    const what = !sameQuery ? 'its query changed' : 'its options changed';
    if (canReplace(existing.columns, probe.columns)) return { kind: 'changes', replace: what, comment };
    return {
      kind: 'rebuild',
      reason: `${what} and its columns changed (CREATE OR REPLACE cannot drop, rename or retype columns)`,
    };
  }
  if (!sameQuery) return { kind: 'rebuild', reason: 'its query changed' };
  const alter: string[] = [];
  const declaredParams = Object.entries(view.storageParameters).map(([k, v]) => `${k}=${v}`);
  if (optionSet(declaredParams).join(',') !== optionSet(existing.options).join(',')) alter.push('storage');
  if ((view.tablespace ?? null) !== (existing.tablespace ?? null)) alter.push('tablespace');
  return { kind: 'changes', comment, alter, indexes: indexChanges(view, indexes, probe.indexPredicates) };
}
