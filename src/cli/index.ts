#!/usr/bin/env node
// The typeorm-pgview command line. Thin: parse arguments, call the library. Mistakes in the call or in the
// schema exit 1 with one line; anything else is a bug and exits 2 with its stack.
import path from 'node:path';
import { isPgViewError } from '../errors';
import { parseArgs, USAGE } from './args';
import { CliError } from './errors';
import { generateCommand } from './generate-command';

/** The version in our package.json, found from dist/cli or src/cli alike. */
function packageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path.join(__dirname, '..', '..', 'package.json')) as { version: string }).version;
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    // Entity decorators need it; applications load it themselves, but a data-source file may not.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('reflect-metadata');
  } catch {
    // not installed: the data-source file brings its own
  }
  const args = parseArgs(argv);
  if (args.command === 'help') {
    console.log(args.text);
    return 0;
  }
  if (args.command === 'usage') {
    console.error(USAGE);
    return 1;
  }
  if (args.command === 'version') {
    console.log(packageVersion());
    return 0;
  }
  return generateCommand(args, (text) => console.log(text));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof CliError || isPgViewError(error)) {
      console.error(`typeorm-pgview: ${(error as Error).message.replace(/\s*\n\s*/g, ' ')}`);
      process.exit(1);
    }
    console.error('typeorm-pgview: unexpected error (a bug; please report it with this output):');
    console.error(error instanceof Error ? error.stack : error);
    process.exit(2);
  },
);
