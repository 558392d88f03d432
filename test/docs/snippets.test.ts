// Every TypeScript block in README.md and docs/ compiles, so the documentation cannot rot: a renamed export
// or option fails here. Fragments may use the names the prelude in snippets.ts gives (ds, queryRunner, the
// quick start's entities); everything else they use they must import.
import { useTestDatabase } from '../support/database';
import { allSnippets, runSnippet, snippetsOf, typeCheck } from './snippets';

const snippets = allSnippets();
const runnable = snippets.filter((s) => s.tags.includes('runnable'));
// One program for all (loading src and TypeORM's types is most of the time), with one snippet that must fail.
const broken = { file: 'docs/broken.md', line: 10, tags: [], code: "import { syncView } from 'typeorm-pgview';" };
let problems: string[] = [];
beforeAll(() => {
  problems = typeCheck([...snippets, broken]);
}, 120_000);

it('finds the documentation snippets', () => {
  expect(snippets.length).toBeGreaterThan(10);
  expect(snippets.map((s) => s.file)).toContain('README.md');
});

it('reads fences as Markdown does: language, tags, indentation, the closing fence', () => {
  const found = snippetsOf(
    'x.md',
    [
      'text',
      '```ts runnable',
      'const a = 1;',
      '```',
      '',
      'It prints `1`.',
      '- item',
      '  ```typescript',
      '  let b = 2;',
      '  ```',
    ].join('\n'),
  );
  expect(found).toEqual([
    { file: 'x.md', line: 2, tags: ['runnable'], code: 'const a = 1;', prints: '1' },
    { file: 'x.md', line: 8, tags: [], code: 'let b = 2;' },
  ]);
});

it('a snippet with a mistake is reported with its file and line', () => {
  expect(problems.filter((p) => p.startsWith('docs/broken.md'))).toEqual([
    expect.stringMatching(/^docs\/broken\.md:11 \(snippet line 1\): TS2724 .*syncView/),
  ]);
});

it('every snippet in README.md and docs/ type-checks under strict', () => {
  expect(problems.filter((p) => !p.startsWith('docs/broken.md'))).toEqual([]);
});

describe('runnable snippets (```ts runnable) run as written, each on a database of its own', () => {
  it('there are some: the README quick start at least', () => {
    expect(runnable.map((s) => s.file)).toContain('README.md');
  });

  // One database per snippet: each is a whole program that creates what it needs.
  const databases = runnable.map(() => useTestDatabase());
  it.each(runnable.map((s, i) => [`${s.file}:${s.line}`, s, i] as const))('%s', (_where, snippet, i) => {
    const result = runSnippet(snippet, databases[i]!.url);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    // console.log breaks long values over lines when not on a TTY: compare with whitespace collapsed.
    if (snippet.prints) expect(result.stdout.replace(/\s+/g, ' ').trim()).toBe(snippet.prints);
  });
});
