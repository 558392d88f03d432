// Every piece of declared SQL text is checked before anything runs, and text the library appends after a
// declaration survives a trailing -- comment (issue 13, defects 1, 4, 5 and 6).
import { ViewDeclarationError } from '../../../src/errors';
import { createViewSql } from '../../../src/ddl/statements';
import { endState, expressionProblem, queryProblem } from '../../../src/ddl/sql-text';
import { buildDefinition } from '../../../src/metadata/definition';

const build = (options: Record<string, unknown>, kind: 'view' | 'materialized' = 'materialized', parts = {}) =>
  buildDefinition({
    kind,
    schema: 'public',
    name: 'v',
    sql: 'SELECT id FROM t',
    dependsOn: [],
    options,
    source: 'class V',
    ...parts,
  });

describe('declared SQL is one piece of the expected kind', () => {
  it.each([
    ['id > 0; DROP TABLE x', 'contains more than one statement'],
    ['id > 0) WITH (fillfactor = 10', 'closes a parenthesis it did not open'],
    ['(id > 0', 'leaves a parenthesis open'],
    ["name = 'open", 'has an unterminated quote'],
    ['id > 0 /* never closed', 'has an unterminated quote'],
    ['id > 0 \0', 'contains a NUL character'],
  ])('an index predicate %j is refused, naming the index and the problem', (where, problem) => {
    const declare = () => build({ indexes: [{ columns: ['id'], where }] });
    expect(declare).toThrow(ViewDeclarationError);
    expect(declare).toThrow(`class V (materialized view public.v): option \`indexes[0].where\` ${problem}`);
  });

  it('accepts predicates with strings, quoted names and comments that hold ; and parentheses', () => {
    for (const where of ["note <> ';)'", '"odd;name" > 0', 'id > 0 -- a note; (really)', 'id > (0)'])
      expect(expressionProblem(where)).toBeUndefined();
    expect(build({ indexes: [{ columns: ['id'], where: 'id > 0 -- note' }] }).indexes[0]!.where).toBe('id > 0 -- note');
  });

  it('applies the same rules to the query', () => {
    expect(queryProblem('SELECT 1; DROP TABLE x')).toMatch(/more than one statement/);
    expect(queryProblem('SELECT (1')).toBe('leaves a parenthesis open');
    expect(queryProblem("SELECT 'x")).toMatch(/unterminated/);
    expect(queryProblem('SELECT 1 -- fine')).toBeUndefined();
  });
});

describe('text appended after a declaration', () => {
  it('knows where a text ends', () => {
    expect(endState('SELECT 1')).toBe('code');
    expect(endState('SELECT 1 -- note')).toBe('line comment');
    expect(endState("SELECT '-- not a comment'")).toBe('code');
    expect(endState('SELECT 1 /* open')).toBe('open');
  });

  it('keeps WITH NO DATA and the check option after a query ending in a -- comment', () => {
    const matview = build({ withData: false }, 'materialized', { sql: 'SELECT id FROM t -- note' });
    expect(createViewSql(matview)).toBe(
      'CREATE MATERIALIZED VIEW "public"."v" AS SELECT id FROM t -- note\n WITH NO DATA',
    );
    const view = build({ checkOption: 'local' }, 'view', { sql: 'SELECT id FROM t -- note' });
    expect(createViewSql(view)).toBe('CREATE VIEW "public"."v" AS SELECT id FROM t -- note\n WITH LOCAL CHECK OPTION');
  });
});

describe('names and text that cannot be stored', () => {
  it.each(['', '   '])('a schema of %j is a declaration error', (schema) => {
    expect(() => build({}, 'view', { schema })).toThrow(/option `schema` .* (is empty|is only white space)/);
  });

  it('a NUL in a comment names the class, the view and the option', () => {
    expect(() => build({ comment: 'a\0b' }, 'view')).toThrow(
      'class V (view public.v): option `comment` contains a NUL character, which PostgreSQL text cannot hold. Remove it from the comment.',
    );
  });
});
