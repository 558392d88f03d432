import {
  identifierAt,
  identifierProblem,
  parseQualifiedName,
  qualifiedName,
  quoteIdentifier,
  quoteLiteral,
  relationAt,
  skipBlanks,
  writtenName,
} from '../../../src/ddl/identifiers';

describe('quoteIdentifier', () => {
  it.each([
    ['users', '"users"'],
    ['User Stats', '"User Stats"'],
    ['select', '"select"'],
    ['say "hi"', '"say ""hi"""'],
    ['ünïcode', '"ünïcode"'],
  ])('%s -> %s', (name, quoted) => expect(quoteIdentifier(name)).toBe(quoted));

  it('keeps schema and name apart', () => {
    expect(qualifiedName({ schema: 'my.schema', name: 'a"b' })).toBe('"my.schema"."a""b"');
  });
});

describe('quoteLiteral', () => {
  it('doubles single quotes', () => expect(quoteLiteral("it's")).toBe("'it''s'"));
  it('refuses NUL', () => expect(() => quoteLiteral('a\0b')).toThrow(/NUL/));
});

describe('identifierProblem', () => {
  it('accepts 63 bytes, rejects 64 and empty', () => {
    expect(identifierProblem('a'.repeat(63))).toBeUndefined();
    expect(identifierProblem('a'.repeat(64))).toMatch(/64 bytes.*63/);
    expect(identifierProblem('é'.repeat(32))).toMatch(/64 bytes/); // 2 bytes each
    expect(identifierProblem('')).toBe('is empty');
  });
});

describe('identifierAt', () => {
  it.each([
    // bare: folded to lower case, ASCII letters only (PostgreSQL in UTF-8)
    ['users', 0, 'users', 5],
    ['User_Stats rest', 0, 'user_stats', 10],
    ['_x1$ y', 0, '_x1$', 4],
    ['a$b$', 0, 'a$b$', 4],
    ['ünïcode', 0, 'ünïcode', 7],
    ['ÜberÀB', 0, 'ÜberÀb', 6],
    ['日本語 x', 0, '日本語', 3],
    ['a\u00a0b', 0, 'a\u00a0b', 3], // a no-break space is not white space to PostgreSQL
    ['select', 0, 'select', 6], // keywords are identifiers here
    ['FROM t', 5, 't', 6],
    ['x.y', 0, 'x', 1],
    ['x(', 0, 'x', 1],
    // quoted: kept as written, "" read as "
    ['"Mixed Case"', 0, 'Mixed Case', 12],
    ['"a ""quoted"" name".x', 0, 'a "quoted" name', 19],
    ['"a.b"', 0, 'a.b', 5],
    ['""""', 0, '"', 4],
    ['"select"', 0, 'select', 8],
    ['"  "', 0, '  ', 4],
    ['" -- not a comment "', 0, ' -- not a comment ', 20],
    // unicode escapes
    ['U&"d\\0061t\\+000061"', 0, 'data', 19],
    ['u&"\\00DCber"', 0, 'Über', 12],
    ['U&"a\\\\b"', 0, 'a\\b', 8],
    ['U&"\\D83D\\DE00"', 0, '😀', 14],
    ['U&"x!0041" UESCAPE \'!\' rest', 0, 'xA', 22],
    ['U&"x!0041"uescape\'!\'', 0, 'xA', 20],
    ['U&"x!!" UESCAPE \'!\'', 0, 'x!', 19],
    ['U&"Ab" next', 0, 'Ab', 6], // not folded
    ['U&"a\\0041" uescaped', 0, 'aA', 10], // `uescaped` is another word, not UESCAPE
  ])('%j at %i -> %j', (text, i, name, end) => expect(identifierAt(text, i)).toEqual({ name, end }));

  it.each([
    ['', 0],
    [' users', 0], // no white space skipping: the caller is at a token
    ['1abc', 0],
    ['$1', 0],
    ['"unterminated', 0],
    ['"also ""unterminated""', 0],
    ['""', 0], // PostgreSQL: zero-length delimited identifier
    ["'literal'", 0],
    ['.x', 0],
    ['users', 5],
    ['U&""', 0],
    ['U&"\\00"', 0], // too few hex digits
    ['U&"\\0000"', 0], // NUL
    ['U&"\\+110000"', 0], // beyond Unicode
    ['U&"\\D83D"', 0], // a lone surrogate
    ['U&"x" UESCAPE \'+\'', 0],
    ['U&"x" UESCAPE \'a\'', 0], // a hex digit
    ['U&"x" UESCAPE \'!!\'', 0],
  ])('nothing in %j at %i', (text, i) => expect(identifierAt(text, i)).toBeUndefined());

  it('reads U& as a bare `u` when no quote follows', () =>
    expect(identifierAt("U&'literal'", 0)).toEqual({ name: 'u', end: 1 }));
});

