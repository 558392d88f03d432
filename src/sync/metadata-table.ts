// TypeORM's metadata table (typeorm_metadata), which its schema statements write to for view entities and
// generated columns. TypeORM's build() and its migration runner create it first; log(), whose statements
// synchronizeSchema runs and the migration generator tries, does not include that step.
import type { DataSource, QueryRunner } from 'typeorm';

/**
 * Creates TypeORM's metadata table on `queryRunner` (as TypeORM does, through its schema builder) when
 * one of the pending statements names it and it may be missing.
 */
export async function ensureMetadataTable(
  builder: unknown,
  queryRunner: QueryRunner,
  pending: readonly { query: string }[],
  dataSource: DataSource,
): Promise<void> {
  const table = (dataSource as { metadataTableName?: string }).metadataTableName ?? 'typeorm_metadata';
  const create = (builder as { createMetadataTableIfNecessary?: (qr: QueryRunner) => Promise<void> })
    .createMetadataTableIfNecessary;
  if (typeof create === 'function' && pending.some((q) => q.query.includes(table)))
    await create.call(builder, queryRunner);
}
