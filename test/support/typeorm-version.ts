// Which TypeORM the suite runs against: the devDependency (1.x), or the 0.3.x that CI's TypeORM 0.3 leg
// installs over it. Tests branch on it only where TypeORM itself behaves differently, and say why.
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The installed TypeORM's version, e.g. `'0.3.20'` (read from disk: its `exports` hide package.json). */
export const typeormVersion: string = (
  JSON.parse(readFileSync(path.join(path.dirname(require.resolve('typeorm')), 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

/** True on TypeORM's 0.3 line. */
export const isTypeorm03 = typeormVersion.startsWith('0.3.');

/**
 * A child's stderr without one warning that is TypeORM 0.3's, not ours: its schema builder loads tables
 * with queries in parallel on one pg client (PostgresQueryRunner.loadTables' Promise.all, during
 * `synchronize`), which pg 8.x reports as a DeprecationWarning. Children run with `--trace-deprecation`
 * (NODE_FLAGS below), so each warning carries its stack: only those whose stack is that TypeORM code are
 * removed, and the same warning caused by anything else still fails the test.
 */
export function withoutTypeormWarnings(stderr: string): string {
  const blocks = stderr.split(/(?=^\(node:\d+\) )/m);
  return blocks
    .filter(
      (b) =>
        !(
          /^\(node:\d+\) DeprecationWarning: Calling client\.query\(\) when the client is already executing a query/.test(
            b,
          ) && /PostgresQueryRunner\.loadTables/.test(b)
        ),
    )
    .join('');
}

/** Node flags for test children whose stderr is checked: warnings come with their stack. */
export const NODE_FLAGS = ['--trace-deprecation'];
