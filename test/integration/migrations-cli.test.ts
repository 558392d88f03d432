// The typeorm-pgview CLI, run as a child process the way users run it, against a real database.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadMigrationClass } from '../fixtures/migrations/load';
import { shopV1 } from '../fixtures/migrations/shop';
import { root, runCli } from '../support/cli';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();
const dir = mkdtempSync(path.join(tmpdir(), 'pgview-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const dataSourceFile = path.relative(root, path.join(root, 'test/fixtures/migrations/data-source.ts'));

const cli = (args: string[], version: 1 | 2 = 1) => runCli(args, db.url, { PGVIEW_SHOP_VERSION: String(version) });

describe('typeorm-pgview migration:generate (CLI)', () => {
  it('checks, prints, writes, then finds nothing to do', async () => {
    const target = path.join(dir, 'Init');
    const check = await cli(['migration:generate', target, '-d', dataSourceFile, '--check']);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('Changes were found (--check)');
    expect(readdirSync(dir)).toEqual([]);

    const dry = await cli(['migration:generate', target, '-d', dataSourceFile, '--dry-run', '-t', '1700000000000']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('export class Init1700000000000 implements MigrationInterface');
    expect(readdirSync(dir)).toEqual([]);

    const write = await cli(['migration:generate', target, '-d', dataSourceFile, '-t', '1700000000000']);
    expect(write).toMatchObject({ code: 0, stderr: '' });
    expect(readdirSync(dir)).toEqual(['1700000000000-Init.ts']);
    const file = path.join(dir, '1700000000000-Init.ts');
    expect(readFileSync(file, 'utf8')).toBe(dry.stdout.slice(dry.stdout.indexOf('import {')).replace(/\n$/, ''));

    const ds = await db.connect({ entities: shopV1, migrations: [loadMigrationClass(file)] });
    await ds.runMigrations();
    const again = await cli(['migration:generate', path.join(dir, 'Again'), '-d', dataSourceFile]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes in database schema were found');
    expect(readdirSync(dir)).toEqual(['1700000000000-Init.ts']);
    expect((await cli(['migration:generate', target, '-d', dataSourceFile, '--check'])).code).toBe(0);
    // A later change is caught by --check in CI.
    expect((await cli(['migration:generate', target, '-d', dataSourceFile, '--check'], 2)).code).toBe(1);
  });

  it('reports user mistakes on one line with exit code 1', async () => {
    const missing = await cli(['migration:generate', path.join(dir, 'X')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(
      'typeorm-pgview: migration:generate needs -d <data-source file>, the file exporting your DataSource.',
    );
    const noFile = await cli(['migration:generate', path.join(dir, 'X'), '-d', 'nope.ts']);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toMatch(
      /^typeorm-pgview: Data source file .*nope\.ts does not exist\. Check the -d path\.\n$/,
    );
    const unknown = await cli(['migrate']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Unknown command "migrate"');
  });
});
