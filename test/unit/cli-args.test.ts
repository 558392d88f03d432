// The CLI's argument parsing: every flag, and a clear error naming the culprit for bad input.
import { GENERATE_USAGE, parseArgs, USAGE } from '../../src/cli/args';
import { CliError } from '../../src/cli/errors';

const base = ['migration:generate', 'src/migrations/AddStats', '-d', 'src/data-source.ts'];

describe('parseArgs', () => {
  it('reads the path, the data source and the defaults', () => {
    expect(parseArgs(base)).toEqual({
      command: 'migration:generate',
      path: 'src/migrations/AddStats',
      dataSource: 'src/data-source.ts',
      check: false,
      dryRun: false,
      autoRefreshTriggers: false,
    });
  });

  it('reads every option, in both spellings, with inline values', () => {
    expect(
      parseArgs([
        'migration:generate',
        '--dataSource=ds.ts',
        'm/Name',
        '--check',
        '--dr',
        '--timestamp=1700000000000',
        '--auto-refresh-triggers',
      ]),
    ).toEqual({
      command: 'migration:generate',
      path: 'm/Name',
      dataSource: 'ds.ts',
      check: true,
      dryRun: true,
      autoRefreshTriggers: true,
      timestamp: 1700000000000,
    });
    expect(parseArgs([...base, '-t', '42'])).toMatchObject({ timestamp: 42 });
  });

  it('no arguments is a usage error; -h/--help is help, per command; -v/--version the version', () => {
    expect(parseArgs([])).toEqual({ command: 'usage' });
    expect(parseArgs([...base, '--help'])).toEqual({ command: 'help', text: GENERATE_USAGE });
    expect(parseArgs(['migration:generate', '-h'])).toEqual({ command: 'help', text: GENERATE_USAGE });
    expect(parseArgs(['-h'])).toEqual({ command: 'help', text: USAGE });
    expect(parseArgs(['--version'])).toEqual({ command: 'version' });
    expect(parseArgs(['-v'])).toEqual({ command: 'version' });
  });

  it.each([
    [['migration:run'], /Unknown command "migration:run"/],
    [['migration:generate', '-d', 'ds.ts'], /needs the migration path/],
    [['migration:generate', 'a', 'b', '-d', 'ds.ts'], /takes one path, got 2: a b/],
    [['migration:generate', 'a'], /needs -d <data-source file>/],
    [['migration:generate', 'a', '-d'], /Option -d needs a value/],
    [[...base, '-t', 'soon'], /Option -t takes milliseconds since 1970 .* got "soon"/],
    [[...base, '--triggers'], /Unknown option --triggers/],
  ])('rejects %j with a CliError that names the culprit', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(CliError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('parseArgs: the operations commands', () => {
  it('reads each command and its flags', () => {
    expect(parseArgs(['status', '-d', 'ds.ts', '--schema', 'rep', '--json'])).toEqual({
      command: 'status',
      dataSource: 'ds.ts',
      schema: 'rep',
      json: true,
    });
    expect(parseArgs(['sync', '--dataSource=ds.ts', '--dry-run'])).toEqual({
      command: 'sync',
      dataSource: 'ds.ts',
      dryRun: true,
    });
    expect(parseArgs(['refresh', 'a', 'rep.b', '-d', 'ds.ts', '--cascade'])).toEqual({
      command: 'refresh',
      dataSource: 'ds.ts',
      views: ['a', 'rep.b'],
      all: false,
      concurrently: 'auto',
      cascade: true,
    });
    expect(parseArgs(['refresh', '--all', '-d', 'ds.ts', '--no-concurrently'])).toMatchObject({
      all: true,
      views: [],
      concurrently: false,
    });
    expect(parseArgs(['refresh', 'a', '-d', 'ds.ts', '--concurrently'])).toMatchObject({ concurrently: true });
    expect(parseArgs(['graph', '-d', 'ds.ts'])).toEqual({ command: 'graph', dataSource: 'ds.ts', format: 'mermaid' });
    expect(parseArgs(['graph', '-d', 'ds.ts', '--format=dot', '--view', 'v', '--schema', 's'])).toEqual({
      command: 'graph',
      dataSource: 'ds.ts',
      format: 'dot',
      view: 'v',
      schema: 's',
    });
    expect(parseArgs(['check', '-d', 'ds.ts'])).toEqual({ command: 'check', dataSource: 'ds.ts', json: false });
  });

  it('gives each command its help', () => {
    for (const command of ['status', 'sync', 'refresh', 'graph', 'check'])
      expect(parseArgs([command, '-h'])).toEqual({
        command: 'help',
        text: expect.stringContaining(`Usage: typeorm-pgview ${command} `) as unknown as string,
      });
  });

  it.each([
    [['status'], /status needs -d <data-source file>/],
    [['status', 'x', '-d', 'ds.ts'], /status takes no arguments, got x/],
    [['sync', '-d', 'ds.ts', '--check'], /Unknown option --check/],
    [['refresh', '-d', 'ds.ts'], /refresh needs the materialized views to refresh/],
    [['refresh', 'a', '--all', '-d', 'ds.ts'], /names or --all, not both/],
    [['refresh', 'a', '--concurrently', '--no-concurrently', '-d', 'ds.ts'], /--concurrently or --no-concurrently/],
    [['graph', '-d', 'ds.ts', '--format', 'png'], /--format takes mermaid, dot or json, got "png"/],
    [['graph', '-d', 'ds.ts', '--view'], /Option --view needs a value/],
    [['check', '-d', 'ds.ts', '--all'], /Unknown option --all/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(CliError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
