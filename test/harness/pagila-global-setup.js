'use strict';
// globalSetup of `npm run test:pagila`: refuse to start without the fixture (never skip silently), then
// choose the server as `npm test` does.
const fs = require('node:fs');
const path = require('node:path');
const globalSetup = require('./global-setup');

const FILES = ['pagila-schema.sql', 'pagila-data.sql'];

module.exports = async function pagilaGlobalSetup() {
  const dir = process.env.PAGILA_DIR ?? path.resolve(__dirname, '../../../shared/fixtures/pagila');
  const missing = FILES.filter((file) => !fs.existsSync(path.join(dir, file)));
  if (missing.length > 0)
    throw new Error(
      `npm run test:pagila needs the Pagila sample database: ${missing.join(' and ')} not found in ${dir}. ` +
        'Set PAGILA_DIR to a folder holding pagila-schema.sql and pagila-data.sql (e.g. from the Pagila project).',
    );
  // The workers are forked after this and read the fixture from here (test/pagila/support/pagila.ts).
  process.env.PAGILA_DIR = dir;
  await globalSetup();
};
