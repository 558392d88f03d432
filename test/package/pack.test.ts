// The package as users install it: `npm pack`, installed into scratch projects (CommonJS and ESM) with
// today's `npm i typescript` (7.x), imported both ways, and the README's quick start compiled under `strict`
// and run against a real database, as written.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();
const root = path.resolve(__dirname, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const scratch = mkdtempSync(path.join(os.tmpdir(), 'typeorm-pgview-pack-'));
let tarball: string;
let files: string[];

/** The README's first fenced block of `lang` after `heading`. */
function readmeBlock(heading: string, lang: string): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const from = readme.indexOf(`\n${heading}\n`);
  if (from < 0) throw new Error(`README.md has no "${heading}" section`);
  const match = readme.slice(from).match(new RegExp('```' + lang + '(?: [^\\n]*)?\\n([^]*?)\\n```'));
  if (!match) throw new Error(`README.md's "${heading}" section has no \`\`\`${lang} block`);
  return match[1]!;
}

function run(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(file, args, { cwd, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, ...env } });
}

beforeAll(() => {
  run(npm, ['pack', '--silent', '--pack-destination', scratch], root);
  tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'))!;
  files = run('tar', ['-tzf', tarball], scratch)
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''))
    .sort();
  writeFileSync(
    path.join(scratch, 'package.json'),
    JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }),
  );
  // As a user installs it (npm resolves the peers); typescript@7 as `npm i typescript` gives it today.
  run(
    npm,
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      `./${tarball}`,
      'typeorm@1.1.1',
      'pg@8',
      'reflect-metadata@0.2',
      'typescript@7',
      '@types/node@20',
    ],
    scratch,
  );
}, 180_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the packed tarball', () => {
  it('holds the library, its types, README, LICENSE and docs, and no tests, benchmarks, sources or maps', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'package.json',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/cli/index.js',
        'dist/nestjs/index.js',
        'dist/nestjs/index.d.ts',
      ]),
    );
    for (const doc of readdirSync(path.join(root, 'docs'))) expect(files).toContain(`docs/${doc}`);
    const unexpected = files.filter(
      (f) =>
        !/^(LICENSE|README\.md|package\.json)$/.test(f) &&
        !/^dist\/.*\.(js|mjs|d\.ts)$/.test(f) &&
        !/^docs\/[^/]+\.md$/.test(f),
    );
    expect(unexpected).toEqual([]);
    // Budget: about 255 kB packed on 2026-12-03; a stray folder (node_modules, bench results) would blow it.
    expect(statSync(path.join(scratch, tarball)).size).toBeLessThan(300_000);
    const manifest = JSON.parse(readFileSync(path.join(scratch, 'node_modules/typeorm-pgview/package.json'), 'utf8'));
    expect(manifest.peerDependencies).toEqual(
      expect.objectContaining({
        typeorm: expect.any(String),
        pg: expect.any(String),
        'reflect-metadata': expect.any(String),
      }),
    );
    // The NestJS entry's peers are optional: users without Nest install none of them.
    expect(manifest.peerDependenciesMeta).toEqual({
      '@nestjs/common': { optional: true },
      '@nestjs/core': { optional: true },
      '@nestjs/typeorm': { optional: true },
    });
    expect(manifest).toEqual(
      expect.objectContaining({
        repository: expect.any(Object),
        homepage: expect.any(String),
        bugs: expect.any(Object),
      }),
    );
  });

  it('is imported from CommonJS and from ESM, with the same named exports', () => {
    const cjs = run(
      process.execPath,
      ['-e', "console.log(Object.keys(require('typeorm-pgview')).filter((k) => k !== '__esModule').sort().join(','))"],
      scratch,
    );
    const esmDir = path.join(scratch, 'esm');
    mkdirSync(esmDir, { recursive: true });
    writeFileSync(path.join(esmDir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      path.join(esmDir, 'check.js'),
      `import * as lib from 'typeorm-pgview';
import { syncViews } from 'typeorm-pgview';
import manifest from 'typeorm-pgview/package.json' with { type: 'json' };
if (typeof syncViews !== 'function' || manifest.name !== 'typeorm-pgview') throw new Error('bad import');
console.log(Object.keys(lib).filter((k) => !['default', 'module.exports', '__esModule'].includes(k)).sort().join(','));
`,
    );
    const esm = run(process.execPath, ['check.js'], esmDir);
    expect(cjs.split(',')).toEqual(
      expect.arrayContaining(['syncViews', 'MaterializedView', 'PgView', 'refreshMaterializedView']),
    );
    expect(esm).toBe(cjs);
  });

  it.each(['commonjs', 'module'] as const)(
    "runs the README's quick start as written, compiled under strict by TypeScript 7 (%s project)",
    async (type) => {
      const project = path.join(scratch, `quickstart-${type}`);
      mkdirSync(path.join(project, 'src'), { recursive: true });
      writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: `qs-${type}`, private: true, type }));
      // The README's tsconfig flags, on a strict project of either kind.
      const flags = JSON.parse(readmeBlock('## Install', 'json')).compilerOptions;
      writeFileSync(
        path.join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            ...flags,
            strict: true,
            target: 'ES2022',
            module: type === 'module' ? 'nodenext' : 'commonjs',
            moduleResolution: type === 'module' ? 'nodenext' : 'node16',
            ...(type === 'module' ? {} : { module: 'node16' }),
            outDir: 'dist',
            rootDir: 'src',
            skipLibCheck: false,
            types: ['node'],
          },
          include: ['src'],
        }),
      );
      writeFileSync(path.join(project, 'src', 'quickstart.ts'), readmeBlock('## Quick start', 'ts'));
      const tsc = path.join(scratch, 'node_modules', 'typescript', 'bin', 'tsc');
      expect(run(process.execPath, [tsc, '--version'], project)).toMatch(/^Version 7\./);
      run(process.execPath, [tsc, '-p', '.'], project);
      try {
        const out = run(process.execPath, ['dist/quickstart.js'], project, { DATABASE_URL: db.url });
        // What the README says it prints, as console.log prints it (line breaks aside).
        const printed = readFileSync(path.join(root, 'README.md'), 'utf8').match(/It prints `([^`]+)`/)![1];
        expect(out.replace(/\s+/g, ' ').trim()).toBe(printed);
        expect(await db.query('SELECT count(*)::int AS n FROM user_stats')).toEqual([{ n: 1 }]);
      } finally {
        // Each project starts from an empty database, as a user's would.
        for (const sql of [
          'DROP MATERIALIZED VIEW IF EXISTS user_stats',
          'DROP VIEW IF EXISTS active_users',
          'DROP TABLE IF EXISTS orders, users, typeorm_pgview_views',
        ])
          await db.query(sql);
      }
    },
    120_000,
  );

  describe('the CLI loads the data-source files users have (TypeScript 7 installed, no ts-node)', () => {
    const entity = `import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
