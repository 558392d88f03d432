// Reads TypeORM's pending schema statements (from `createSchemaBuilder().log()`) to learn which tables
// they change and how: only some changes collide with views. PostgreSQL refuses DROP COLUMN, ALTER COLUMN
// ... TYPE and DROP TABLE under a view that reads the column or table; adding a column, an index, a
// constraint or a default leaves views alone, and a renamed column is followed by views automatically.
// Pure: statement text in, changes out.
import type { DataSource } from 'typeorm';
import { identifierAt, relationAt, relationKey, type QualifiedName } from '../ddl/identifiers';
import { relationOfMetadata } from '../metadata/resolve-target';

/** What the pending statements do to one table. */
export interface TableChange {
  readonly table: QualifiedName;
  /** DROP TABLE. */
  dropped: boolean;
  /** Columns dropped and not added back. */
  readonly droppedColumns: Set<string>;
  /** Columns whose type changes: ALTER COLUMN ... TYPE, or dropped and added back (TypeORM's way for some types). */
  readonly retypedColumns: Set<string>;
  readonly addedColumns: Set<string>;
  /** Whether any statement names the table (ALTER TABLE, DROP TABLE, CREATE INDEX ... ON). */
  touched: boolean;
}

/** Whether a change collides with views that read the table (they must be dropped around it). */
export function collidesWithViews(change: TableChange): boolean {
  return change.dropped || change.droppedColumns.size > 0 || change.retypedColumns.size > 0;
}

/** Splits ALTER TABLE actions on commas outside quotes and parentheses. */
function splitActions(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter(Boolean);
}

const NOT_A_COLUMN = /^(CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN|EXCLUDE)\b/i;

/**
 * The tables `statements` change, by relationKey. Unqualified names are in `defaultSchema` (TypeORM
 * leaves the name unqualified when it is in the connection's current schema).
 *
 * @example
 * tableChanges(['ALTER TABLE "orders" ALTER COLUMN "amount" TYPE numeric(12,2)'], 'public')
 * // Map { '["public","orders"]' => { retypedColumns: Set { 'amount' }, ... } }
 */
export function tableChanges(statements: readonly string[], defaultSchema: string): Map<string, TableChange> {
  const changes = new Map<string, TableChange>();
  const changeOf = (table: QualifiedName): TableChange => {
    const key = relationKey(table);
    let change = changes.get(key);
    if (!change) {
      change = {
        table,
        dropped: false,
        droppedColumns: new Set(),
        retypedColumns: new Set(),
        addedColumns: new Set(),
        touched: true,
      };
      changes.set(key, change);
    }
    return change;
  };
  for (const raw of statements) {
    const sql = raw.trim();
    let m = /^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?/i.exec(sql);
    if (m) {
      const target = relationAt(sql, m[0].length, defaultSchema);
      if (!target) continue;
      const change = changeOf(target.relation);
      for (const action of splitActions(sql.slice(target.end))) alterAction(change, action);
      continue;
    }
    m = /^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?/i.exec(sql);
    if (m) {
      for (const part of splitActions(sql.slice(m[0].length).replace(/\s+(CASCADE|RESTRICT)\s*$/i, ''))) {
        const target = relationAt(part, 0, defaultSchema);
        if (target) changeOf(target.relation).dropped = true;
      }
      continue;
    }
    m =
      /^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?:"(?:[^"]|"")*"\s+|[A-Za-z_]\w*\s+)?ON\s+(?:ONLY\s+)?/i.exec(
        sql,
      );
    if (m) {
      const target = relationAt(sql, m[0].length, defaultSchema);
      if (target) changeOf(target.relation);
    }
  }
  return changes;
}

function alterAction(change: TableChange, action: string): void {
  let m = /^DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?/i.exec(action);
  if (m && !/^DROP\s+(CONSTRAINT|DEFAULT|NOT\s+NULL|IDENTITY|EXPRESSION)\b/i.test(action)) {
    const column = identifierAt(action, m[0].length);
    if (column) {
      change.addedColumns.delete(column.name);
      change.droppedColumns.add(column.name);
    }
    return;
  }
  m = /^ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?/i.exec(action);
  if (m && !NOT_A_COLUMN.test(action.slice(m[0].length))) {
    const column = identifierAt(action, m[0].length);
    if (!column) return;
    // Dropped and added back in one sync: the column survives under its name with a new type.
    if (change.droppedColumns.delete(column.name)) change.retypedColumns.add(column.name);
    else change.addedColumns.add(column.name);
    return;
  }
  m = /^ALTER\s+(?:COLUMN\s+)?/i.exec(action);
  if (m) {
    const column = identifierAt(action, m[0].length);
    if (column && /^\s*(SET\s+DATA\s+)?TYPE\b/i.test(action.slice(column.end))) change.retypedColumns.add(column.name);
  }
}

