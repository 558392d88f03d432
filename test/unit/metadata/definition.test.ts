import { ViewDeclarationError } from '../../../src';
import { buildDefinition, defaultIndexName, type DefinitionParts } from '../../../src/metadata/definition';

const parts = (over: Partial<DefinitionParts> = {}): DefinitionParts => ({
  kind: 'view',
  schema: 'public',
  name: 'v',
  sql: 'SELECT 1 AS id',
  dependsOn: [],
  source: 'class V',
  options: {},
  ...over,
});

const rejects = (over: Partial<DefinitionParts>, message: RegExp) => {
  expect(() => buildDefinition(parts(over))).toThrow(ViewDeclarationError);
  expect(() => buildDefinition(parts(over))).toThrow(message);
};

describe('buildDefinition', () => {
  it('returns a frozen, fully resolved definition with defaults', () => {
    const d = buildDefinition(parts());
    expect(Object.isFrozen(d)).toBe(true);
    expect(d).toMatchObject({
      kind: 'view',
      withData: true,
      synchronize: true,
      recursive: false,
      indexes: [],
      storageParameters: {},
    });
  });

  it('names the class, the option and the fix', () => {
    rejects(
      { options: { withData: false } },
      /class V \(view public\.v\): option `withData` applies to materialized views only\. Use @MaterializedView/,
    );
    rejects(
      { kind: 'materialized', options: { checkOption: 'local' } },
      /option `checkOption` applies to plain views only/,
    );
    rejects({ sql: 'DELETE FROM users' }, /option `expression` is not a query/);
    rejects({ sql: 'SELECT 1; SELECT 2' }, /more than one statement/);
    rejects({ name: '' }, /option `name` "" is empty/);
    rejects({ name: 'x'.repeat(64) }, /is 64 bytes long; PostgreSQL allows 63/);
    rejects({ options: { recursive: true } }, /option `recursive` needs `columns`/);
    rejects({ options: { checkOption: 'sometimes' } }, /checkOption.*Use 'local' or 'cascaded'/);
    rejects(
      { kind: 'materialized', options: { indexes: [{ columns: [] }] } },
      /indexes\[0\]\.columns` must list at least one column/,
    );
    rejects(
      { kind: 'materialized', options: { columns: ['id'], indexes: [{ columns: ['nope'] }] } },
      /names the column "nope", which the view does not have \(columns: id\)/,
    );
    rejects(
      {
        kind: 'materialized',
        options: {
          indexes: [
            { columns: ['id'], name: 'i' },
            { columns: ['id'], name: 'i' },
          ],
        },
      },
      /names the index "i" twice/,
    );
    rejects(
      { kind: 'materialized', options: { storageParameters: { 'fill factor': 1 } } },
      /storageParameters.fill factor` is not a storage parameter name/,
    );
    rejects(
      { kind: 'materialized', options: { storageParameters: { fillfactor: '70); DROP TABLE x; --' } } },
      /has the value/,
    );
    rejects(
      { kind: 'materialized', options: { indexes: [{ columns: ['id'], using: 'bitmap' }] } },
      /indexes\[0\]\.using` is "bitmap"/,
    );
  });
});

describe('defaultIndexName', () => {
  it('is readable when short and at most 63 bytes when long', () => {
    expect(defaultIndexName('user_stats', ['user_id'], true)).toBe('user_stats_user_id_key');
    const long = defaultIndexName(
      'a_really_long_materialized_view_name',
      ['first_long_column', 'second_long_column'],
      false,
    );
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^a_really_long_materialized_view_name_first_.*_idx$/);
    expect(
      defaultIndexName('a_really_long_materialized_view_name', ['first_long_column', 'second_long_column_2'], false),
    ).not.toBe(long);
  });
});

describe('buildDefinition: primaryKey', () => {
  const columns = [
    { databaseName: 'user_id', isPrimary: true },
    { databaseName: 'total', isPrimary: false },
  ];
  it('adds a materialized view unique index over the key', () => {
    const d = buildDefinition(
      parts({ kind: 'materialized', name: 'user_stats', options: { primaryKey: ['user_id'] }, entityColumns: columns }),
    );
    expect(d.primaryKey).toEqual(['user_id']);
    expect(d.indexes).toEqual([{ name: 'user_stats_user_id_key', columns: ['user_id'], unique: true, using: 'btree' }]);
  });

  it('keeps a declared unique index over the same columns, in any order, instead', () => {
    const indexes = [{ columns: ['b', 'a'], unique: true, name: 'ab' }];
    const d = buildDefinition(parts({ kind: 'materialized', options: { primaryKey: ['a', 'b'], indexes } }));
    expect(d.indexes.map((i) => i.name)).toEqual(['ab']);
    const partial = [{ columns: ['a', 'b'], unique: true, where: 'a > 0', name: 'ab' }];
    const e = buildDefinition(parts({ kind: 'materialized', options: { primaryKey: ['a', 'b'], indexes: partial } }));
    expect(e.indexes.map((i) => i.name)).toEqual(['ab', 'v_a_b_key']);
  });

  it('adds no index to a plain view', () => {
    expect(buildDefinition(parts({ options: { primaryKey: ['id'] } })).indexes).toEqual([]);
  });

  it("takes the class's primary columns when the option is not given", () => {
    expect(buildDefinition(parts({ entityColumns: columns })).primaryKey).toEqual(['user_id']);
    expect(buildDefinition(parts({ entityColumns: [] })).primaryKey).toBeUndefined();
  });

  it('refuses bad keys, naming the option and the fix', () => {
    rejects(
      { options: { primaryKey: [] } },
      /class V \(view public\.v\): option `primaryKey` must list at least one column/,
    );
    rejects(
      { options: { primaryKey: ['a', 'a'] } },
      /option `primaryKey` lists a column twice\. Name each column once\./,
    );
    rejects(
      { options: { primaryKey: ['x'] }, entityColumns: columns },
      /names "x", which is not the database name of a @ViewColumn of the class \(its columns: user_id, total\)/,
    );
    rejects(
      { options: { primaryKey: ['total'] }, entityColumns: columns },
      /names "total", a column the decorator could not mark primary/,
    );
    rejects(
      {
        options: { primaryKey: ['total'] },
        entityColumns: [
          { databaseName: 'total', isPrimary: true },
          { databaseName: 'user_id', isPrimary: true },
        ],
      },
      /leaves out user_id, which the class marks primary \(@PrimaryColumn\)\. Declare the key once/,
    );
    rejects(
      { options: { primaryKey: ['b'], columns: ['a'] } },
      /option `primaryKey` names the column "b", which the view does not have \(columns: a\)/,
    );
  });
});

describe('buildDefinition: runtime options of a materialized view', () => {
  const mat = (options: Record<string, unknown>) => parts({ kind: 'materialized', options });

  it('resolves a schedule, a staleness bound, refresh limits and the rebuild strategy', () => {
    const d = buildDefinition(
      mat({
        rebuild: 'side-by-side',
        refreshEvery: '5m',
        maxStalenessMs: 2000,
        lockTimeoutMs: 100,
        statementTimeoutMs: 60_000,
        analyze: true,
      }),
    );
    expect(d).toMatchObject({
      rebuild: 'side-by-side',
      refreshEveryMs: 300_000,
      maxStalenessMs: 2000,
      lockTimeoutMs: 100,
      statementTimeoutMs: 60_000,
      analyze: true,
    });
    expect(buildDefinition(mat({ refreshEvery: 1500 })).refreshEveryMs).toBe(1500);
    expect(buildDefinition(mat({ refreshEvery: '1.5h' })).refreshEveryMs).toBe(5_400_000);
  });

  it('leaves them out when not declared (analyze: false)', () => {
    const d = buildDefinition(mat({}));
    expect(d.analyze).toBe(false);
    for (const key of ['rebuild', 'refreshEveryMs', 'maxStalenessMs', 'lockTimeoutMs', 'statementTimeoutMs'])
      expect(d).not.toHaveProperty(key);
  });

  it('refuses bad values, naming the option and the fix', () => {
    rejects(mat({ rebuild: 'swap' }), /option `rebuild` must be 'side-by-side' or 'in-place', got "swap"/);
    rejects(mat({ refreshEvery: '5 minutes' }), /option `refreshEvery` must be a duration.*got "5 minutes".*'5m'/);
    rejects(mat({ refreshEvery: 10 }), /option `refreshEvery` must be a duration of at least 1s/);
    rejects(mat({ refreshEvery: '0s' }), /option `refreshEvery`/);
    rejects(mat({ maxStalenessMs: -1 }), /option `maxStalenessMs` must be a whole number of milliseconds >= 1, got -1/);
    rejects(mat({ lockTimeoutMs: 1.5 }), /option `lockTimeoutMs` must be a whole number/);
    rejects(mat({ statementTimeoutMs: '1s' }), /option `statementTimeoutMs` must be a whole number/);
    rejects(mat({ analyze: 'yes' }), /option `analyze` must be true or false/);
  });

  it('refuses each on a plain view', () => {
    for (const key of ['rebuild', 'refreshEvery', 'maxStalenessMs', 'lockTimeoutMs', 'statementTimeoutMs', 'analyze'])
      rejects({ options: { [key]: 1 } }, new RegExp(`option \`${key}\` applies to materialized views only`));
  });
});
