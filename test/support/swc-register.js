'use strict';
// `node -r ./test/support/swc-register.js src/...ts`: runs this repository's TypeScript sources in a child
// process compiled by SWC (as the CLI compiles users' files: legacy decorators with metadata), several times
// faster to start than ts-node, for tests that spawn the CLI many times. Plain CommonJS, no type checking
// (the type check is `npm run typecheck`).
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = function compile(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    swcrc: false,
    configFile: false,
    sourceMaps: 'inline',
    module: { type: 'commonjs' },
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
    },
  });
  module._compile(code, filename);
};
