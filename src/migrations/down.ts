// The down() of a generated migration, computed from the catalog before and after its up(): views changed
// in place get the inverse index, comment and option statements; every other view up() touched (and
// everything reading it) is dropped, TypeORM's table changes are undone, and the old views are re-created
// exactly as the catalog had them. CREATE OR REPLACE cannot undo a CREATE OR REPLACE that added columns,
// so a replaced view is restored by drop and create too.
import { graphOf } from '../catalog/graph';
import type { CatalogView, DatabaseState } from '../catalog/reader';
import { displayName, qualifiedName, relationKey, type QualifiedName } from '../ddl/identifiers';
import { deleteRegistrySql, upsertRegistrySql } from '../ddl/registry';
import { restoreStatements } from '../ddl/restore';
import { dropIndexSql, dropViewSql } from '../ddl/statements';
import { sameValue } from '../options/descriptor';
import { optionsOf } from '../options/view-options';
import { tableImpact } from '../plan/table-impact';
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

/** Undoes in-place changes: index changes, then each in-place option back to its old value (descriptors). */
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
  for (const option of optionsOf(a.kind)) {
    const from = option.catalog(b);
    const to = option.catalog(a);
    if (option.apply === 'alter' && !sameValue(option, from, to)) statements.push(...option.alter!(a, from, to));
  }
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

  // Everything down()'s table statements break is dropped and restored from `before`, where it all existed.
  const brokenByDown = tableImpact({
    statements: input.tableDown.map((s) => s.sql),
    defaultSchema: input.defaultSchema,
    state: after,
    definitions: [],
    refuse: false,
  }).views.map(relationKey);
  const drop = new Set(
    [...graphOf(after).withReaders([...input.rebuilt, ...brokenByDown])].filter((k) => after.views.has(k)),
  );

  for (const key of input.changedInPlace) {
    if (drop.has(key) || !before.views.has(key) || !after.views.has(key)) continue;
    const note = `${displayName(after.views.get(key)!)}: its index, comment and option changes undone`;
    for (const sql of inPlaceInverse(before, after, key)) push(note, sql);
  }
  for (const key of graphOf(after).creationOrder(drop).reverse()) {
    const view = after.views.get(key)!;
    push(
      `${displayName(view)}: dropped, ${before.views.has(key) ? 'to be restored as it was' : 'created by this migration'}`,
      dropViewSql(view),
    );
  }
  for (const statement of input.tableDown)
    push("tables: TypeORM's schema changes undone", statement.sql, statement.parameters);
  const restore = [...before.views.keys()].filter((k) => drop.has(k) || !after.views.has(k));
  for (const key of graphOf(before).creationOrder(restore)) {
    const view: CatalogView = before.views.get(key)!;
    const note = `${displayName(view)}: restored as it was before this migration`;
    for (const sql of restoreStatements(view, before.indexes.get(key) ?? [], before.currentUser)) push(note, sql);
  }
  for (const sql of registryRestore(input)) push('typeorm-pgview registry: rows as they were', sql);
  return out;
}
