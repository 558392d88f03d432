// On a real server: declared SQL cannot smuggle in a statement, a trailing -- comment loses nothing the
// library appends, and an empty schema is refused (issue 13, defects 1, 4 and 6).
import { MaterializedView, PgView, syncViews, ViewDeclarationError } from '../../src';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

beforeAll(async () => {
  await db.query('CREATE TABLE docs (id int PRIMARY KEY, owner text)');
  await db.query('CREATE TABLE keep_me (id int)');
});

describe('declared SQL on a real server', () => {
  it('refuses an index predicate carrying a second statement, and runs nothing', async () => {
    @MaterializedView({
      name: 'smuggled',
      expression: 'SELECT id FROM docs',
      indexes: [{ columns: ['id'], where: 'id > 0; DROP TABLE keep_me' }],
    })
    class Smuggled {}
    const ds = await db.connect({ entities: [Smuggled] });
    await expect(syncViews(ds)).rejects.toThrow(ViewDeclarationError);
    await expect(syncViews(ds)).rejects.toThrow(/indexes\[0\]\.where` contains more than one statement/);
    expect(await db.query("SELECT to_regclass('keep_me') IS NOT NULL AS present")).toEqual([{ present: true }]);
    expect(await db.query("SELECT to_regclass('smuggled') IS NOT NULL AS present")).toEqual([{ present: false }]);
  });

  it('keeps WITH NO DATA and the check option after an expression ending in a -- comment', async () => {
    @MaterializedView({ name: 'commented_mv', expression: 'SELECT id FROM docs -- a note', withData: false })
    class CommentedMv {}
    @PgView({
      name: 'commented_v',
      expression: 'SELECT id, owner FROM docs WHERE id > 0 -- a note',
      checkOption: 'local',
    })
    class CommentedV {}
    const ds = await db.connect({ entities: [CommentedMv, CommentedV] });
    await syncViews(ds);
    expect(await db.query("SELECT relispopulated FROM pg_class WHERE relname = 'commented_mv'")).toEqual([
      { relispopulated: false },
    ]);
    expect(await db.query("SELECT reloptions FROM pg_class WHERE relname = 'commented_v'")).toEqual([
      { reloptions: ['check_option=local'] },
    ]);
    expect((await syncViews(ds)).steps).toEqual([]);
  });

  it('refuses an empty schema instead of using the default one', async () => {
    @PgView({ name: 'nowhere', schema: '', expression: 'SELECT 1 AS one' })
    class Nowhere {}
    const ds = await db.connect({ entities: [Nowhere] });
    await expect(syncViews(ds)).rejects.toThrow(/class Nowhere .*option `schema` "" is empty/);
    expect(await db.query("SELECT to_regclass('nowhere') IS NOT NULL AS present")).toEqual([{ present: false }]);
  });
});
