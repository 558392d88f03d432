import { mentionedNames, queryProblem, trimStatement } from '../../../src/ddl/sql-text';

describe('queryProblem', () => {
  it.each([
    'SELECT 1',
    'select 1;',
    '  WITH x AS (SELECT 1) SELECT * FROM x ;; ',
    'VALUES (1), (2)',
    'TABLE users',
    '(SELECT 1) UNION (SELECT 2)',
    "SELECT ';' AS semicolon, $$;$$ AS dollar, E'\\';' AS escaped -- ; in a comment\n",
    'SELECT 1 /* nested /* ; */ comment */',
    'SELECT 1 AS ";"',
  ])('accepts %j', (sql) => expect(queryProblem(sql)).toBeUndefined());

  it('rejects a second statement', () =>
    expect(queryProblem('SELECT 1; DROP TABLE users')).toMatch(/more than one statement/));
  it('rejects DML', () => expect(queryProblem('DELETE FROM users')).toMatch(/not a query.*DELETE/));
  it('rejects empty text', () => expect(queryProblem(' ; ')).toBe('is empty'));
});

describe('trimStatement', () => {
  it('drops trailing semicolons and whitespace', () => expect(trimStatement('\n SELECT 1 ;\n; ')).toBe('SELECT 1'));
});

describe('mentionedNames', () => {
  it('finds bare and qualified names, folding unquoted case, ignoring literals and comments', () => {
    const { single, qualified } = mentionedNames(
      `SELECT * FROM Reporting."Daily Sales" d JOIN users u ON true -- other_view\n WHERE x = 'not_a_view'`,
    );
    expect(qualified.has(JSON.stringify(['reporting', 'Daily Sales']))).toBe(true);
    expect(single.has('users')).toBe(true);
    expect(single.has('other_view')).toBe(false);
    expect(single.has('not_a_view')).toBe(false);
  });
});
