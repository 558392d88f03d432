// docs/migrations.md: the registry rows a generated migration writes hold fingerprints of the catalog as the
// generating server rendered it; on a server of another PostgreSQL major, syncViews compares the views
// properly and runs no DDL. Generated on an embedded PostgreSQL 12, run on the suite's server (14 or later:
// 14 changed pg_get_viewdef's rendering), or, when the suite itself runs on 12 or 13, generated there and run
// on an embedded 18.
import { Client } from 'pg';
import { Column, Entity, PrimaryColumn, ViewColumn, DataSource } from 'typeorm';
import { MaterializedView, PgView, generateMigrationStatements, syncViews } from '../../src';
import { useTestDatabase } from '../support/database';

interface EmbeddedServer {
  url: string;
  stop(): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const server = require('../../scripts/postgres-server') as {
  startEmbeddedPostgres(options?: { nativeDir?: string; major?: string }): Promise<EmbeddedServer>;
  locateBinaries(major?: string): { nativeDir: string };
};

const db = useTestDatabase();

@Entity({ name: 'accounts' })
class Account {
  @PrimaryColumn() id!: number;
  @Column() owner!: string;
  @Column('numeric') balance!: string;
  @Column('timestamptz') opened!: Date;
}
// PostgreSQL 14 changed how pg_get_viewdef renders SQL-standard functions: 12 writes
// "substring"((a.owner)::text, 1, 3) and date_part('year'::text, a.opened), 14 and later SUBSTRING(a.owner
// FROM 1 FOR 3) and EXTRACT(year FROM a.opened). So the fingerprints written on one major do not match on the other.
@PgView({
  name: 'account_labels',
  expression: `SELECT a.id, upper(a.owner) || ' #' || a.id::text AS label,
                      CASE WHEN a.balance > 0 THEN 'credit' ELSE 'debit' END AS side,
                      substring(a.owner from 1 for 3) AS initials, EXTRACT(year FROM a.opened)::int AS year_opened
                 FROM accounts a WHERE a.opened > '2000-01-01'::date`,
})
class AccountLabel {
  @ViewColumn() id!: number;
  @ViewColumn() label!: string;
  @ViewColumn() side!: string;
}
@MaterializedView({
  name: 'owner_balances',
  expression: `SELECT l.side, count(*)::int AS accounts, sum(a.balance) AS total
                 FROM accounts a JOIN account_labels l ON l.id = a.id
                WHERE a.id IN (SELECT id FROM accounts WHERE owner <> '')
                GROUP BY l.side`,
  indexes: [{ columns: ['side'], unique: true }],
  comment: 'balances per side',
})
class OwnerBalance {
  @ViewColumn() side!: string;
  @ViewColumn() accounts!: number;
  @ViewColumn() total!: string;
}
const entities = [Account, AccountLabel, OwnerBalance];

async function majorOf(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    return Math.floor(Number(rows[0]!.v) / 10000);
  } finally {
    await client.end();
  }
}

async function withDataSource<T>(url: string, fn: (ds: DataSource) => Promise<T>): Promise<T> {
  const ds = new DataSource({ type: 'postgres', url, entities, logging: false });
  await ds.initialize();
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}

const servers: EmbeddedServer[] = [];
afterAll(() => Promise.all(servers.map((s) => s.stop())));

it('a migration generated on one major, run on another: syncViews there runs no DDL', async () => {
  const suite = { url: db.url, major: await majorOf(db.url) };
  // A major on the other side of the rendering change of 14: 12 under a suite on 14+, 18 under 12 or 13.
  const other = suite.major >= 14 ? '12' : '18';
  const embedded = await server.startEmbeddedPostgres({ major: other });
  servers.push(embedded);
  const [from, to] =
    other === '12'
      ? [{ url: embedded.url, major: 12 }, suite]
      : [suite, { url: embedded.url, major: await majorOf(embedded.url) }];
  expect(from.major).not.toBe(to.major);

  const generated = await withDataSource(from.url, async (ds) => {
    await ds.synchronize(); // the tables; the migration then holds only the views and the registry
    return generateMigrationStatements(ds);
  });
  expect(generated).toBeDefined();
  const fromRegistry = await withDataSource(from.url, async (ds) => {
    for (const s of generated!.up) await ds.query(s.sql, s.parameters ? [...s.parameters] : undefined);
    return ds.query('SELECT view_name, catalog_hash FROM typeorm_pgview_views ORDER BY view_name');
  });

  await withDataSource(to.url, async (ds) => {
    await ds.synchronize();
    for (const s of generated!.up) await ds.query(s.sql, s.parameters ? [...s.parameters] : undefined);
    // The rows are those written on the other major, as the migration wrote them.
    expect(await ds.query('SELECT view_name, catalog_hash FROM typeorm_pgview_views ORDER BY view_name')).toEqual(
      fromRegistry,
    );
    const result = await syncViews(ds);
    expect(result.steps).toEqual([]);
    expect(result.unchanged.map((v) => v.name).sort()).toEqual(['account_labels', 'owner_balances']);
    // The fingerprints did differ: the sync compared the views (more than the no-op's 2 queries) and
    // rewrote the rows with this server's.
    expect(result.queries).toBeGreaterThan(2);
    const rewritten = await ds.query<{ view_name: string; catalog_hash: string }[]>(
      'SELECT view_name, catalog_hash FROM typeorm_pgview_views ORDER BY view_name',
    );
    expect(rewritten).not.toEqual(fromRegistry);
    // ...and the sync after it is the fixed no-op of a current registry.
    expect((await syncViews(ds)).queries).toBe(2);
  });
}, 120_000);
