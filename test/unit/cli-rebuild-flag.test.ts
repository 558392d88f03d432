// --rebuild of migration:generate and sync: the strategy for changed materialized views that declare none.
import { parseArgs } from '../../src/cli/args';
import { CliError } from '../../src/cli/errors';

const base = ['migration:generate', 'src/migrations/AddStats', '-d', 'src/data-source.ts'];

describe('migration:generate --rebuild', () => {
  it('reads side-by-side or in-place, separate or inline; absent, it is left to the default', () => {
    expect(parseArgs([...base, '--rebuild', 'side-by-side'])).toMatchObject({ rebuild: 'side-by-side' });
    expect(parseArgs([...base, '--rebuild=in-place'])).toMatchObject({ rebuild: 'in-place' });
    expect(parseArgs(base)).not.toHaveProperty('rebuild');
  });

  it('rejects another value, naming the option and the values it takes', () => {
    expect(() => parseArgs([...base, '--rebuild', 'fast'])).toThrow(CliError);
    expect(() => parseArgs([...base, '--rebuild', 'fast'])).toThrow(
      'Option --rebuild takes side-by-side or in-place, got "fast".',
    );
  });
});

describe('sync --rebuild', () => {
  const sync = ['sync', '-d', 'src/data-source.ts'];

  it('reads the same strategies as migration:generate', () => {
    expect(parseArgs([...sync, '--rebuild', 'side-by-side'])).toMatchObject({
      command: 'sync',
      rebuild: 'side-by-side',
    });
    expect(parseArgs([...sync, '--dry-run'])).not.toHaveProperty('rebuild');
    expect(() => parseArgs([...sync, '--rebuild=swap'])).toThrow(
      'Option --rebuild takes side-by-side or in-place, got "swap".',
    );
  });
});
