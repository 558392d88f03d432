// Argument parsing for `typeorm-pgview <command>`, in the style of the TypeORM CLI (`-d`, `--check`, ...).
import { CliError } from './errors';
import { CHECK_USAGE, GENERATE_USAGE, GRAPH_USAGE, REFRESH_USAGE, STATUS_USAGE, SYNC_USAGE, USAGE } from './usage';

export { USAGE, GENERATE_USAGE } from './usage';

export interface GenerateArgs {
  readonly command: 'migration:generate';
  readonly path: string;
  readonly dataSource: string;
  readonly check: boolean;
  readonly dryRun: boolean;
  readonly timestamp?: number;
  readonly autoRefreshTriggers: boolean;
  /** `--rebuild`: how changed materialized views that declare no `rebuild` are rebuilt. */
  readonly rebuild?: 'side-by-side' | 'in-place';
}

export interface StatusArgs {
  readonly command: 'status';
  readonly dataSource: string;
  readonly schema?: string;
  readonly json: boolean;
}

export interface SyncArgs {
  readonly command: 'sync';
  readonly dataSource: string;
  readonly dryRun: boolean;
  /** `--rebuild`: how changed materialized views that declare no `rebuild` are rebuilt. */
  readonly rebuild?: 'side-by-side' | 'in-place';
}

export interface RefreshArgs {
  readonly command: 'refresh';
  readonly dataSource: string;
  /** The views named, or empty with `all`. */
  readonly views: readonly string[];
  readonly all: boolean;
  /** `'auto'` unless --concurrently or --no-concurrently. */
  readonly concurrently: boolean | 'auto';
  readonly cascade: boolean;
}

export type GraphFormat = 'mermaid' | 'dot' | 'json';

export interface GraphArgs {
  readonly command: 'graph';
  readonly dataSource: string;
  readonly format: GraphFormat;
  readonly schema?: string;
  readonly view?: string;
}

export interface CheckArgs {
  readonly command: 'check';
  readonly dataSource: string;
  readonly json: boolean;
}

/** A command that runs against a data source. */
export type CommandArgs = GenerateArgs | StatusArgs | SyncArgs | RefreshArgs | GraphArgs | CheckArgs;

export type ParsedArgs =
  | CommandArgs
  | { readonly command: 'help'; readonly text: string }
  | { readonly command: 'usage' }
  | { readonly command: 'version' };

const HELP: Record<CommandArgs['command'], string> = {
  'migration:generate': GENERATE_USAGE,
  status: STATUS_USAGE,
  sync: SYNC_USAGE,
  refresh: REFRESH_USAGE,
  graph: GRAPH_USAGE,
  check: CHECK_USAGE,
};

/** Each flag's spellings, and whether it takes a value. */
const FLAGS = {
  dataSource: { names: ['-d', '--dataSource', '--data-source'], value: true },
  check: { names: ['--check', '--ch'], value: false },
  dryRun: { names: ['--dry-run', '--dryrun', '--dr'], value: false },
  timestamp: { names: ['-t', '--timestamp'], value: true },
  autoRefreshTriggers: { names: ['--auto-refresh-triggers'], value: false },
  rebuild: { names: ['--rebuild'], value: true },
  schema: { names: ['--schema'], value: true },
  json: { names: ['--json'], value: false },
  all: { names: ['--all'], value: false },
  concurrently: { names: ['--concurrently'], value: false },
  noConcurrently: { names: ['--no-concurrently'], value: false },
  cascade: { names: ['--cascade'], value: false },
  format: { names: ['--format', '-f'], value: true },
  view: { names: ['--view'], value: true },
} as const;

type FlagName = keyof typeof FLAGS;

const COMMAND_FLAGS: Record<CommandArgs['command'], readonly FlagName[]> = {
  'migration:generate': ['dataSource', 'check', 'dryRun', 'timestamp', 'autoRefreshTriggers', 'rebuild'],
  status: ['dataSource', 'schema', 'json'],
  sync: ['dataSource', 'dryRun', 'rebuild'],
  refresh: ['dataSource', 'all', 'concurrently', 'noConcurrently', 'cascade'],
  graph: ['dataSource', 'format', 'schema', 'view'],
  check: ['dataSource', 'json'],
};

interface Scanned {
  readonly flags: Map<FlagName, string | true>;
  /** The spelling each flag was given in, for messages. */
  readonly spelled: Map<FlagName, string>;
  readonly positional: string[];
}

/** Splits the arguments after the command into the command's flags and positional arguments. */
function scan(rest: readonly string[], allowed: readonly FlagName[]): Scanned {
  const flags = new Map<FlagName, string | true>();
  const spelled = new Map<FlagName, string>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const name = allowed.find((n) => (FLAGS[n].names as readonly string[]).includes(flag));
    if (name === undefined) {
      if (flag.startsWith('-')) throw new CliError(`Unknown option ${flag} (see --help).`);
      positional.push(arg);
      continue;
    }
    spelled.set(name, flag);
    if (!FLAGS[name].value) {
      flags.set(name, true);
      continue;
    }
    const v = inline ?? rest[++i];
    if (v === undefined || v === '') throw new CliError(`Option ${flag} needs a value (see --help).`);
    flags.set(name, v);
  }
  return { flags, spelled, positional };
}

