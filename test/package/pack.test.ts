// `npm pack` output installs into a separate project, imports, type-checks, and works: a class is
// decorated with the installed package and its view is created in a real database.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();
const root = path.resolve(__dirname, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

it('packs, installs into a scratch project, type-checks and creates a view', async () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'typeorm-pgview-pack-'));
  try {
    execFileSync(npm, ['pack', '--silent', '--pack-destination', scratch], { cwd: root, stdio: 'pipe' });
    const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'))!;
    writeFileSync(
      path.join(scratch, 'package.json'),
      JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }),
    );
    execFileSync(
      npm,
      ['install', '--offline', '--no-audit', '--no-fund', '--legacy-peer-deps', '--ignore-scripts', `./${tarball}`],
      { cwd: scratch, stdio: 'pipe' },
    );
    // The peers come from this checkout, as an application would provide them.
    mkdirSync(path.join(scratch, 'node_modules', '@types'), { recursive: true });
    for (const peer of ['typeorm', 'reflect-metadata', 'pg', '@types/node'])
      symlinkSync(path.join(root, 'node_modules', peer), path.join(scratch, 'node_modules', peer), 'dir');

    writeFileSync(
      path.join(scratch, 'check.ts'),
      `import 'reflect-metadata';
import { DataSource, ViewColumn } from 'typeorm';
import { PgView, syncViews, type SyncResult } from 'typeorm-pgview';

@PgView({ name: 'packed_view', expression: 'SELECT 1 AS id' })
class PackedView { @ViewColumn() id!: number; }

export async function main(url: string): Promise<SyncResult> {
  const ds = await new DataSource({ type: 'postgres', url, entities: [PackedView] }).initialize();
  try { return await syncViews(ds); } finally { await ds.destroy(); }
}
`,
    );
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(
      process.execPath,
      [
        tsc,
        '--strict',
        '--experimentalDecorators',
        '--emitDecoratorMetadata',
        '--target',
        'ES2022',
        '--module',
        'commonjs',
        '--skipLibCheck',
        'check.ts',
      ],
      {
        cwd: scratch,
        stdio: 'pipe',
      },
    );
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `require('./check.js').main(process.argv[1]).then(r => console.log(JSON.stringify(r.steps.map(s => s.sql))))`,
        db.url,
      ],
      {
        cwd: scratch,
        encoding: 'utf8',
      },
    );
    expect(JSON.parse(out)).toEqual(['CREATE VIEW "public"."packed_view" AS SELECT 1 AS id']);
    expect(await db.query('SELECT id FROM packed_view')).toEqual([{ id: 1 }]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}, 120_000);
