// How two catalog states differ in what a migration's down() must restore: every property of each view
// (viewProperties: its query, columns, options, indexes, and what users add by hand, such as column
// comments, triggers and grants), and the registry rows. The generator checks its own down() with it
// before writing a file; syncViews checks the views it restored with viewDifferences.
import type { DatabaseState } from '../catalog/reader';
import { displayName } from '../ddl/identifiers';
import { optionsOf } from '../options/view-options';

/** A list sorted by its items' JSON, for comparisons that must not depend on catalog order. */
const sorted = <T>(items: readonly T[]): T[] =>
  [...items].sort((x, y) =>
    JSON.stringify(x) < JSON.stringify(y) ? -1 : JSON.stringify(x) > JSON.stringify(y) ? 1 : 0,
  );

/**
 * Every property of a view a restore must give back, by name, as comparable values: what its declaration
 * or definition controls (kind, query, columns, described options, reloptions, populated state, indexes
 * with their tablespaces, comments and clustering) and what users add by hand (column comments, defaults,
 * grants and statistics targets; triggers; rules; security labels; extended statistics; owner; privileges;
 * extension membership). `shape` is the first three: they follow what the view reads.
 */
export function viewProperties(state: DatabaseState, key: string): [property: string, value: unknown][] {
  const v = state.views.get(key)!;
  return [
    ['kind', v.kind],
    ['query', v.definition],
    ['columns', v.columns],
    // Every described option (comment, tablespace, storage parameters, check option, ...), then the raw
    // reloptions, so that an option without a descriptor is still caught.
    ...optionsOf(v.kind).map((o): [string, unknown] => [o.name, o.catalog(v) ?? null]),
    ['reloptions', [...v.options].sort()],
    ['owner', v.owner],
    ['privileges', v.acl && [...v.acl].sort()],
    ['populated state', v.populated],
    [
      'indexes',
      (state.indexes.get(key) ?? [])
        .map(
          (i) =>
            `${i.definition}${i.tablespace ? ` (tablespace ${i.tablespace})` : ''}${i.comment !== undefined ? ` (comment ${JSON.stringify(i.comment)})` : ''}${i.clustered ? ' (clustered)' : ''}`,
        )
        .sort(),
    ],
    [
      'column comments, defaults, grants and statistics targets',
      v.columnExtras.map((c) => ({ ...c, acl: c.acl && [...c.acl].sort() })),
    ],
    ['triggers', v.triggers],
    ['rules', v.rules],
    ['security labels', sorted(v.securityLabels)],
    ['extended statistics', v.statistics],
    ['extension', v.extension ?? null],
    ['access method', v.accessMethod ?? null],
  ];
}

/** Properties that follow what a view reads: a restored reader of a changed view may differ in these. */
export const SHAPE_PROPERTIES: ReadonlySet<string> = new Set(['query', 'columns']);

/**
 * One line per property of the view `key` that differs between the two states (both must hold it);
 * `except` names properties left out.
 */
export function viewDifferences(
  before: DatabaseState,
  after: DatabaseState,
  key: string,
  except: ReadonlySet<string> = new Set(),
): string[] {
  const a = viewProperties(before, key);
  const b = new Map(viewProperties(after, key));
  const name = displayName(before.views.get(key)!);
  return a
    .filter(([property, x]) => !except.has(property) && JSON.stringify(x) !== JSON.stringify(b.get(property)))
    .map(([property, x]) => `${name}: ${property} ${JSON.stringify(x)} became ${JSON.stringify(b.get(property))}`);
}

/** One line per difference; empty when the two states agree. */
export function stateDifferences(before: DatabaseState, after: DatabaseState): string[] {
  const out: string[] = [];
  const keys = new Set([...before.views.keys(), ...after.views.keys()]);
  for (const key of keys) {
    const a = before.views.get(key);
    const b = after.views.get(key);
    if (!a || !b) {
      out.push(`${displayName((a ?? b)!)} ${a ? 'is missing' : 'was not there before'}`);
      continue;
    }
    out.push(...viewDifferences(before, after, key));
  }
  if (before.autoRefreshTriggers !== after.autoRefreshTriggers)
    out.push(`the auto-refresh triggers ${before.autoRefreshTriggers ? 'are gone' : 'were not there before'}`);
  if (before.registryExists !== after.registryExists)
    out.push(`the registry table ${before.registryExists ? 'is missing' : 'was not there before'}`);
  const rows = (s: DatabaseState) =>
    JSON.stringify([...s.registry.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  if (before.registryExists && after.registryExists && rows(before) !== rows(after))
    out.push('the registry rows differ');
  return out;
}
