// Which views a table change breaks. PostgreSQL refuses to drop or retype a column (or drop a table) that a
// view reads, so those views - and everything that reads them - are dropped before the change and built
// again after it. The columns come from the statements TypeORM's schema builder generates.
import type { DatabaseState } from '../catalog/reader';
import { displayName, parseQualifiedName, relationKey, type QualifiedName } from '../ddl/identifiers';
import { topologicalSort } from '../graph/topological';
import { ViewDependencyCycleError } from '../errors';

/** Columns a set of statements drops or retypes, by table; `'all'` when the table itself is dropped. */
export type BrokenColumns = Map<string, { table: QualifiedName; columns: Set<string> | 'all' }>;

const NAME = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const QUALIFIED = String.raw`(${NAME}(?:\.${NAME})?)`;
const ALTER_TABLE = new RegExp(
  String.raw`^\s*ALTER\s+TABLE\s+(?:ONLY\s+)?(?:IF\s+EXISTS\s+)?${QUALIFIED}\s+([\s\S]*)$`,
  'i',
);
const DROP_TABLE = new RegExp(String.raw`^\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?${QUALIFIED}`, 'i');
const COLUMN_CHANGE = new RegExp(
  String.raw`(?:DROP\s+COLUMN\s+(?:IF\s+EXISTS\s+)?(${NAME})|ALTER\s+COLUMN\s+(${NAME})\s+(?:SET\s+DATA\s+)?TYPE\b)`,
  'gi',
);

function identifier(text: string): string {
  return text.startsWith('"') ? text.slice(1, -1).replace(/""/g, '"') : text.toLowerCase();
}

/** Reads TypeORM's statements for dropped tables and dropped or retyped columns. */
export function columnsBrokenBy(statements: readonly string[], defaultSchema: string): BrokenColumns {
  const broken: BrokenColumns = new Map();
  const entry = (table: QualifiedName) => {
    const key = relationKey(table);
    return broken.get(key) ?? broken.set(key, { table, columns: new Set() }).get(key)!;
  };
  for (const sql of statements) {
    const dropped = DROP_TABLE.exec(sql);
    if (dropped) {
      const table = parseQualifiedName(dropped[1]!, defaultSchema);
      if (table) entry(table).columns = 'all';
      continue;
    }
    const altered = ALTER_TABLE.exec(sql);
    if (!altered) continue;
    const table = parseQualifiedName(altered[1]!, defaultSchema);
    if (!table) continue;
    for (const match of altered[2]!.matchAll(COLUMN_CHANGE)) {
      const e = entry(table);
      if (e.columns !== 'all') e.columns.add(identifier((match[1] ?? match[2])!));
    }
  }
  return broken;
}

/**
 * The views `broken` forces to be dropped, with why, by relationKey: those reading a broken column (or any
 * column of a dropped table), and, transitively, every view that reads one of them.
 */
export function viewsBrokenBy(state: DatabaseState, broken: BrokenColumns): Map<string, string> {
  const reasons = new Map<string, string>();
  const queue: string[] = [];
  for (const edge of state.edges) {
    const hit = broken.get(relationKey(edge.ref));
    if (!hit) continue;
    const columns =
      hit.columns === 'all' || edge.refColumns.length === 0
        ? []
        : edge.refColumns.filter((c) => (hit.columns as Set<string>).has(c));
    if (hit.columns !== 'all' && edge.refColumns.length > 0 && columns.length === 0) continue;
    const key = relationKey(edge.view);
    if (reasons.has(key)) continue;
    reasons.set(
      key,
      hit.columns === 'all'
        ? `it reads table ${displayName(edge.ref)}, which is dropped`
        : `it reads ${columns.map((c) => `${displayName(edge.ref)}.${c}`).join(', ') || displayName(edge.ref)}, which changes`,
    );
    queue.push(key);
  }
  const readBy = readersOf(state);
  while (queue.length) {
    const key = queue.shift()!;
    for (const reader of readBy.get(key) ?? []) {
      if (reasons.has(reader)) continue;
      reasons.set(reader, `it reads ${displayName(state.views.get(key)!)}, which is rebuilt`);
      queue.push(reader);
    }
  }
  return reasons;
}

/** view key -> keys of the views that read it. */
export function readersOf(state: DatabaseState): Map<string, Set<string>> {
  const readBy = new Map<string, Set<string>>();
  for (const e of state.edges) {
    const r = relationKey(e.ref);
    (readBy.get(r) ?? readBy.set(r, new Set()).get(r)!).add(relationKey(e.view));
  }
  return readBy;
}

/** `keys` in creation order by the catalog's edges (what a view reads comes first). */
export function creationOrder(state: DatabaseState, keys: Iterable<string>): string[] {
  const set = new Set(keys);
  const deps = new Map<string, string[]>([...set].map((k) => [k, []]));
  for (const e of state.edges) {
    const v = relationKey(e.view);
    const r = relationKey(e.ref);
    if (set.has(v) && set.has(r)) deps.get(v)!.push(r);
  }
  const sorted = topologicalSort(deps);
  if (!sorted.ok) throw new ViewDependencyCycleError(sorted.cycle);
  return sorted.order;
}

/** The closure of `keys` under "is read by" in `state`: the views plus everything that reads them. */
export function withReaders(state: DatabaseState, keys: Iterable<string>): Set<string> {
  const readBy = readersOf(state);
  const out = new Set([...keys].filter((k) => state.views.has(k)));
  const queue = [...out];
  while (queue.length) {
    const key = queue.shift()!;
    for (const reader of readBy.get(key) ?? []) {
      if (out.has(reader)) continue;
      out.add(reader);
      queue.push(reader);
    }
  }
  return out;
}
