// `expression: sqlFile('./sql/user_stats.sql', __dirname)`: a view's query kept in a .sql file. The call
// only records where the file is; collection reads it (once: the text is kept) and reports a missing file
// naming the class, like every other declaration error.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SQL_FILE_BRAND = Symbol.for('typeorm-pgview:sql-file');

/** A view query read from a file, made by `sqlFile()`; give it as a view's `expression`. */
export interface SqlFile {
  /** The absolute path read, or undefined when a relative path was given without a base. */
  readonly path: string | undefined;
  /** The path as written in the `sqlFile()` call, for messages. */
  readonly written: string;
  /** Always `'sqlFile'` (the object also carries a `Symbol.for` brand that collection checks). */
  readonly kind: 'sqlFile';
}

/** The outcome of reading an SqlFile: its text, or why it could not be read (a sentence's end). */
export type SqlFileText = { readonly text: string } | { readonly problem: string };

const texts = new WeakMap<SqlFile, string>();

function baseDirectory(base: string): string {
  // `import.meta.url` names the declaring module: its directory is the base. A plain path is a directory
  // (`__dirname`), as with path.resolve.
  return base.startsWith('file:') ? dirname(fileURLToPath(base)) : base;
}

/**
 * A view's query kept in a `.sql` file. A relative path is resolved against `base`: `__dirname` in
 * CommonJS, `import.meta.url` in an ES module (the declaring file's directory either way); an absolute path
 * or a `file:` URL needs no base. The file is read when the DataSource's views are collected (once), and its
 * text is checked like an inline `expression` (one query, no second statement).
 *
 * @example
 * ```ts
 * @MaterializedView({ name: 'user_stats', expression: sqlFile('./sql/user_stats.sql', __dirname) })
 * export class UserStats { @ViewColumn() user_id!: number; }
 * ```
 */
export function sqlFile(path: string | URL, base?: string | URL): SqlFile {
  const written = String(path);
  let absolute: string | undefined;
  if (path instanceof URL || written.startsWith('file:')) absolute = fileURLToPath(path);
  else if (isAbsolute(written)) absolute = written;
  else if (base !== undefined) absolute = resolve(baseDirectory(String(base)), written);
  return Object.freeze({ kind: 'sqlFile' as const, path: absolute, written, [SQL_FILE_BRAND]: true });
}

/** Whether `value` was made by `sqlFile()` (by this copy of the package or another). */
export function isSqlFile(value: unknown): value is SqlFile {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SQL_FILE_BRAND] === true;
}

/** Reads the file of an SqlFile (once; later calls return the same text). */
export function readSqlFile(file: SqlFile): SqlFileText {
  const known = texts.get(file);
  if (known !== undefined) return { text: known };
  if (file.path === undefined)
    return {
      problem: `has the relative path '${file.written}' and no base. Write sqlFile('${file.written}', __dirname) (CommonJS) or sqlFile('${file.written}', import.meta.url) (ES modules)`,
    };
  let text: string;
  try {
    text = readFileSync(file.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`;
    return { problem: `names ${file.path}, which ${why}. Check the path and its base` };
  }
  texts.set(file, text);
  return { text };
}
