// The registry table: which views this library created, with fingerprints of their declaration and of
// their catalog state when last synced. Views absent from it are never dropped by a sync.
import { qualifiedName, quoteLiteral, type QualifiedName } from './identifiers';

/** The registry's table name; it lives in the DataSource's default schema. */
export const REGISTRY_TABLE = 'typeorm_pgview_views';

export function createRegistrySql(registry: QualifiedName): string {
  return `CREATE TABLE IF NOT EXISTS ${qualifiedName(registry)} (view_schema text NOT NULL, view_name text NOT NULL, kind text NOT NULL CHECK (kind IN ('view', 'materialized')), declared_hash text NOT NULL, catalog_hash text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (view_schema, view_name))`;
}

export const REGISTRY_SELECT_SQL = (registry: QualifiedName): string =>
  `SELECT view_schema, view_name, kind, declared_hash, catalog_hash FROM ${qualifiedName(registry)}`;

export interface RegistryEntry extends QualifiedName {
  kind: 'view' | 'materialized';
  declaredHash: string;
  catalogHash: string;
}

/** One INSERT ... ON CONFLICT for all entries; values are literals so the text can go into a migration. */
export function upsertRegistrySql(registry: QualifiedName, entries: readonly RegistryEntry[]): string {
  const values = entries
    .map((e) => `(${[e.schema, e.name, e.kind, e.declaredHash, e.catalogHash].map(quoteLiteral).join(', ')}, now())`)
    .join(', ');
  return `INSERT INTO ${qualifiedName(registry)} (view_schema, view_name, kind, declared_hash, catalog_hash, updated_at) VALUES ${values} ON CONFLICT (view_schema, view_name) DO UPDATE SET kind = EXCLUDED.kind, declared_hash = EXCLUDED.declared_hash, catalog_hash = EXCLUDED.catalog_hash, updated_at = EXCLUDED.updated_at`;
}

export function deleteRegistrySql(registry: QualifiedName, views: readonly QualifiedName[]): string {
  const keys = views.map((v) => `(${quoteLiteral(v.schema)}, ${quoteLiteral(v.name)})`).join(', ');
  return `DELETE FROM ${qualifiedName(registry)} WHERE (view_schema, view_name) IN (${keys})`;
}
