// The code blocks of README.md and docs/: found, type-checked as our users would compile them, and the
// ones marked runnable (```ts runnable) run. Used by snippets.test.ts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NODE_FLAGS, withoutTypeormWarnings } from '../support/typeorm-version';
import ts from 'typescript';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface Snippet {
  /** The Markdown file, relative to the repository root. */
  readonly file: string;
  /** The line of the opening fence (1-based). */
  readonly line: number;
  /** The words after ```ts: `runnable` runs it. */
  readonly tags: readonly string[];
  readonly code: string;
  /** What the text right after the block says it prints (`It prints \`...\``), if it does. */
  readonly prints?: string;
}

/** README.md and every Markdown file under docs/, sorted. */
export function documentationFiles(): string[] {
  const docs = (dir: string): string[] =>
    readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? docs(path.join(dir, e.name)) : e.name.endsWith('.md') ? [path.join(dir, e.name)] : [],
    );
  return ['README.md', ...docs('docs').sort()];
}

/** The ```ts and ```typescript blocks of a Markdown text. */
export function snippetsOf(file: string, markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})(ts|typescript)\b(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, , rest] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j]!.trimStart().startsWith(fence!); j++)
      body.push(lines[j]!.slice(Math.min(indent!.length, lines[j]!.search(/\S|$/))));
    const next = lines.slice(j + 1).find((l) => l.trim() !== '');
    const prints = next && /^It prints `([^`]+)`/.exec(next.trim())?.[1];
    snippets.push({
      file,
      line: i + 1,
      tags: rest!.trim().split(/\s+/).filter(Boolean),
      code: body.join('\n'),
      ...(prints ? { prints } : {}),
    });
    i = j;
  }
  return snippets;
}

/** Every snippet of the documentation. */
export function allSnippets(): Snippet[] {
  return documentationFiles().flatMap((f) => snippetsOf(f, readFileSync(path.join(ROOT, f), 'utf8')));
}

/**
 * What a fragment may take as given, as the text around it says: a DataSource `ds` / `dataSource`, a
 * migration's `queryRunner`, an `entityManager`, an auto-refresh handle `auto`, the quick start's entity
 * classes, and a connection `url`, `entities` and `options` for a DataSource. A snippet that declares one of
 * these itself uses its own (module scope shadows these globals).
 */
const PRELUDE = `
import type { DataSource, DataSourceOptions, EntityManager, QueryRunner } from 'typeorm';
import type { AutoRefresh } from 'typeorm-pgview';
declare global {
  const ds: DataSource;
  const dataSource: DataSource;
  const entityManager: EntityManager;
  const queryRunner: QueryRunner;
  const auto: AutoRefresh;
  const url: string;
  const entities: NonNullable<DataSourceOptions['entities']>;
  const options: { type: 'postgres'; url: string };
  class User { id: number; name: string; isActive: boolean }
  class Order { id: number; user: User; amount: string }
  class ActiveUser { id: number; name: string }
  class UserStats { userId: number; name: string; orderCount: number; totalSpent: string }
}
export {};
`;

const PRELUDE_FILE = path.join(ROOT, 'test', 'docs', '__snippet_prelude__.ts');

/** The virtual file name a snippet is compiled as (inside the repository, so node_modules resolve). */
export function snippetFileName(s: Snippet): string {
  return path.join(ROOT, 'test', 'docs', '__snippets__', `${s.file.replace(/[\\/.]/g, '_')}_L${s.line}.ts`);
}

/** A snippet as a module: fragments without import or export get `export {}` (for top-level await). */
function asModule(code: string): string {
  return /^\s*(import|export)\s/m.test(code) ? code : `${code}\nexport {};\n`;
}

/**
 * Type-checks every snippet as a strict ES module, as a user's project with legacy decorators compiles it,
 * with `typeorm-pgview` resolved to this repository's src/. Returns one line per problem:
 * `docs/x.md:12 (snippet line 3): TS2304 Cannot find name 'foo'.`
 */
export function typeCheck(snippets: readonly Snippet[]): string[] {
  const files = new Map<string, string>([[PRELUDE_FILE, PRELUDE]]);
  const bySnippetFile = new Map<string, Snippet>();
  for (const s of snippets) {
    const name = snippetFileName(s);
    files.set(name, asModule(s.code));
    bySnippetFile.set(name, s);
  }
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    baseUrl: ROOT,
    paths: { 'typeorm-pgview': ['src/index.ts'], 'typeorm-pgview/nestjs': ['src/nestjs/index.ts'] },
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => files.get(f) ?? readFile(f);
  host.fileExists = (f) => files.has(f) || fileExists(f);
  host.getSourceFile = (f, language, onError, create) =>
    files.has(f) ? ts.createSourceFile(f, files.get(f)!, language, true) : getSourceFile(f, language, onError, create);
  const program = ts.createProgram([...files.keys()], options, host);
  const problems: string[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    const snippet = d.file ? bySnippetFile.get(d.file.fileName) : undefined;
    if (snippet && d.start !== undefined) {
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start);
      problems.push(`${snippet.file}:${snippet.line + 1 + line} (snippet line ${line + 1}): TS${d.code} ${text}`);
    } else problems.push(`${d.file ? path.relative(ROOT, d.file.fileName) : '(options)'}: TS${d.code} ${text}`);
  }
  return problems;
}

/**
 * Runs a complete-program snippet (```ts runnable) as a user would, with `typeorm-pgview` being this
 * repository's src/ and DATABASE_URL the given database. Returns its exit code and output.
 */
export function runSnippet(s: Snippet, databaseUrl: string): { status: number | null; stdout: string; stderr: string } {
  const file = snippetFileName(s);
  mkdirSync(path.dirname(file), { recursive: true });
  const source = path.relative(path.dirname(file), path.join(ROOT, 'src')).split(path.sep).join('/');
  writeFileSync(
    file,
    s.code.replace(/from 'typeorm-pgview(\/nestjs)?'/g, (_, sub: string = '') => `from '${source}${sub}'`),
  );
  try {
    const result = spawnSync(process.execPath, [...NODE_FLAGS, '-r', 'ts-node/register/transpile-only', file], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: withoutTypeormWarnings(result.stderr) };
  } finally {
    rmSync(file, { force: true });
  }
}
