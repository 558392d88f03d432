// Argument parsing for `typeorm-pgview <command>`, in the style of the TypeORM CLI (`-d`, `--check`, ...).
import { CliError } from './errors';

export const USAGE = `Usage: typeorm-pgview <command> [options]

Commands:
  migration:generate <path/Name> -d <data-source file>   write a migration for the declared views and tables

Options:
  -h, --help     show this help, or a command's (typeorm-pgview migration:generate --help)
  -v, --version  print the version`;

export const GENERATE_USAGE = `Usage: typeorm-pgview migration:generate <path/Name> -d <data-source file> [options]

Writes a TypeORM migration (<path>/<timestamp>-<Name>.ts) whose up() brings the database to the entities and
views declared in the data source, and whose down() takes it back exactly.

Options:
  -d, --dataSource <file>  the file exporting the DataSource: .ts, .mts, .cts, .js, .mjs or .cjs (TypeScript
                           is compiled with SWC, decorator metadata kept; no ts-node or typescript needed)
  --check, --ch            write nothing; exit 1 if a migration would be generated (for CI)
  --dry-run, --dryrun, --dr  print the migration instead of writing it
  -t, --timestamp <ms>     timestamp for the file and class name (default: now)
  --auto-refresh-triggers  also install the triggers of the auto-refresh 'triggers' source (once some
                           table carries one, every migration keeps them current without this flag)
  -h, --help               show this help`;

export interface GenerateArgs {
  readonly command: 'migration:generate';
  readonly path: string;
  readonly dataSource: string;
  readonly check: boolean;
  readonly dryRun: boolean;
  readonly timestamp?: number;
  readonly autoRefreshTriggers: boolean;
}

export type ParsedArgs =
  | GenerateArgs
  | { readonly command: 'help'; readonly text: string }
  | { readonly command: 'usage' }
  | { readonly command: 'version' };

/** Parses `argv` (without `node` and the script). Throws CliError on bad input. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  if (argv.length === 0) return { command: 'usage' };
  const help = argv.includes('-h') || argv.includes('--help');
  if (argv[0] === 'migration:generate' && help) return { command: 'help', text: GENERATE_USAGE };
  if (help) return { command: 'help', text: USAGE };
  if (argv[0] === '-v' || argv[0] === '--version') return { command: 'version' };
  const [command, ...rest] = argv;
  if (command !== 'migration:generate')
    throw new CliError(`Unknown command ${JSON.stringify(command)}. The command is migration:generate (see --help).`);
  const positional: string[] = [];
  let dataSource: string | undefined;
  let check = false;
  let dryRun = false;
  let timestamp: number | undefined;
  let autoRefreshTriggers = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = () => {
      const v = inline ?? rest[++i];
      if (v === undefined || v === '') throw new CliError(`Option ${flag} needs a value (see --help).`);
      return v;
    };
    if (flag === '-d' || flag === '--dataSource' || flag === '--data-source') dataSource = value();
    else if (flag === '--check' || flag === '--ch') check = true;
    else if (flag === '--dry-run' || flag === '--dryrun' || flag === '--dr') dryRun = true;
    else if (flag === '--auto-refresh-triggers') autoRefreshTriggers = true;
    else if (flag === '-t' || flag === '--timestamp') {
      const text = value();
      timestamp = Number(text);
      if (!/^\d+$/.test(text))
        throw new CliError(
          `Option ${flag} takes milliseconds since 1970 (a whole number), got ${JSON.stringify(text)}.`,
        );
    } else if (flag.startsWith('-')) throw new CliError(`Unknown option ${flag} (see --help).`);
    else positional.push(arg);
  }
  if (positional.length !== 1)
    throw new CliError(
      positional.length === 0
        ? 'migration:generate needs the migration path, e.g. src/migrations/AddStats.'
        : `migration:generate takes one path, got ${positional.length}: ${positional.join(' ')}.`,
    );
  if (!dataSource)
    throw new CliError('migration:generate needs -d <data-source file>, the file exporting your DataSource.');
  return {
    command: 'migration:generate',
    path: positional[0]!,
    dataSource,
    check,
    dryRun,
    autoRefreshTriggers,
    ...(timestamp !== undefined ? { timestamp } : {}),
  };
}
