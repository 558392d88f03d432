// migration:generate: load the data source, work out the migration, then write, print or check it.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateMigration } from '../migrations/generate';
import { checkDrift } from '../status/drift';
import type { GenerateArgs } from './args';
import { withDataSource } from './data-source';

/** Runs the command; returns the exit code. Output goes to `print`. */
export async function generateCommand(args: GenerateArgs, print: (text: string) => void): Promise<number> {
  const fullPath = path.resolve(process.cwd(), args.path);
  const name = path.basename(fullPath);
  const options = {
    name,
    timestamp: args.timestamp ?? Date.now(),
    ...(args.autoRefreshTriggers ? { autoRefreshTriggers: true } : {}),
    ...(args.rebuild ? { rebuild: args.rebuild } : {}),
  };
  const { migration, drift } = await withDataSource(args.dataSource, async (dataSource) => {
    // --check decides by the one definition of drift that `typeorm-pgview check` uses, plus the tables.
    const found = args.check
      ? await checkDrift(dataSource, {
          tables: true,
          ...(args.autoRefreshTriggers ? { autoRefreshTriggers: true } : {}),
        })
      : undefined;
    if (found?.length === 0) return { migration: undefined, drift: found };
    return { migration: await generateMigration(dataSource, options), drift: found };
  });
  if (drift && drift.length > 0) {
    const list = drift.map((d) => `  - ${d.detail}`).join('\n');
    print(
      `Changes were found (--check):\n${list}\n\n${migration ? `A migration would be generated:\n\n${migration.source}` : ''}`.trimEnd(),
    );
    return 1;
  }
  if (!migration) {
    print(
      'No changes in database schema were found: the database matches the entities and views. No migration written.',
    );
    return 0;
  }
  const file = path.join(path.dirname(fullPath), migration.fileName);
  if (args.dryRun) {
    print(`Migration ${file} would have this content:\n\n${migration.source}`);
    return 0;
  }
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, migration.source);
  print(`Migration ${file} has been generated: ${migration.up.length} statements up, ${migration.down.length} down.`);
  return 0;
}
