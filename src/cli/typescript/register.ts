// Makes Node load TypeScript: `require` through extension handlers (CommonJS files) and `import` through
// module hooks (ES modules, Node 20.6+). Installed once per process, only by the CLI, before the user's file.
import Module, { register } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { typeScriptCandidates } from './format';
import { transpile } from './transpile';

type CompiledModule = Module & { _compile(code: string, filename: string): void };
type Resolver = (request: string, parent: Module | undefined, ...rest: unknown[]) => string;
const ModuleInternals = Module as unknown as {
  _extensions: Record<string, (module: Module, filename: string) => void>;
  _resolveFilename: Resolver;
};

let registered = false;
let hooked = false;

/**
 * Installs the TypeScript loader for the rest of the process; `esm` also registers the module hooks (only
 * needed when the file is an ES module). Idempotent.
 */
export function registerTypeScript({ esm }: { esm: boolean }): void {
  if (esm && !hooked) {
    hooked = true;
    // The hooks module is this folder's esm-hooks file, compiled (dist). From the sources (tests under
    // ts-node) there is none: the hooks thread could not load a .ts file anyway.
    const hooks = path.join(__dirname, 'esm-hooks.js');
    if (existsSync(hooks) && typeof register === 'function') register(pathToFileURL(hooks).href);
  }
  if (registered) return;
  registered = true;
  process.setSourceMapsEnabled(true);

  for (const extension of ['.ts', '.cts', '.mts', '.tsx']) {
    ModuleInternals._extensions[extension] = (module, filename) => {
      // Reached through require(): CommonJS whatever the extension (Node does the same for .js files).
      (module as CompiledModule)._compile(transpile(readFileSync(filename, 'utf8'), filename, 'commonjs'), filename);
    };
  }

  const resolve = ModuleInternals._resolveFilename;
  ModuleInternals._resolveFilename = function (request, parent, ...rest) {
    try {
      return resolve.call(this, request, parent, ...rest);
    } catch (error) {
      if (!request.startsWith('.') || !parent?.filename) throw error;
      for (const candidate of typeScriptCandidates(request))
        if (existsSync(path.resolve(path.dirname(parent.filename), candidate)))
          return resolve.call(this, candidate, parent, ...rest);
      throw error;
    }
  };
}
