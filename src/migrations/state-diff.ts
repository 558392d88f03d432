// How two catalog states differ in what a migration's down() must restore: each view's kind, query
// rendering, columns, described options (view-options.ts), reloptions, owner, privileges, populated state and indexes, and the
// registry rows. The generator checks its own down() with it before writing a file.
import type { DatabaseState } from '../catalog/reader';
import { displayName } from '../ddl/identifiers';
import { optionsOf } from '../options/view-options';

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
    const fields: [string, unknown, unknown][] = [
      ['kind', a.kind, b.kind],
      ['query', a.definition, b.definition],
      ['columns', a.columns, b.columns],
      // Every described option (comment, tablespace, storage parameters, check option, ...), then the raw
      // reloptions, so that an option without a descriptor is still caught.
      ...optionsOf(a.kind).map((o): [string, unknown, unknown] => [o.name, o.catalog(a) ?? null, o.catalog(b) ?? null]),
      ['reloptions', [...a.options].sort(), [...b.options].sort()],
      ['owner', a.owner, b.owner],
      ['privileges', a.acl && [...a.acl].sort(), b.acl && [...b.acl].sort()],
      ['populated state', a.populated, b.populated],
      [
        'indexes',
        (before.indexes.get(key) ?? []).map((i) => i.definition).sort(),
        (after.indexes.get(key) ?? []).map((i) => i.definition).sort(),
      ],
    ];
    for (const [field, x, y] of fields)
      if (JSON.stringify(x) !== JSON.stringify(y))
        out.push(`${displayName(a)}: ${field} ${JSON.stringify(x)} became ${JSON.stringify(y)}`);
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
