// The identifier scanner against PostgreSQL's own lexer: what a column alias is named (identifierAt), and
// what parse_ident() makes of a qualified name (relationAt / parseQualifiedName). Both sides see the same
// text, so a rule we get wrong (folding, escapes, what may be bare) shows up as a difference.
import { identifierAt, parseQualifiedName } from '../../src/ddl/identifiers';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

/** What PostgreSQL names a column aliased `AS <text>`, or undefined when it rejects the text. */
async function postgresAlias(text: string): Promise<string | undefined> {
  try {
    const [row] = await db.query(`SELECT 1 AS ${text}`);
    return Object.keys(row!)[0];
  } catch {
    return undefined;
  }
}

const ALIASES = [
  'users',
  'User_Stats',
  '_x1$',
  'ÜberÀB',
  '日本語',
  'select',
  '"Mixed Case"',
  '"a ""quoted"" name"',
  '"a.b"',
  '""""',
  'U&"d\\0061t\\+000061"',
  'u&"\\00DCber"',
  'U&"\\D83D\\DE00"',
  `U&"x!0041" UESCAPE '!'`,
  'U&"Ab"',
  '1abc',
  '""',
  'U&"\\0000"',
  'U&"\\D83D"',
  `U&"x" UESCAPE '+'`,
];

it.each(ALIASES)('identifierAt reads %s as PostgreSQL does', async (text) => {
  const ours = identifierAt(text, 0);
  const theirs = await postgresAlias(text);
  expect(ours && ours.end === text.length ? ours.name : undefined).toEqual(theirs);
});

const NAMES = [
  'users',
  'Reporting.User_Stats',
  '  reporting . daily  ',
  '"Mixed Case"."A ""quoted"" name"',
  '"a.b".c',
  'ÜberSicht.ÀB',
  'a$1.b',
  'a.b.c',
  'a b',
  'a.',
  '"unterminated',
  '1st',
  'my-view',
];

it.each(NAMES)('parseQualifiedName reads %j as parse_ident() does', async (text) => {
  let theirs: string[] | undefined;
  try {
    const [row] = await db.query<{ parts: string[] }>('SELECT parse_ident($1) AS parts', [text]);
    theirs = row!.parts;
  } catch {
    theirs = undefined;
  }
  const expected =
    theirs?.length === 1
      ? { schema: 'public', name: theirs[0] }
      : theirs?.length === 2
        ? { schema: theirs[0], name: theirs[1] }
        : undefined; // three parts name a database too: not a relation name of ours
  expect(parseQualifiedName(text, 'public')).toEqual(expected);
});
