// The registry as the sync and the migration generator use it: where it lives, and which rows a sync must
// write. The SQL text is in src/ddl/registry.ts.
import type { DataSource } from 'typeorm';
import type { DatabaseState } from '../catalog/reader';
import { relationKey, type QualifiedName } from '../ddl/identifiers';
import { REGISTRY_TABLE, type RegistryEntry } from '../ddl/registry';
import { defaultSchemaOf } from '../metadata/collect';
import type { ViewDefinition } from '../metadata/definition';
import { catalogHash, declaredHash } from '../plan/fingerprints';

/** The registry table of a DataSource: `typeorm_pgview_views` in its default schema. */
export function registryOf(dataSource: DataSource): QualifiedName {
  return { schema: defaultSchemaOf(dataSource), name: REGISTRY_TABLE };
}

/**
 * Registry rows for every managed view whose fingerprints (declaration, and catalog state in `state`) differ
 * from the registry rows `state` was read with. Shared by syncViews and the migration generator.
 */
export function registryEntries(definitions: readonly ViewDefinition[], state: DatabaseState): RegistryEntry[] {
  const entries: RegistryEntry[] = [];
  for (const d of definitions) {
    if (!d.synchronize) continue;
    const view = state.views.get(relationKey(d));
    if (!view) continue;
    const entry = {
      schema: d.schema,
      name: d.name,
      kind: d.kind,
      declaredHash: declaredHash(d),
      catalogHash: catalogHash(state, view),
    };
    const row = state.registry.get(relationKey(d));
    if (
      !row ||
      row.declaredHash !== entry.declaredHash ||
      row.catalogHash !== entry.catalogHash ||
      row.kind !== entry.kind
    )
      entries.push(entry);
  }
  return entries;
}
