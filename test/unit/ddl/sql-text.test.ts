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

describe('tokenize: names read by identifierAt', () => {
  it('reads quoted, unicode-escaped, dollar-bearing and non-ASCII names as PostgreSQL does', () => {
    const { single, qualified } = mentionedNames(
      `SELECT * FROM U&"Re\\0070orts" /* c */ . "Big ""Spenders""" JOIN tab$1 ON true JOIN ÜberÀB ON true`,
    );
    expect(qualified.has(JSON.stringify(['Reports', 'Big "Spenders"']))).toBe(true);
    expect(single.has('tab$1')).toBe(true);
    expect(single.has('ÜberÀb')).toBe(true); // ASCII letters fold, others stay
  });

  it("reads U&'...' as a string, not a name", () => {
    const { single } = mentionedNames(`SELECT U&'not_a_view' FROM t`);
    expect(single.has('not_a_view')).toBe(false);
    expect(single.has('t')).toBe(true);
  });

  it('stops reading names at an unterminated quoted identifier', () => {
    const { single } = mentionedNames('SELECT * FROM a JOIN "b JOIN c');
    expect([...single]).toEqual(['select', 'from', 'a', 'join']);
  });

  it('sees a `;` after a quoted identifier containing one', () =>
    expect(queryProblem('SELECT 1 AS "a;b"; SELECT 2')).toMatch(/more than one statement/));
});
