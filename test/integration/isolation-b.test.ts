// Two files (isolation-a, isolation-b) create the same table name at the same time, each in its own
// database; with shared state the CREATE TABLE of one would fail or the other's row would show up.
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

it("keeps this file's tables apart from a parallel file using the same names", async () => {
  await db.query('CREATE TABLE isolation_probe (writer text NOT NULL)');
  await db.query('INSERT INTO isolation_probe VALUES ($1)', ['b']);
  await db.query('SELECT pg_sleep(0.5)'); // overlap with the twin file when workers run in parallel
  const rows = await db.query<{ writer: string }>('SELECT writer FROM isolation_probe');
  expect(rows).toEqual([{ writer: 'b' }]);
});
