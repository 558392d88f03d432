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
