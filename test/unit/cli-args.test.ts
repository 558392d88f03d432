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
