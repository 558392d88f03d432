// Which module system a file belongs to, decided as Node decides it: the extension (.mts/.mjs, .cts/.cjs),
// else the `type` of the nearest package.json.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ModuleFormat } from './transpile';

/** The `type` of the package.json nearest to `file` ('commonjs' when there is none or it says nothing). */
export function packageType(file: string): ModuleFormat {
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: string }).type === 'module'
          ? 'module'
          : 'commonjs';
      } catch {
        return 'commonjs'; // Node refuses such a file later, with its own message
      }
    }
    if (path.dirname(dir) === dir) return 'commonjs';
  }
}

/** The module format of `file`. */
export function moduleFormat(file: string): ModuleFormat {
  if (/\.m[jt]sx?$/.test(file)) return 'module';
  if (/\.c[jt]sx?$/.test(file)) return 'commonjs';
  return packageType(file);
}

/**
 * The TypeScript files a relative specifier may mean when the file it names does not exist: projects on
 * NodeNext resolution import `./user.js` for `user.ts`, others write `./user` for `user.ts` or
 * `./user/index.ts`. Most likely first.
 */
export function typeScriptCandidates(specifier: string): string[] {
  const js = specifier.match(/^(.*)\.([cm]?)jsx?$/);
  if (js) return [`${js[1]}.${js[2]}ts`, `${js[1]}.${js[2]}tsx`];
  if (/\.[cm]?tsx?$/.test(specifier) || /\.[a-z]+$/i.test(path.basename(specifier))) return [];
  return ['.ts', '.tsx', '.mts', '.cts', '/index.ts'].map((suffix) => `${specifier}${suffix}`);
}
