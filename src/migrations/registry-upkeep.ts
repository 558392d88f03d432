// Keeps the registry (which views typeorm-pgview created, with fingerprints) true after a hand-written
// migration operation, so that a later syncViews with the same declarations finds nothing to do.
import type { QueryRunner } from 'typeorm';
import { readDatabaseState } from '../catalog/reader';
import { relationKey, type QualifiedName } from '../ddl/identifiers';
import { createRegistrySql, deleteRegistrySql, upsertRegistrySql } from '../ddl/registry';
import type { ViewDefinition } from '../metadata/definition';
import { dataSourceOf } from '../db/target';
import { catalogHash, declaredHash } from '../plan/fingerprints';
import { registryOf } from '../sync/registry';

/**
 * What to record for one view: `definition` after a create or replace (its fingerprint becomes the
 * declared one), `'catalog'` after an index change (the declared fingerprint stays, the catalog one is
 * refreshed; nothing is recorded for a view the registry does not know), `'forget'` after a drop.
 */
export type RegistryUpdate = ViewDefinition | 'catalog' | 'forget';

/** Brings the registry row of `view` up to date, on the migration's query runner. */
export async function updateRegistry(
  queryRunner: QueryRunner,
  view: QualifiedName,
  update: RegistryUpdate,
): Promise<void> {
  const registry = registryOf(dataSourceOf(queryRunner));
  const state = await readDatabaseState(queryRunner, registry);
  const key = relationKey(view);
  if (update === 'forget') {
    if (state.registryExists && state.registry.has(key)) await queryRunner.query(deleteRegistrySql(registry, [view]));
    return;
  }
  const existing = state.views.get(key);
  if (!existing) return;
  const row = state.registry.get(key);
  let hash: string;
  if (update === 'catalog') {
    if (!row) return;
    hash = row.declaredHash;
  } else {
    hash = declaredHash(update);
  }
  if (!state.registryExists) await queryRunner.query(createRegistrySql(registry));
  await queryRunner.query(
    upsertRegistrySql(registry, [
      {
        schema: view.schema,
        name: view.name,
        kind: existing.kind,
        declaredHash: hash,
        catalogHash: catalogHash(state, existing),
      },
    ]),
  );
}
