'use strict';
// `npm run test:pagila`: the tests over the Pagila sample database, a third-party corpus that is not in this
// repository. It is read from PAGILA_DIR (default: ../shared/fixtures/pagila beside the checkout, as in CI);
// when it is absent the run fails before any test, saying where it looked.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/pagila'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/harness/pagila-global-setup.js',
};
