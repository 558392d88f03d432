// The check after a sync that dropped and restored views it does not manage: each must be back with every
// property it had (viewProperties), or the sync fails and its transaction is rolled back, rather than lose
// a trigger or a grant. Used by syncViews and synchronizeSchema.
import type { DatabaseState } from '../catalog/reader';
import { displayName } from '../ddl/identifiers';
import { SyncError } from '../errors';
import { SHAPE_PROPERTIES, viewDifferences } from '../migrations/state-diff';

/**
 * Throws SyncError when a view in `restored` (relation keys) differs between `before` and `after` in
 * anything but its query rendering and column types, which follow the tables and views it reads.
 */
export function checkRestored(
  caller: string,
  restored: ReadonlySet<string>,
  before: DatabaseState,
  after: DatabaseState,
): void {
  const lost = [...restored].flatMap((k) =>
    !before.views.has(k)
      ? []
      : after.views.has(k)
        ? viewDifferences(before, after, k, SHAPE_PROPERTIES)
        : [`${displayName(before.views.get(k)!)} is missing`],
  );
  if (lost.length)
    throw new SyncError(
      `${caller} would not restore the views it does not manage exactly: ${lost.join('; ')}. Nothing was changed: the transaction was rolled back. Please report this as a typeorm-pgview bug.`,
    );
}
