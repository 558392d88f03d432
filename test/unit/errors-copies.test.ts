// STYLE rule 2 / docs/architecture.md: a PgViewError is recognised by its brand, so errors thrown by another
// copy of the package in the same process (two versions in node_modules) are still ours.
import 'reflect-metadata';
import { isPgViewError, PgView, PgViewError, RefreshError } from '../../src';

type Package = typeof import('../../src');

/** A second copy of the package: every module loaded again, with classes of its own. */
function secondCopy(): Package {
  let copy: Package | undefined;
  jest.isolateModules(() => {
    copy = jest.requireActual<Package>('../../src');
  });
  return copy!;
}

@PgView({ name: 'plain_v', expression: 'SELECT 1 AS one' })
class Plain {}

describe('two copies of the package', () => {
  const copy = secondCopy();

  it('are distinct: instanceof fails across them', () => {
    expect(copy.PgViewError).not.toBe(PgViewError);
    expect(new copy.RefreshError('x')).not.toBeInstanceOf(PgViewError);
  });

  it("isPgViewError recognises the other copy's errors, both ways, and nothing else", async () => {
    // A real error from the other copy: refreshing a plain view (declared with this copy's decorator).
    const error = await copy.refreshMaterializedView({} as never, Plain).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(copy.RefreshError);
    expect((error as Error).message).toMatch(/class Plain is declared with @PgView, a plain view/);
    expect(isPgViewError(error)).toBe(true);
    expect(copy.isPgViewError(new RefreshError('x'))).toBe(true);
    expect(isPgViewError(new Error('x'))).toBe(false);
    expect(isPgViewError({ isPgViewError: 'yes' })).toBe(false);
    expect(isPgViewError(null)).toBe(false);
  });
});
