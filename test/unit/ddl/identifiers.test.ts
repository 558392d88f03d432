import {
  identifierProblem,
  parseQualifiedName,
  qualifiedName,
  quoteIdentifier,
  quoteLiteral,
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

describe('parseQualifiedName', () => {
  it.each([
    ['user_stats', { schema: 'public', name: 'user_stats' }],
    ['Reporting.User_Stats', { schema: 'reporting', name: 'user_stats' }],
    ['"Mixed Case"."A ""quoted"" name"', { schema: 'Mixed Case', name: 'A "quoted" name' }],
    ['"a.b".c', { schema: 'a.b', name: 'c' }],
  ])('%s', (text, expected) => expect(parseQualifiedName(text, 'public')).toEqual(expected));

  it.each(['', 'a.b.c', '"unterminated', 'a.', 'a b'])('rejects %j', (text) =>
    expect(parseQualifiedName(text, 'public')).toBeUndefined(),
  );
});
