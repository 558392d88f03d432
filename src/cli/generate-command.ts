// migration:generate: load the data source, work out the migration, then write, print or check it.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateMigration } from '../migrations/generate';
import type { GenerateArgs } from './args';
import { CliError } from './errors';
import { loadDataSource } from './load-data-source';

/** Runs the command; returns the exit code. Output goes to `print`. */
export async function generateCommand(args: GenerateArgs, print: (text: string) => void): Promise<number> {
  const dataSource = await loadDataSource(args.dataSource);
  // As the TypeORM CLI does: generating must never change the schema by itself.
  dataSource.setOptions({ synchronize: false, migrationsRun: false, dropSchema: false, logging: false });
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new CliError(`Cannot connect with the data source in ${args.dataSource}: ${(error as Error).message}`);
  }
  const fullPath = path.resolve(process.cwd(), args.path);
  const name = path.basename(fullPath);
  let migration;
  try {
    migration = await generateMigration(dataSource, {
      name,
      timestamp: args.timestamp ?? Date.now(),
      ...(args.autoRefreshTriggers ? { autoRefreshTriggers: true } : {}),
    });
  } finally {
    await dataSource.destroy();
  }
  if (!migration) {
    print(
      'No changes in database schema were found: the database matches the entities and views. No migration written.',
    );
    return 0;
  }
  if (args.check) {
    print(`Changes were found (--check): a migration would be generated:\n\n${migration.source}`);
    return 1;
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
