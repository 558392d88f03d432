// Every command's error paths, as child processes: a wrong argument or an unreachable database is exit 1
// with exactly one line on stderr; a bug (a non-library error) is exit 2 with its stack; --help is exit 0.
import { demoDataSource, runCli } from '../support/cli';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();
const ONE_LINE = /^typeorm-pgview: [^\n]+\n$/;
const COMMANDS = ['status', 'sync', 'refresh', 'graph', 'check'] as const;

describe('typeorm-pgview errors and help', () => {
  it.each(COMMANDS)('%s: --help, a wrong option, no -d, an unreachable database', async (command) => {
    const help = await runCli([command, '--help'], db.url);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(new RegExp(`^Usage: typeorm-pgview ${command} `));
    expect(help.stdout).toContain('-d, --dataSource <file>');

    const wrong = await runCli([command, '--bogus', '-d', demoDataSource], db.url);
    expect(wrong).toEqual({ code: 1, stdout: '', stderr: 'typeorm-pgview: Unknown option --bogus (see --help).\n' });

    const noDataSource = await runCli(command === 'refresh' ? [command, '--all'] : [command], db.url);
    expect(noDataSource.code).toBe(1);
    expect(noDataSource.stderr).toBe(
      `typeorm-pgview: ${command} needs -d <data-source file>, the file exporting your DataSource.\n`,
    );

    const args = command === 'refresh' ? [command, '--all'] : [command];
    const unreachable = await runCli([...args, '-d', demoDataSource], 'postgres://root@127.0.0.1:1/nowhere');
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(ONE_LINE);
    expect(unreachable.stderr).toContain(`Cannot connect with the data source in ${demoDataSource}: `);
    expect(unreachable.stderr).toContain('ECONNREFUSED');
  });

  it('a stray argument, an unknown command', async () => {
    const stray = await runCli(['status', 'extra', '-d', demoDataSource], db.url);
    expect(stray).toMatchObject({
      code: 1,
      stderr: 'typeorm-pgview: status takes no arguments, got extra (see --help).\n',
    });
    const unknown = await runCli(['stats'], db.url);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(ONE_LINE);
    expect(unknown.stderr).toContain('Unknown command "stats". The commands are migration:generate, status, sync');
  });

  it('a bug inside is exit 2 with the stack', async () => {
    const bug = await runCli(['graph', '-d', 'test/fixtures/cli/broken-data-source.ts'], db.url);
    expect(bug.code).toBe(2);
    expect(bug.stderr).toContain('typeorm-pgview: unexpected error (a bug; please report it with this output):');
    expect(bug.stderr).toContain('TypeError: createQueryRunner exploded (test fixture)');
    expect(bug.stderr).toMatch(/\n\s+at .*broken-data-source\.ts/);
  });

  it('names the replica that cannot be reached: TypeORM connects to every one at initialize', async () => {
    const replica = 'postgres://root@127.0.0.1:1/replica';
    const run = await runCli(['status', '-d', 'test/fixtures/cli/replicated-data-source.ts'], db.url, {
      PGVIEW_CLI_REPLICA_URL: replica,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(ONE_LINE);
    expect(run.stderr).toContain(
      'Cannot connect with the data source in test/fixtures/cli/replicated-data-source.ts (replication: slave 1 127.0.0.1:1): ',
    );
  });
});
