'use strict';
// `npm test`: every test the repository owns, and nothing read from outside it. The Pagila tests read a
// third-party corpus beside the checkout and have their own command (jest.pagila.config.js, npm run test:pagila).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/pagila/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  globalSetup: '<rootDir>/test/harness/global-setup.js',
  globalTeardown: '<rootDir>/test/harness/global-teardown.js',
  testTimeout: 60_000,
  // Every file has its own database, so files may run in parallel. They mostly wait on PostgreSQL: on two
  // cores three workers take the suite from 132 s to 74-89 s (one worker, as '50%' gave, to three). Not more:
  // each file's pools count against the server's max_connections (100 by default).
  maxWorkers: process.env.JEST_MAX_WORKERS ?? 3,
};
