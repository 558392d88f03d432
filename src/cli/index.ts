#!/usr/bin/env node
// The typeorm-pgview command line. Thin: parse arguments, call the library. Mistakes in the call or in the
// schema exit 1 with one line; anything else is a bug and exits 2 with its stack.
import path from 'node:path';
import { isPgViewError } from '../errors';
import { parseArgs, USAGE, type CommandArgs } from './args';
import { checkCommand } from './check-command';
import { CliError } from './errors';
import { generateCommand } from './generate-command';
import { graphCommand } from './graph-command';
import type { CommandIo } from './io';
import { colourFor } from './output';
import { refreshCommand } from './refresh-command';
import { statusCommand } from './status-command';
import { syncCommand } from './sync-command';

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
  return run(args, {
    out: (text) => console.log(text),
    progress: (text) => process.stderr.write(text),
    colours: colourFor(process.stdout),
    interactive: process.stderr.isTTY === true,
  });
}

function run(args: CommandArgs, io: CommandIo): Promise<number> {
  switch (args.command) {
    case 'migration:generate':
      return generateCommand(args, io.out);
    case 'status':
      return statusCommand(args, io);
    case 'sync':
      return syncCommand(args, io);
    case 'refresh':
      return refreshCommand(args, io);
    case 'graph':
      return graphCommand(args, io);
    case 'check':
      return checkCommand(args, io);
  }
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
