// TypeScript to JavaScript for the data-source files users point the CLI at, with SWC: no dependency on
// the user's `typescript` package (7.x has no compiler API), and decorator metadata kept (`design:type`,
// which TypeORM entities such as `@Column() name!: string` rely on; esbuild drops it).
import { transformSync } from '@swc/core';

export type ModuleFormat = 'commonjs' | 'module';

/** Whether `file` is a TypeScript file this loader compiles. */
export function isTypeScript(file: string): boolean {
  return /\.[cm]?tsx?$/.test(file) && !file.endsWith('.d.ts');
}

/**
 * Compiles one TypeScript file. Legacy decorators with metadata (what TypeORM needs), class names kept
 * (TypeORM names entities after them), class fields assigned as TypeScript does without
 * `useDefineForClassFields`, and an inline source map so stack traces point at the .ts lines.
 */
export function transpile(source: string, file: string, format: ModuleFormat): string {
  return transformSync(source, {
    filename: file,
    swcrc: false,
    configFile: false,
    sourceMaps: 'inline',
    module: { type: format === 'module' ? 'es6' : 'commonjs' },
    jsc: {
      parser: { syntax: 'typescript', decorators: true, tsx: file.endsWith('x') },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
    },
  }).code;
}

/** SWC's syntax errors run over many lines with ANSI colours: the first line that says what is wrong. */
export function firstErrorLine(error: unknown): string {
  // eslint-disable-next-line no-control-regex
  const text = (error instanceof Error ? error.message : String(error)).replace(/\u001b\[[0-9;]*m/g, '');
  const lines = text.split('\n').map((l) => l.trim().replace(/^Error:\s*/, ''));
  const problem = lines.find((l) => /^(x|×|error:)\s/.test(l))?.replace(/^(x|×|error:)\s+/, '');
  // The source line the caret points under: ` 3 | class A {` followed by `:   ^`.
  const caret = lines.findIndex((l) => /^:\s*\^/.test(l));
  const line = caret > 0 ? lines[caret - 1]!.match(/^(\d+) \|/)?.[1] : undefined;
  return problem ? `${problem}${line ? ` (line ${line})` : ''}` : (lines.find(Boolean) ?? text);
}
