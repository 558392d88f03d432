// Loads the DataSource exported by a file, as the TypeORM CLI does: the module itself or exactly one of its
// exports (awaited, so an exported Promise<DataSource> works). TypeScript files need a loader: ts-node is
// registered when it is installed and nothing else handles `.ts` yet.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DataSource } from 'typeorm';
import { CliError } from './errors';

function isDataSource(value: unknown): value is DataSource {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as DataSource).initialize === 'function' &&
    typeof (value as DataSource).createQueryRunner === 'function' &&
    typeof (value as DataSource).options === 'object'
  );
}

function registerTypeScript(file: string): void {
  if (require.extensions['.ts']) return;
  let tsNode: string;
  try {
    tsNode = require.resolve('ts-node', { paths: [path.dirname(file), process.cwd(), __dirname] });
  } catch {
    throw new CliError(
      `${file} is TypeScript and ts-node is not installed: install it (npm i -D ts-node), or pass the compiled .js file with -d.`,
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require(tsNode) as { register(options: object): void }).register({ transpileOnly: true });
}

// A real dynamic import, which TypeScript's CommonJS output would otherwise turn into require().
const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

async function loadModule(file: string): Promise<unknown> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw error;
    return importModule(pathToFileURL(file).href);
  }
}

/** The DataSource exported by `file` (relative to the current directory), not yet initialized. */
export async function loadDataSource(file: string): Promise<DataSource> {
  const full = path.resolve(process.cwd(), file);
  if (!existsSync(full)) throw new CliError(`Data source file ${full} does not exist. Check the -d path.`);
  if (/\.[cm]?ts$/.test(full)) registerTypeScript(full);
  let exported: unknown;
  try {
    exported = await loadModule(full);
  } catch (error) {
    throw new CliError(`Unable to load ${full}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (isDataSource(exported)) return exported;
  const found: DataSource[] = [];
  if (typeof exported === 'object' && exported !== null)
    for (const value of Object.values(exported)) {
      const awaited = await value;
      if (isDataSource(awaited) && !found.includes(awaited)) found.push(awaited);
    }
  if (found.length === 0)
    throw new CliError(`${full} exports no DataSource. Export one: export default new DataSource({...}).`);
  if (found.length > 1)
    throw new CliError(
      `${full} exports ${found.length} DataSources; the command needs exactly one. Point -d to a file exporting one.`,
    );
  return found[0]!;
}
