import { serverUrl } from '../support/database';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

describe('test harness', () => {
  it('connects to a real PostgreSQL 12+ server', async () => {
    const [row] = await db.query<{ version: number }>(`SELECT current_setting('server_version_num')::int AS version`);
    expect(row!.version).toBeGreaterThanOrEqual(120000);
  });

  it('gives this file a database of its own, not the server database', async () => {
    const [row] = await db.query<{ name: string }>('SELECT current_database() AS name');
    expect(row!.name).toBe(db.name);
    expect(new URL(serverUrl()).pathname).not.toBe(`/${db.name}`);
  });

  it('uses the server named by DATABASE_URL when it is set, the embedded one otherwise', async () => {
    const expected = process.env.DATABASE_URL ? 'external' : 'embedded';
    expect(process.env.PGVIEW_TEST_SERVER_KIND).toBe(expected);
    // Embedded: the major PGVIEW_POSTGRES_MAJOR asks for (npm run test:matrix), 18 by default.
    const [row] = await db.query<{ version: number }>(`SELECT current_setting('server_version_num')::int AS version`);
    const major = Math.floor(row!.version / 10000);
    if (expected === 'embedded') expect(major).toBe(Number(process.env.PGVIEW_POSTGRES_MAJOR || 18));
    else expect(serverUrl()).toBe(process.env.DATABASE_URL);
  });
});
