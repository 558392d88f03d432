// STYLE rule 4 / docs/architecture.md: every name goes through the one quoting function in
// src/ddl/identifiers.ts. This scans src/ with TypeScript's parser (comments are not code) for names quoted
// by hand: a `${...}` wrapped in double quotes in a template, `'"' + x` / `x + '"'`, or quotes doubled by
// hand (`.replace(/"/g, '""')`), and fails naming file:line.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';

const root = join(__dirname, '../..');

/** Files allowed to quote by hand, and why. */
const ALLOWED: Record<string, string> = {
  'src/ddl/identifiers.ts': 'the quoting function itself',
  'src/catalog/mermaid.ts': 'Mermaid node labels ("...", with #quot; escapes), not SQL',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const isQuote = (node: ts.Node, at: 'start' | 'end') =>
  ts.isStringLiteralLike(node) && (at === 'start' ? node.text.startsWith('"') : node.text.endsWith('"'));

/** `file:line: the code` for each hand-written quoting in `text`. */
function handQuoting(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const report = (node: ts.Node) => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    found.push(`${file}:${line}: ${node.getText(source).split('\n')[0]}`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isTemplateExpression(node)) {
      const parts = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)];
      // `"${x}"`: a part ending in " followed by a substitution and a part starting with ".
      if (parts.some((p, i) => i + 1 < parts.length && p.endsWith('"') && parts[i + 1]!.startsWith('"'))) report(node);
    } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      if (isQuote(node.left, 'end') || isQuote(node.right, 'start')) report(node);
    } else if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      /^replace(All)?$/.test(node.expression.name.text) &&
      node.arguments.some((a) => ts.isStringLiteralLike(a) && a.text === '""')
    ) {
      report(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('quoting', () => {
  it('finds hand-written quoting in code, and not in comments', () => {
    const sample = [
      '// a comment: "${schema}"."${name}" is fine here',
      'const a = `"${schema}"."${name}"`;',
      "const b = '\"' + name + '\"';",
      'const c = name.replace(/"/g, \'""\');',
      'const d = `SELECT ${quoteIdentifier(name)}`;',
    ].join('\n');
    expect(handQuoting('x.ts', sample).map((f) => f.replace(/: .*/, ''))).toEqual([
      'x.ts:2',
      'x.ts:3',
      'x.ts:3',
      'x.ts:4',
    ]);
  });

  it('every name in src/ goes through src/ddl/identifiers.ts', () => {
    const files = sourceFiles(join(root, 'src')).map((f) => relative(root, f).split('\\').join('/'));
    expect(files).toContain('src/ddl/identifiers.ts');
    const offenders = files
      .filter((f) => !(f in ALLOWED))
      .flatMap((f) => handQuoting(f, readFileSync(join(root, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
