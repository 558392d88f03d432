// The CLI's TypeScript loader: which module system a file belongs to, which files a specifier may mean,
// and what SWC keeps (decorator metadata, class names) and how its errors read.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { moduleFormat, typeScriptCandidates } from '../../src/cli/typescript/format';
import { firstErrorLine, transpile } from '../../src/cli/typescript/transpile';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pgview-format-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('moduleFormat', () => {
  it('follows the extension, then the nearest package.json', () => {
    mkdirSync(path.join(dir, 'esm', 'src'), { recursive: true });
    writeFileSync(path.join(dir, 'esm', 'package.json'), '{"type":"module"}');
    writeFileSync(path.join(dir, 'package.json'), '{"name":"cjs"}');
    expect(moduleFormat(path.join(dir, 'esm', 'src', 'a.ts'))).toBe('module');
    expect(moduleFormat(path.join(dir, 'esm', 'src', 'a.cts'))).toBe('commonjs');
    expect(moduleFormat(path.join(dir, 'esm', 'a.cjs'))).toBe('commonjs');
    expect(moduleFormat(path.join(dir, 'src', 'a.ts'))).toBe('commonjs');
    expect(moduleFormat(path.join(dir, 'src', 'a.mts'))).toBe('module');
    expect(moduleFormat(path.join(dir, 'a.mjs'))).toBe('module');
  });
});

describe('typeScriptCandidates', () => {
  it('maps .js specifiers to their .ts files and tries extensionless ones as .ts and index.ts', () => {
    expect(typeScriptCandidates('./entity/User.js')).toEqual(['./entity/User.ts', './entity/User.tsx']);
    expect(typeScriptCandidates('./a.mjs')).toEqual(['./a.mts', './a.mtsx']);
    expect(typeScriptCandidates('./a.cjs')).toEqual(['./a.cts', './a.ctsx']);
    expect(typeScriptCandidates('./entity')).toEqual([
      './entity.ts',
      './entity.tsx',
      './entity.mts',
      './entity.cts',
      './entity/index.ts',
    ]);
    expect(typeScriptCandidates('./a.ts')).toEqual([]);
    expect(typeScriptCandidates('./data.json')).toEqual([]);
  });
});

describe('transpile', () => {
  const source = `import { Column } from 'typeorm';
export class User { @Column() name!: string; }`;

  it('keeps decorator metadata and the class name, in either module format', () => {
    for (const format of ['commonjs', 'module'] as const) {
      const code = transpile(source, '/p/user.ts', format);
      expect(code).toMatch(/_ts_metadata\("design:type", String\)/);
      expect(code).toMatch(/class User/);
      expect(code).toMatch(/sourceMappingURL=data:application\/json/);
      if (format === 'commonjs') expect(code).toMatch(/require\("typeorm"\)/);
      else expect(code).toMatch(/^import \{ Column \} from 'typeorm';$/m);
    }
  });

  it('reports a syntax error as the problem and its line', () => {
    let error: unknown;
    try {
      transpile('const ok = 1;\nconst x: = 2;', '/p/bad.ts', 'commonjs');
    } catch (e) {
      error = e;
    }
    expect(firstErrorLine(error)).toMatch(/^Unexpected token `=`\..* \(line 2\)$/);
  });
});