/**
 * The views `statements` drop themselves (`DROP VIEW`, `DROP MATERIALIZED VIEW`: TypeORM's way with its own
 * view entities, which it then re-creates), by relationKey.
 *
 * @example
 * viewsDroppedBy(['DROP VIEW "public"."names"'], 'public') // Set { '["public","names"]' }
 */
export function viewsDroppedBy(statements: readonly string[], defaultSchema: string): Set<string> {
  const dropped = new Set<string>();
  for (const raw of statements) {
    const sql = raw.trim();
    const m = /^DROP\s+(?:MATERIALIZED\s+)?VIEW\s+(?:IF\s+EXISTS\s+)?/i.exec(sql);
    if (!m) continue;
    for (const part of splitActions(sql.slice(m[0].length).replace(/\s+(CASCADE|RESTRICT)\s*$/i, ''))) {
      const target = relationAt(part, 0, defaultSchema);
      if (target) dropped.add(relationKey(target.relation));
    }
  }
  return dropped;
}

/** A foreign key a statement adds (`ALTER TABLE t ADD CONSTRAINT c FOREIGN KEY (...) REFERENCES r`). */
export interface AddedForeignKey {
  readonly table: QualifiedName;
  readonly constraint: string;
  readonly references: QualifiedName;
}

/** The foreign key `sql` adds, TypeORM's way (one constraint per statement), or undefined. */
export function addedForeignKey(sql: string, defaultSchema: string): AddedForeignKey | undefined {
  const text = sql.trim();
  const head = /^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?/i.exec(text);
  const target = head && relationAt(text, head[0].length, defaultSchema);
  if (!target) return undefined;
  const add = /^\s*ADD\s+CONSTRAINT\s+/i.exec(text.slice(target.end));
  const constraint = add && identifierAt(text, target.end + add[0].length);
  if (!constraint) return undefined;
  const rest = text.slice(constraint.end);
  const fk = /^\s*FOREIGN\s+KEY\s*\(/i.exec(rest);
  if (!fk) return undefined;
  // The column list ends at the first ")" outside a quoted name.
  let i = fk[0].length;
  for (let quoted = false; i < rest.length && (quoted || rest[i] !== ')'); i++) if (rest[i] === '"') quoted = !quoted;
  const refs = /^\)\s*REFERENCES\s+/i.exec(rest.slice(i));
  const references = refs && relationAt(rest, i + refs[0].length, defaultSchema);
  return references
    ? { table: target.relation, constraint: constraint.name, references: references.relation }
    : undefined;
}

/**
 * Every view entity of the DataSource, by relationKey: ours (`@PgView`, `@MaterializedView`,
 * `definePgView`, ...) and TypeORM's own `@ViewEntity` / `EntitySchema` views, which TypeORM's schema
 * builder also tries to reference with foreign keys.
 */
export function viewEntityKeys(dataSource: DataSource): Set<string> {
  return new Set(
    dataSource.entityMetadatas
      .filter((m) => m.tableType === 'view')
      .map((m) => relationKey(relationOfMetadata(dataSource, m))),
  );
}

/**
 * TypeORM's statements without the foreign keys it would add to views (`views`: relationKeys), which
 * PostgreSQL refuses ("referenced relation is not a table"): a relation to a view entity is loaded by
 * joins, never enforced. `down` loses the matching `DROP CONSTRAINT`s.
 *
 * @example
 * withoutViewForeignKeys(
 *   [{ query: 'ALTER TABLE "orders" ADD CONSTRAINT "FK_1" FOREIGN KEY ("user_id") REFERENCES "user_stats"("user_id")' }],
 *   [], new Set([relationKey({ schema: 'public', name: 'user_stats' })]), 'public',
 * ) // { up: [], down: [] }
 */
export function withoutViewForeignKeys<Q extends { query: string }>(
  up: readonly Q[],
  down: readonly Q[],
  views: ReadonlySet<string>,
  defaultSchema: string,
): { up: Q[]; down: Q[] } {
  const dropped = new Set<string>();
  const keptUp = up.filter((q) => {
    const fk = addedForeignKey(q.query, defaultSchema);
    if (!fk || !views.has(relationKey(fk.references))) return true;
    dropped.add(JSON.stringify([relationKey(fk.table), fk.constraint]));
    return false;
  });
  if (dropped.size === 0) return { up: [...up], down: [...down] };
  const keptDown = down.filter((q) => {
    const text = q.query.trim();
    const head = /^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?/i.exec(text);
    const target = head && relationAt(text, head[0].length, defaultSchema);
    const drop = target && /^\s*DROP\s+CONSTRAINT\s+(?:IF\s+EXISTS\s+)?/i.exec(text.slice(target.end));
    const constraint = drop && identifierAt(text, target.end + drop[0].length);
    return !constraint || !dropped.has(JSON.stringify([relationKey(target.relation), constraint.name]));
  });
  return { up: keptUp, down: keptDown };
}
