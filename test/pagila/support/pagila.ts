// Loads the Pagila sample database (PAGILA_DIR, as npm run test:pagila's globalSetup resolved it), our real-world fixture, without psql:
// the schema runs as one multi-statement query, the data file's COPY blocks are streamed with COPY FROM STDIN.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createDatabase, dropDatabase, urlFor, withAdminClient } from '../../support/database';

/** Set by test/harness/pagila-global-setup.js, which checked the fixture is there (and owns the default). */
export const PAGILA_DIR = process.env.PAGILA_DIR ?? '';

/** Pagila's seven plain views and its materialized view, as the fixture declares them. */
export const PAGILA_VIEWS = [
  'actor_info',
  'customer_list',
  'film_list',
  'nicer_but_slower_film_list',
  'sales_by_film_category',
  'sales_by_store',
  'staff_list',
] as const;
export const PAGILA_MATVIEW = 'rental_by_category';

function readFixture(file: string): string {
  const full = path.join(PAGILA_DIR, file);
  if (!existsSync(full))
    throw new Error(
      `Pagila fixture not found at ${full}: run these tests with npm run test:pagila (it finds the fixture)`,
    );
  return readFileSync(full, 'utf8');
}

/** The schema without `ALTER ... OWNER TO postgres` (that role need not exist on the test server). */
export function pagilaSchemaSql(): string {
  return readFixture('pagila-schema.sql').replace(/^ALTER [^;]* OWNER TO [^;]*;$/gm, '');
}

type DataPart = { kind: 'sql'; text: string } | { kind: 'copy'; statement: string; rows: string };

/** Splits the data dump into plain SQL and COPY blocks (each COPY ends at a line holding `\.`). */
export function splitDataDump(dump: string): DataPart[] {
  const parts: DataPart[] = [];
  const lines = dump.split('\n');
  let sql: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!/^COPY .* FROM stdin;$/.test(line)) {
      sql.push(line);
      continue;
    }
    if (sql.join('').trim()) parts.push({ kind: 'sql', text: sql.join('\n') });
    sql = [];
    const end = lines.indexOf('\\.', i + 1);
    if (end < 0) throw new Error(`unterminated COPY block at line ${i + 1}`);
    parts.push({ kind: 'copy', statement: line, rows: lines.slice(i + 1, end).join('\n') + '\n' });
    i = end;
  }
  if (sql.join('').trim()) parts.push({ kind: 'sql', text: sql.join('\n') });
  return parts;
}

async function copyIn(client: Client, statement: string, rows: string): Promise<void> {
  const stream = client.query(copyFrom(statement.replace(/;$/, '')));
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', resolve);
    stream.end(rows);
  });
}

/** Loads Pagila's schema and data into the (empty) database at `url`. */
export async function loadPagila(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(pagilaSchemaSql());
    for (const part of splitDataDump(readFixture('pagila-data.sql'))) {
      if (part.kind === 'sql') await client.query(part.text);
      else await copyIn(client, part.statement, part.rows);
    }
  } finally {
    await client.end();
  }
}

/**
 * The name of a template database holding Pagila, built once per server and fixture version: test files
 * then clone it with CREATE DATABASE ... TEMPLATE (a file copy) instead of loading 3 MB of SQL each.
 * Workers racing to build it serialise on an advisory lock; the finished template appears under its
 * final name only once complete (built under another name, then renamed).
 */
export async function pagilaTemplate(): Promise<string> {
  const hash = createHash('sha256').update(pagilaSchemaSql()).update(readFixture('pagila-data.sql')).digest('hex');
  const name = `pgview_pagila_${hash.slice(0, 12)}`;
  return withAdminClient(async (admin) => {
    const lockKey = parseInt(hash.slice(0, 8), 16);
    await admin.query('SELECT pg_advisory_lock($1)', [lockKey]);
    try {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount) return name;
      const building = `${name}_build`;
      await dropDatabase(building);
      await createDatabase(building);
      await loadPagila(urlFor(building));
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
      return name;
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [lockKey]);
    }
  });
}
