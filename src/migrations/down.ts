// The down() of a generated migration, computed from the catalog before and after its up(): views changed
// in place get the inverse index, comment and option statements; every other view up() touched (and
// everything reading it) is dropped, TypeORM's table changes are undone, and the old views are re-created
// exactly as the catalog had them. CREATE OR REPLACE cannot undo a CREATE OR REPLACE that added columns,
// so a replaced view is restored by drop and create too.
import type { CatalogView, DatabaseState } from '../catalog/reader';
import { displayName, qualifiedName, quoteIdentifier, quoteLiteral, type QualifiedName } from '../ddl/identifiers';
import { deleteRegistrySql, upsertRegistrySql } from '../ddl/registry';
import { restoreStatements } from '../ddl/restore';
import { commentSql, dropIndexSql, dropViewSql } from '../ddl/statements';
import { columnsBrokenBy, creationOrder, viewsBrokenBy, withReaders } from './table-changes';
import type { MigrationStatement } from './writer';

export interface DownInput {
  readonly before: DatabaseState;
  readonly after: DatabaseState;
  /** Views up() dropped, created, replaced or restored. */
  readonly rebuilt: ReadonlySet<string>;
  /** Views up() changed only in place (indexes, comment, storage options, tablespace). */
  readonly changedInPlace: ReadonlySet<string>;
  /** TypeORM's down queries, in the order they run. */
  readonly tableDown: readonly MigrationStatement[];
  readonly registry: QualifiedName;
  readonly defaultSchema: string;
}

function inPlaceInverse(before: DatabaseState, after: DatabaseState, key: string): string[] {
  const a = before.views.get(key)!;
  const b = after.views.get(key)!;
  const statements: string[] = [];
  const old = before.indexes.get(key) ?? [];
  const now = after.indexes.get(key) ?? [];
  for (const index of now)
    if (!old.some((o) => o.name === index.name && o.definition === index.definition))
      statements.push(dropIndexSql(index.schema, index.name));
  for (const index of old)
    if (!now.some((n) => n.name === index.name && n.definition === index.definition)) statements.push(index.definition);
  if ((a.comment ?? null) !== (b.comment ?? null)) statements.push(commentSql(a, a.comment));
  if ([...a.options].sort().join(',') !== [...b.options].sort().join(',')) {
    const keyword = a.kind === 'materialized' ? 'MATERIALIZED VIEW' : 'VIEW';
    const keys = (options: readonly string[]) => options.map((o) => o.slice(0, o.indexOf('=')));
    if (b.options.length) statements.push(`ALTER ${keyword} ${qualifiedName(a)} RESET (${keys(b.options).join(', ')})`);
    if (a.options.length)
      statements.push(
        `ALTER ${keyword} ${qualifiedName(a)} SET (${a.options.map((o) => `${o.slice(0, o.indexOf('='))} = ${quoteLiteral(o.slice(o.indexOf('=') + 1))}`).join(', ')})`,
      );
  }
  if ((a.tablespace ?? null) !== (b.tablespace ?? null))
    statements.push(
      `ALTER MATERIALIZED VIEW ${qualifiedName(a)} SET TABLESPACE ${quoteIdentifier(a.tablespace ?? 'pg_default')}`,
    );
  return statements;
}

function registryRestore(input: DownInput): string[] {
  const { before, after, registry } = input;
  if (!after.registryExists) return [];
  if (!before.registryExists) return [`DROP TABLE ${qualifiedName(registry)}`];
  const changed = [...new Set([...before.registry.keys(), ...after.registry.keys()])].filter(
    (k) => JSON.stringify(before.registry.get(k)) !== JSON.stringify(after.registry.get(k)),
  );
  if (changed.length === 0) return [];
  const statements: string[] = [];
  const inAfter = changed.filter((k) => after.registry.has(k)).map((k) => after.registry.get(k)!);
  if (inAfter.length) statements.push(deleteRegistrySql(registry, inAfter));
  const rows = changed.filter((k) => before.registry.has(k)).map((k) => before.registry.get(k)!);
  if (rows.length) statements.push(upsertRegistrySql(registry, rows));
  return statements;
}

/** The statements of down(), each with the comment that explains it. */
export function downStatements(input: DownInput): MigrationStatement[] {
  const { before, after } = input;
  const out: MigrationStatement[] = [];
  const push = (comment: string, sql: string, parameters?: readonly unknown[]) =>
    out.push({ comment, sql, ...(parameters && parameters.length ? { parameters } : {}) });

  const brokenByDown = viewsBrokenBy(
    after,
    columnsBrokenBy(
      input.tableDown.map((s) => s.sql),
      input.defaultSchema,
    ),
  );
  const drop = withReaders(after, [...input.rebuilt, ...brokenByDown.keys()]);

  for (const key of input.changedInPlace) {
    if (drop.has(key) || !before.views.has(key) || !after.views.has(key)) continue;
    const note = `${displayName(after.views.get(key)!)}: its index, comment and option changes undone`;
    for (const sql of inPlaceInverse(before, after, key)) push(note, sql);
  }
  for (const key of creationOrder(after, drop).reverse()) {
    const view = after.views.get(key)!;
    push(
      `${displayName(view)}: dropped, ${before.views.has(key) ? 'to be restored as it was' : 'created by this migration'}`,
      dropViewSql(view),
    );
  }
  for (const statement of input.tableDown)
    push("tables: TypeORM's schema changes undone", statement.sql, statement.parameters);
  const restore = [...before.views.keys()].filter((k) => drop.has(k) || !after.views.has(k));
  for (const key of creationOrder(before, restore)) {
    const view: CatalogView = before.views.get(key)!;
    const note = `${displayName(view)}: restored as it was before this migration`;
    for (const sql of restoreStatements(view, before.indexes.get(key) ?? [], before.currentUser)) push(note, sql);
  }
  for (const sql of registryRestore(input)) push('typeorm-pgview registry: rows as they were', sql);
  return out;
}
