// Options a supported PostgreSQL may lack (each descriptor's `minimumServer`), checked against the server by
// every entry point that writes DDL from a declaration: the planner (syncViews, dry runs, the migration
// generator) and the hand-written migration operations. Pure: the server version comes in as a number.
import { describeView } from '../ddl/identifiers';
import { UnsupportedServerError } from '../errors';
import type { ViewDefinition } from '../metadata/definition';
import { declaredValue, optionsOf } from './view-options';

/**
 * Throws UnsupportedServerError naming the view and the option when a definition uses an option that needs a
 * newer PostgreSQL than `serverVersion` (server_version_num, e.g. 120022). Views with `synchronize: false`
 * are not written by the planner and are skipped unless `all` is set (the migration operations write them).
 */
export function checkServer(
  definitions: readonly ViewDefinition[],
  serverVersion: number,
  { all = false }: { all?: boolean } = {},
): void {
  const major = Math.floor(serverVersion / 10000);
  for (const d of definitions) {
    if (!d.synchronize && !all) continue;
    for (const option of optionsOf(d.kind)) {
      const minimum = option.minimumServer;
      if (minimum && serverVersion < minimum.version && minimum.inUse(declaredValue(option, d)))
        throw new UnsupportedServerError(
          `${d.source} (${describeView(d)}): option \`${option.name}\` needs PostgreSQL ${Math.floor(minimum.version / 10000)} or later; this server is ${major}. Remove the option or upgrade the server.`,
        );
    }
  }
}
