// Loads the DataSource exported by a file, as the TypeORM CLI does: the module itself or exactly one of its
// exports (awaited, so an exported Promise<DataSource> works; the same instance exported twice counts once,
// where TypeORM's CLI refuses). TypeScript files are compiled with SWC (./typescript), never with the
// user's TypeScript or ts-node.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DataSource } from 'typeorm';
import { CliError } from './errors';
import { moduleFormat } from './typescript/format';
import { registerTypeScript } from './typescript/register';
import { firstErrorLine } from './typescript/transpile';

function isDataSource(value: unknown): value is DataSource {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as DataSource).initialize === 'function' &&
    typeof (value as DataSource).createQueryRunner === 'function' &&
    typeof (value as DataSource).options === 'object'
  );
}

// A real dynamic import, which TypeScript's CommonJS output would otherwise turn into require().
const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

/** `require()` for CommonJS files, `import()` for ES modules, as Node itself would treat the file. */
async function loadModule(file: string): Promise<unknown> {
  const format = moduleFormat(file);
  // A .js/.mjs file may import .ts files too (its entities): the loader is installed for every file.
  registerTypeScript({ esm: format === 'module' });
  if (format === 'module') return importModule(pathToFileURL(file).href);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file);
}

/** Why a file failed to load, in one line: the compiler's complaint, the missing module, or the error. */
function loadFailure(error: unknown): string {
  const e = error as { code?: string; message?: string };
  if (/Syntax Error|Unexpected token|Expected /.test(e.message ?? '') && !(error instanceof SyntaxError))
    return `it does not compile: ${firstErrorLine(error)}`;
  if (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND') {
    const missing = e.message?.match(/Cannot find (?:module|package) '([^']+)'/)?.[1];
    return missing
      ? `it imports ${missing}, which cannot be found (install it, or fix the import)`
      : firstLine(e.message);
  }
  return firstLine(e.message ?? String(error));
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]!;
}

/** The DataSource exported by `file` (relative to the current directory), not yet initialized. */
export async function loadDataSource(file: string): Promise<DataSource> {
  const full = path.resolve(process.cwd(), file);
  if (!existsSync(full)) throw new CliError(`Data source file ${full} does not exist. Check the -d path.`);
  if (!/\.[cm]?[jt]s$/.test(full))
    throw new CliError(`Data source file ${full} is not a .ts, .mts, .cts, .js, .mjs or .cjs file. Check the -d path.`);
  let exported: unknown;
  try {
    exported = await loadModule(full);
  } catch (error) {
    throw new CliError(`Unable to load ${full}: ${loadFailure(error)}`);
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
