// check: checkDrift; exit 1 with the list when the views drift, 0 when they match (for CI and deploys).
import { checkDrift } from '../status/drift';
import type { CheckArgs } from './args';
import { withDataSource } from './data-source';
import type { CommandIo } from './io';

/** Runs the command; returns the exit code. */
export async function checkCommand(args: CheckArgs, io: CommandIo): Promise<number> {
  const drift = await withDataSource(args.dataSource, (ds) => checkDrift(ds));
  if (args.json) io.out(JSON.stringify({ version: 1, drift }, null, 2));
  else if (drift.length === 0) io.out("No drift: the database's views match the declarations.");
  else
    io.out(
      `${io.colours.red('Drift found')}: ${drift.length} difference${drift.length === 1 ? '' : 's'} between the database and the declarations (typeorm-pgview sync, or a migration, fixes them):\n${drift.map((d) => `  - ${d.detail}`).join('\n')}`,
    );
  return drift.length === 0 ? 0 : 1;
}
