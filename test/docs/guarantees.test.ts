// docs/guarantees.md links each promise to the tests that prove it, by file, line and title. Tests move:
// every link must still land on a line naming the test it quotes, so the page cannot silently point at
// something else.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const page = readFileSync(path.join(root, 'docs', 'guarantees.md'), 'utf8');
const links = [...page.matchAll(/\[([\w-]+): "([^"]+)"\]\((\.\.\/test\/[^)#]+)#L(\d+)\)/g)].map((m) => ({
  title: m[2]!,
  file: path.join(root, 'docs', m[3]!),
  line: Number(m[4]),
}));

it('finds the links', () => {
  expect(links.length).toBeGreaterThan(100);
});

it('every link to a test lands on a line that names it', () => {
  const wrong = links.flatMap((l) => {
    if (!existsSync(l.file)) return [`${l.title}: no file ${path.relative(root, l.file)}`];
    // The title is on the linked line, or just after it (`it.each(...)(` then the title).
    const text = readFileSync(l.file, 'utf8')
      .split('\n')
      .slice(l.line - 1, l.line + 1)
      .join(' ');
    // Long titles are cut with an ellipsis; a parameterised title keeps its %s.
    const quoted = l.title.replace(/…$/, '');
    return text.includes(quoted) ? [] : [`${path.relative(root, l.file)}#L${l.line} does not name "${l.title}"`];
  });
  expect(wrong).toEqual([]);
});
