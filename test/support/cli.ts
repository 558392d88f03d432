// Runs the typeorm-pgview CLI as a child process, the way users run it (stdout and stderr piped), on the
// demo model's data-source file (test/fixtures/cli/data-source.ts) pointed at a test database.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

export const root = path.resolve(__dirname, '../..');
export const demoDataSource = 'test/fixtures/cli/data-source.ts';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `typeorm-pgview ...args` with PGVIEW_CLI_URL = `url`; never throws on a non-zero exit. */
export async function runCli(args: readonly string[], url: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['-r', './test/support/swc-register.js', 'src/cli/index.ts', ...args],
      {
        cwd: root,
        env: {
          ...process.env,
          NO_COLOR: undefined,
          FORCE_COLOR: undefined,
          PGVIEW_CLI_URL: url,
          ...env,
        },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Whether `text` holds a terminal escape (colour codes). */
export function hasAnsi(text: string): boolean {
  return text.includes('\u001b[');
}