@Entity({ name: 'scratch_users' })
export class User {
  @PrimaryGeneratedColumn() id!: number;
  @Column() name!: string; // no explicit type: TypeORM reads design:type, which only decorator metadata gives
  @Column() active!: boolean;
}
`;
    const dataSource = (
      userImport: string,
      exports = 'export const AppDataSource = source;',
    ) => `import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { User } from '${userImport}';
const source = new DataSource({ type: 'postgres', url: process.env.DATABASE_URL, entities: [User] });
${exports}
`;
    const compiledEntity = (format: 'cjs' | 'esm') =>
      format === 'cjs'
        ? `const { Column, Entity, PrimaryGeneratedColumn } = require('typeorm');
class User {}
Column('varchar')(User.prototype, 'name'); Column('boolean')(User.prototype, 'active');
PrimaryGeneratedColumn()(User.prototype, 'id'); Entity({ name: 'scratch_users' })(User);
module.exports = { User };
`
        : `import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
export class User {}
Column('varchar')(User.prototype, 'name'); Column('boolean')(User.prototype, 'active');
PrimaryGeneratedColumn()(User.prototype, 'id'); Entity({ name: 'scratch_users' })(User);
`;

    function project(type: 'commonjs' | 'module', files: Record<string, string>): string {
      const dir = path.join(scratch, `cli-${type}`);
      mkdirSync(path.join(dir, 'src', 'entity'), { recursive: true });
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `cli-${type}`, private: true, type }));
      for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
      return dir;
    }

    function cli(dir: string, args: string[]): { code: number; stdout: string; stderr: string } {
      const bin = path.join(scratch, 'node_modules', 'typeorm-pgview', 'dist', 'cli', 'index.js');
      try {
        const stdout = run(process.execPath, [bin, ...args], dir, { DATABASE_URL: db.url });
        return { code: 0, stdout, stderr: '' };
      } catch (error) {
        const e = error as { status: number; stdout: string; stderr: string };
        return { code: e.status, stdout: e.stdout, stderr: e.stderr };
      }
    }

    // Column types come from decorator metadata in the TypeScript entity (declared order: id, name, active).
    const TABLE =
      /CREATE TABLE "scratch_users" \((?=[^`]*"name" character varying NOT NULL)(?=[^`]*"active" boolean NOT NULL)/;

    it.each([
      ['commonjs', 'src/data-source.ts', dataSource('./entity/User')],
      ['commonjs', 'src/data-source.cts', dataSource('./entity/User.js')],
      [
        'commonjs',
        'src/data-source.js',
        "require('reflect-metadata');\nconst { DataSource } = require('typeorm');\nconst { User } = require('./entity/compiled.js');\nmodule.exports = new DataSource({ type: 'postgres', url: process.env.DATABASE_URL, entities: [User] });\n",
      ],
      ['commonjs', 'src/data-source.mjs', dataSource('./entity/User.js', 'export default source;')],
      ['module', 'src/data-source.ts', dataSource('./entity/User.js', 'export default source;')],
      ['module', 'src/data-source.mts', dataSource('./entity/User.js')],
      ['module', 'src/data-source.cts', dataSource('./entity/User')],
      [
        'module',
        'src/data-source.mjs',
        "import 'reflect-metadata';\nimport { DataSource } from 'typeorm';\nimport { User } from './entity/compiled.js';\nexport const ds = new DataSource({ type: 'postgres', url: process.env.DATABASE_URL, entities: [User] });\n",
      ],
      [
        'module',
        'src/data-source.cjs',
        "require('reflect-metadata');\nconst { DataSource } = require('typeorm');\nconst { User } = require('./entity/compiled.cjs');\nexports.ds = new DataSource({ type: 'postgres', url: process.env.DATABASE_URL, entities: [User] });\n",
      ],
    ])('%s project, -d %s: migration:generate works', (type, file, text) => {
      const dir = project(type as 'commonjs' | 'module', {
        'src/entity/User.ts': entity,
        [`src/entity/compiled.${type === 'module' ? 'js' : 'js'}`]: compiledEntity(type === 'module' ? 'esm' : 'cjs'),
        'src/entity/compiled.cjs': compiledEntity('cjs'),
        [file]: text,
      });
      const result = cli(dir, ['migration:generate', 'src/migrations/Init', '-d', file, '--dry-run']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(TABLE);
    });

    it.each([
      ['a syntax error', 'class {', /it does not compile: .+ \(line 1\)$/],
      [
        'a missing import',
        "import { x } from 'no-such-package';\nexport default x;",
        /it imports no-such-package, which cannot be found/,
      ],
      ['no DataSource export', 'export const answer = 42;', /exports no DataSource\. Export one/],
      [
        'two DataSources',
        dataSource('./entity/User', 'export const a = source;\nexport const b = new DataSource({ type: "postgres" });'),
        /exports 2 DataSources; the command needs exactly one/,
      ],
    ])('a data source with %s: exit 1, one line naming the file', (_what, text, message) => {
      const dir = project('commonjs', { 'src/entity/User.ts': entity, 'src/bad.ts': text as string });
      const result = cli(dir, ['migration:generate', 'src/migrations/Init', '-d', 'src/bad.ts']);
      expect(result.code).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(path.join(dir, 'src', 'bad.ts'));
      expect(lines[0]).toMatch(message as RegExp);
    });

    it('--version, usage on stderr with exit 1 for no command, --help per command', () => {
      const dir = project('commonjs', {});
      const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
      expect(cli(dir, ['--version'])).toEqual({ code: 0, stdout: `${manifest.version}\n`, stderr: '' });
      const none = cli(dir, []);
      expect(none.code).toBe(1);
      expect(none.stdout).toBe('');
      expect(none.stderr).toMatch(/^Usage: typeorm-pgview <command>/);
      const help = cli(dir, ['migration:generate', '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^Usage: typeorm-pgview migration:generate <path\/Name> -d <data-source file>/);
    });
  });
});

describe('typeorm-pgview/nestjs', () => {
  const probe = `const r = (id) => { try { return Object.keys(require(id)).sort().join(','); } catch (e) { return e.code; } };
console.log(JSON.stringify({ main: typeof require('typeorm-pgview').syncViews, nestjs: r('typeorm-pgview/nestjs') }));`;

  it('is a separate entry: without @nestjs installed the main one loads, and only /nestjs asks for @nestjs', () => {
    expect(JSON.parse(run(process.execPath, ['-e', probe], scratch))).toEqual({
      main: 'function',
      nestjs: 'MODULE_NOT_FOUND', // @nestjs/common, an optional peer, is not installed here
    });
    const mainFiles = files.filter((f) => f.startsWith('dist/') && !f.startsWith('dist/nestjs/') && f.endsWith('.js'));
    const naming = mainFiles.filter((f) =>
      readFileSync(path.join(scratch, 'node_modules/typeorm-pgview', f), 'utf8').includes('@nestjs'),
    );
    expect(naming).toEqual([]);
  });

  it('loads from CommonJS with NestJS 12 (ESM-only) installed, through require(esm)', () => {
    run(
      npm,
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '@nestjs/common@12',
        '@nestjs/core@12',
        '@nestjs/typeorm@12',
        'rxjs@7',
      ],
      scratch,
    );
    expect(JSON.parse(run(process.execPath, ['-e', probe], scratch))).toEqual({
      main: 'function',
      nestjs: 'InjectPgView,PgViewModule,PgViewService,getPgViewOptionsToken,getPgViewServiceToken',
    });
  }, 180_000);
});
