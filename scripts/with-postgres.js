#!/usr/bin/env node
'use strict';
// Runs a command with DATABASE_URL pointing at a real PostgreSQL: the one given in DATABASE_URL, or a
// fresh embedded server started here and stopped when the command ends. Used by `npm run demo` and
// `npm run bench`:  node scripts/with-postgres.js <command> [args...]
const { spawn } = require('node:child_process');
const { startEmbeddedPostgres } = require('./postgres-server');

async function main() {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    console.error('usage: node scripts/with-postgres.js <command> [args...]');
    process.exit(1);
  }
  let server;
  const env = { ...process.env };
  if (!env.DATABASE_URL) {
    process.stderr.write('Starting an embedded PostgreSQL (no DATABASE_URL given)... ');
    server = await startEmbeddedPostgres();
    env.DATABASE_URL = server.url;
    process.stderr.write(`ready on port ${server.port}\n`);
  }
  const child = spawn(command, args, { stdio: 'inherit', env, shell: process.platform === 'win32' });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  if (server) await server.stop();
  process.exit(code);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