function needDataSource(command: string, scanned: Scanned): string {
  const d = scanned.flags.get('dataSource');
  if (typeof d !== 'string')
    throw new CliError(`${command} needs -d <data-source file>, the file exporting your DataSource.`);
  return d;
}

function noPositional(command: string, scanned: Scanned): void {
  if (scanned.positional.length > 0)
    throw new CliError(`${command} takes no arguments, got ${scanned.positional.join(' ')} (see --help).`);
}

const text = (scanned: Scanned, flag: FlagName) => {
  const v = scanned.flags.get(flag);
  return typeof v === 'string' ? v : undefined;
};

function rebuildOf(s: Scanned): 'side-by-side' | 'in-place' | undefined {
  const rebuild = text(s, 'rebuild');
  if (rebuild !== undefined && rebuild !== 'side-by-side' && rebuild !== 'in-place')
    throw new CliError(
      `Option ${s.spelled.get('rebuild')} takes side-by-side or in-place, got ${JSON.stringify(rebuild)}.`,
    );
  return rebuild;
}

function parseGenerate(s: Scanned): GenerateArgs {
  let timestamp: number | undefined;
  const t = text(s, 'timestamp');
  if (t !== undefined) {
    timestamp = Number(t);
    if (!/^\d+$/.test(t))
      throw new CliError(
        `Option ${s.spelled.get('timestamp')} takes milliseconds since 1970 (a whole number), got ${JSON.stringify(t)}.`,
      );
  }
  const rebuild = rebuildOf(s);
  if (s.positional.length !== 1)
    throw new CliError(
      s.positional.length === 0
        ? 'migration:generate needs the migration path, e.g. src/migrations/AddStats.'
        : `migration:generate takes one path, got ${s.positional.length}: ${s.positional.join(' ')}.`,
    );
  return {
    command: 'migration:generate',
    path: s.positional[0]!,
    dataSource: needDataSource('migration:generate', s),
    check: s.flags.has('check'),
    dryRun: s.flags.has('dryRun'),
    autoRefreshTriggers: s.flags.has('autoRefreshTriggers'),
    ...(timestamp !== undefined ? { timestamp } : {}),
    ...(rebuild !== undefined ? { rebuild } : {}),
  };
}

function parseRefresh(s: Scanned): RefreshArgs {
  const dataSource = needDataSource('refresh', s);
  const all = s.flags.has('all');
  if (all && s.positional.length > 0)
    throw new CliError(`refresh takes view names or --all, not both (got --all and ${s.positional.join(' ')}).`);
  if (!all && s.positional.length === 0)
    throw new CliError('refresh needs the materialized views to refresh (names, or schema.name), or --all.');
  if (s.flags.has('concurrently') && s.flags.has('noConcurrently'))
    throw new CliError('refresh takes --concurrently or --no-concurrently, not both.');
  return {
    command: 'refresh',
    dataSource,
    views: s.positional,
    all,
    concurrently: s.flags.has('concurrently') ? true : s.flags.has('noConcurrently') ? false : 'auto',
    cascade: s.flags.has('cascade'),
  };
}

function parseGraph(s: Scanned): GraphArgs {
  const dataSource = needDataSource('graph', s);
  noPositional('graph', s);
  const format = text(s, 'format') ?? 'mermaid';
  if (format !== 'mermaid' && format !== 'dot' && format !== 'json')
    throw new CliError(`Option --format takes mermaid, dot or json, got ${JSON.stringify(format)}.`);
  const schema = text(s, 'schema');
  const view = text(s, 'view');
  return {
    command: 'graph',
    dataSource,
    format,
    ...(schema !== undefined ? { schema } : {}),
    ...(view !== undefined ? { view } : {}),
  };
}

/** Parses `argv` (without `node` and the script). Throws CliError on bad input. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  if (argv.length === 0) return { command: 'usage' };
  const [command, ...rest] = argv as [string, ...string[]];
  const known = Object.hasOwn(HELP, command) ? (command as CommandArgs['command']) : undefined;
  if (rest.includes('-h') || rest.includes('--help') || command === '-h' || command === '--help')
    return { command: 'help', text: known ? HELP[known] : USAGE };
  if (command === '-v' || command === '--version') return { command: 'version' };
  if (!known)
    throw new CliError(
      `Unknown command ${JSON.stringify(command)}. The commands are ${Object.keys(HELP).join(', ')} (see --help).`,
    );
  const s = scan(rest, COMMAND_FLAGS[known]);
  switch (known) {
    case 'migration:generate':
      return parseGenerate(s);
    case 'refresh':
      return parseRefresh(s);
    case 'graph':
      return parseGraph(s);
    case 'status': {
      const dataSource = needDataSource('status', s);
      noPositional('status', s);
      const schema = text(s, 'schema');
      return { command: 'status', dataSource, json: s.flags.has('json'), ...(schema !== undefined ? { schema } : {}) };
    }
    case 'sync': {
      noPositional('sync', s);
      const rebuild = rebuildOf(s);
      return {
        command: 'sync',
        dataSource: needDataSource('sync', s),
        dryRun: s.flags.has('dryRun'),
        ...(rebuild !== undefined ? { rebuild } : {}),
      };
    }
    case 'check':
      noPositional('check', s);
      return { command: 'check', dataSource: needDataSource('check', s), json: s.flags.has('json') };
  }
}
