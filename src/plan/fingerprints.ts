// The two fingerprints of the registry's "nothing changed" shortcut: one of what a declaration asks for,
// one of what the catalog holds for the view now. Both take every described option (view-options.ts), so
// a new option can never be left out of one of them. While both are unchanged, a view needs no probe.
import { createHash } from 'node:crypto';
import type { CatalogView, DatabaseState } from '../catalog/reader';
import { graphOf } from '../catalog/graph';
import { relationKey } from '../ddl/identifiers';
import type { ViewDefinition } from '../metadata/definition';
import { declaredValue, optionsOf } from '../options/view-options';

export function sha256(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

const declaredHashes = new WeakMap<ViewDefinition, string>();
const catalogHashes = new WeakMap<DatabaseState, Map<string, string>>();

/** The fingerprint of what a declaration asks for (the registry stores it after each sync). Definitions are frozen: computed once each. */
export function declaredHash(view: ViewDefinition): string {
  let hash = declaredHashes.get(view);
  if (hash === undefined) declaredHashes.set(view, (hash = computeDeclaredHash(view)));
  return hash;
}

function computeDeclaredHash(view: ViewDefinition): string {
  return sha256([
    view.kind,
    view.sql,
    view.columns ?? null,
    view.recursive,
    view.indexes,
    optionsOf(view.kind).map((o) => [o.name, declaredValue(o, view) ?? null]),
  ]);
}

/**
 * A fingerprint of everything about a view that its declaration controls, as the catalog has it now,
 * plus the shape of what it reads. Computed once per view of a state.
 */
export function catalogHash(state: DatabaseState, view: CatalogView): string {
  const key = relationKey(view);
  if (state.views.get(key) !== view) return computeCatalogHash(state, view, key);
  let hashes = catalogHashes.get(state);
  if (!hashes) catalogHashes.set(state, (hashes = new Map()));
  let hash = hashes.get(key);
  if (hash === undefined) hashes.set(key, (hash = computeCatalogHash(state, view, key)));
  return hash;
}

function computeCatalogHash(state: DatabaseState, view: CatalogView, key: string): string {
  const indexes = (state.indexes.get(key) ?? []).map((i) => [i.name, i.definition]).sort();
  const refs = graphOf(state)
    .edgesFrom(key)
    .map((e) => [e.ref.schema, e.ref.name, e.refShape])
    .sort();
  return sha256([
    view.kind,
    view.definition,
    view.columns,
    indexes,
    refs,
    optionsOf(view.kind).map((o) => [o.name, o.catalog(view) ?? null]),
  ]);
}
