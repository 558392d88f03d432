// Per-test-file databases (test/support/database.ts) keep files apart even inside one jest worker: two
// handles here stand for two files, and use the same table and view names at the same time. Were the
// names shared, or a handle connected anywhere but its own database, the second CREATE would fail or a
// read would see the other's row.
import { useTestDatabase, type TestDatabase } from '../support/database';

const first = useTestDatabase();
const second = useTestDatabase();
const both: [TestDatabase, string][] = [
  [first, 'first'],
  [second, 'second'],
];

/** Runs `step` on both databases at once, so neither finishes a phase before the other starts it. */
const onBoth = (step: (db: TestDatabase, writer: string) => Promise<unknown>) =>
  Promise.all(both.map(([db, writer]) => step(db, writer)));

it('gives two handles in one process two databases, each seeing only its own tables and views', async () => {
  expect(first.name).not.toBe(second.name);
  await onBoth((db) => db.query('CREATE TABLE isolation_probe (writer text NOT NULL)'));
  await onBoth((db, writer) => db.query('INSERT INTO isolation_probe VALUES ($1)', [writer]));
  await onBoth((db) => db.query('CREATE VIEW isolation_probe_view AS SELECT writer FROM isolation_probe'));
  await onBoth(async (db, writer) => {
    expect(await db.query('SELECT current_database() AS name')).toEqual([{ name: db.name }]);
    expect(await db.query('SELECT writer FROM isolation_probe_view')).toEqual([{ writer }]);
  });
});

it('connects each DataSource to its own database', async () => {
  const [a, b] = await Promise.all([first.connect(), second.connect()]);
  await Promise.all([a, b].map((ds) => ds.query('CREATE TABLE isolation_rows (n int NOT NULL)')));
  await a.query('INSERT INTO isolation_rows SELECT generate_series(1, 3)');
  await b.query('INSERT INTO isolation_rows VALUES (10)');
  expect(await a.query('SELECT count(*)::int AS n FROM isolation_rows')).toEqual([{ n: 3 }]);
  expect(await b.query('SELECT sum(n)::int AS n FROM isolation_rows')).toEqual([{ n: 10 }]);
});
