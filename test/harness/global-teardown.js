'use strict';
// Jest globalTeardown: stop the embedded server started by globalSetup, if any.
module.exports = async function globalTeardown() {
  const server = globalThis.__PGVIEW_EMBEDDED__;
  if (server) await server.stop();
};