describe('relationAt', () => {
  it.each([
    ['users', 0, 'public', 'users', 5],
    ['Reporting.User_Stats', 0, 'reporting', 'user_stats', 20],
    ['"Mixed Case"."A ""quoted"" name"', 0, 'Mixed Case', 'A "quoted" name', 32],
    ['"a.b".c', 0, 'a.b', 'c', 7],
    ['a . b', 0, 'a', 'b', 5],
    ['a\n.\tb rest', 0, 'a', 'b', 5],
    ['a /* x */ . -- y\n b', 0, 'a', 'b', 19],
    ['ALTER TABLE Sales . "Orders" ADD x int', 12, 'sales', 'Orders', 28],
    ['a.b.c', 0, 'a', 'b', 3], // the third part is the caller's
    ['users u', 0, 'public', 'users', 5], // end stops before the alias
    ['s.U&"\\0041"', 0, 's', 'A', 11],
  ])('%j at %i -> %s.%s', (text, i, schema, name, end) =>
    expect(relationAt(text, i, 'public')).toEqual({ relation: { schema, name }, end }),
  );

  it('keeps the end of a one-part name before the white space that follows it', () =>
    expect(relationAt('users  WHERE', 0, 'app')).toEqual({ relation: { schema: 'app', name: 'users' }, end: 5 }));

  it.each(['', ' users', 'a.', 'a. ', 'a..b', 'a.*', 'a."', '1.b', 'a.1'])('nothing in %j', (text) =>
    expect(relationAt(text, 0, 'public')).toBeUndefined(),
  );
});

describe('skipBlanks', () => {
  it.each([
    ['  x', 0, 2],
    ['\t\n\r\f\vx', 0, 5],
    ['-- a\n x', 0, 6],
    ['-- to the end', 0, 13],
    ['/* a /* nested */ still */x', 0, 26],
    ['/* unterminated', 0, 15],
    ['/* a */ -- b\n /* c */ x', 0, 22],
    ['x y', 0, 0],
    ['x y', 1, 2],
    ['a\u00a0', 1, 1],
    ['- x', 0, 0],
    ['/x', 0, 0],
  ])('%j from %i -> %i', (text, i, end) => expect(skipBlanks(text, i)).toBe(end));
});

describe('parseQualifiedName', () => {
  it.each([
    ['user_stats', { schema: 'public', name: 'user_stats' }],
    ['Reporting.User_Stats', { schema: 'reporting', name: 'user_stats' }],
    ['"Mixed Case"."A ""quoted"" name"', { schema: 'Mixed Case', name: 'A "quoted" name' }],
    ['"a.b".c', { schema: 'a.b', name: 'c' }],
    ['  reporting . daily  ', { schema: 'reporting', name: 'daily' }],
    ['ÜberSicht', { schema: 'public', name: 'Übersicht' }],
    ['U&"\\0041"', { schema: 'public', name: 'A' }],
  ])('%s', (text, expected) => expect(parseQualifiedName(text, 'public')).toEqual(expected));

  it.each(['', '  ', 'a.b.c', '"unterminated', 'a.', 'a b', '""', 'my-view', '1st', 'a;', 'a.b;'])(
    'rejects %j',
    (text) => expect(parseQualifiedName(text, 'public')).toBeUndefined(),
  );
});

describe('writtenName', () => {
  it.each([
    [{ schema: 'public', name: 'user_stats' }, 'public.user_stats'],
    [{ schema: 'Reports', name: 'big "spenders"' }, '"Reports"."big ""spenders"""'],
    [{ schema: 'a.b', name: 'c' }, '"a.b".c'],
    [{ schema: 'public', name: 'Übersicht' }, 'public.Übersicht'],
    [{ schema: 'public', name: '1st' }, 'public."1st"'],
    [{ schema: 'public', name: 'select' }, 'public.select'], // our parser, not SQL: keywords need no quotes
    [{ schema: 'public', name: 'a$1' }, 'public.a$1'],
    [{ schema: 'public', name: '$a' }, 'public."$a"'],
  ])('%j -> %s', (relation, written) => expect(writtenName(relation)).toBe(written));

  it('is read back by parseQualifiedName', () => {
    const names = ['x', 'X', 'a b', '"', 'a.b', 'Ü', 'ü', '$', 'a$', '_', '9', 'select', ' ', '--', '/*', 'U&"x"'];
    for (const schema of names)
      for (const name of names)
        expect(parseQualifiedName(writtenName({ schema, name }), 'default')).toEqual({ schema, name });
  });
});
