// Node module hooks (registered with module.register by ./register.ts) for TypeScript ES modules: resolve
// `./user.js` to `./user.ts` when only the TypeScript file exists, and compile the .ts/.mts files that ES
// modules import with SWC. CommonJS TypeScript goes through require() and ./register.ts's extension handlers.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { typeScriptCandidates } from './format';
import { isTypeScript, transpile } from './transpile';

interface ResolveContext {
  parentURL?: string;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string; format?: string | null }>;
type NextLoad = (url: string, context: object) => Promise<{ format: string; source?: unknown; shortCircuit?: boolean }>;

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (!specifier.startsWith('.') || !context.parentURL?.startsWith('file:')) throw error;
    for (const candidate of typeScriptCandidates(specifier)) {
      const url = new URL(candidate, context.parentURL);
      if (existsSync(fileURLToPath(url))) return next(candidate, context);
    }
    throw error;
  }
}

export async function load(url: string, context: object, next: NextLoad) {
  if (!url.startsWith('file:')) return next(url, context);
  const file = fileURLToPath(url);
  if (!isTypeScript(file)) return next(url, context);
  // A .cts file is CommonJS: Node loads it through require() and ./register.ts's handler. A .ts file imported
  // from an ES module is compiled as one, even in a CommonJS package (Node's named-export detection could
  // not read its TypeScript source); TypeScript's import/export syntax means the same either way.
  if (/\.cts$/.test(file)) return { format: 'commonjs', shortCircuit: true };
  return { format: 'module', source: transpile(readFileSync(file, 'utf8'), file, 'module'), shortCircuit: true };
}
