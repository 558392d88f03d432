// Recursive views are probed and compared like the others: the probe's exact text, and the planner's
// verdicts on hand-written states (issue 13, defect 7).
import { probeViewSql } from '../../../src/ddl/statements';
import { compareWithProbe, type ProbeResult } from '../../../src/plan/compare';
import { viewsToProbe } from '../../../src/plan/verdicts';
import { buildDefinition, type ViewDefinition } from '../../../src/metadata/definition';
import { catalogView, stateOf } from './states';

const NUMS = 'VALUES (1) UNION ALL SELECT n + 1 FROM nums WHERE n < 5';

function recursive(sql = NUMS, name = 'nums', options: Record<string, unknown> = {}): ViewDefinition {
  return buildDefinition({
    kind: 'view',
    schema: 'My Schema',
    name,
    sql,
    dependsOn: [],
    source: `class ${name}`,
    options: { recursive: true, columns: ['n'], ...options },
  });
}

describe('probeViewSql', () => {
  it('writes a recursive view as what CREATE RECURSIVE VIEW stands for, the CTE under the view name', () => {
    expect(probeViewSql('typeorm_pgview_probe_0', recursive())).toBe(
      `CREATE TEMP VIEW "typeorm_pgview_probe_0" ("n") AS WITH RECURSIVE "nums" ("n") AS (${NUMS}) SELECT "n" FROM "nums"`,
    );
  });

  it('quotes the CTE name and the columns, and closes a trailing line comment before the parenthesis', () => {
    const sql = 'VALUES (1) UNION ALL SELECT n + 1 FROM "Tree ""Nodes""" WHERE n < 5 -- stop at 5';
    expect(probeViewSql('p', recursive(sql, 'Tree "Nodes"'))).toBe(
      `CREATE TEMP VIEW "p" ("n") AS WITH RECURSIVE "Tree ""Nodes""" ("n") AS (${sql}\n) SELECT "n" FROM "Tree ""Nodes"""`,
    );
  });
});

describe('the planner on a recursive view', () => {
  const existing = catalogView('nums', {
    schema: 'My Schema',
    definition:
      ' WITH RECURSIVE nums(n) AS (VALUES (1) UNION ALL SELECT nums_1.n + 1 FROM nums nums_1) SELECT nums.n FROM nums;',
    columns: [{ name: 'n', type: 'integer', collation: 0 }],
  });
  const probe = (overrides: Partial<Extract<ProbeResult, { ok: true }>> = {}): ProbeResult => ({
    ok: true,
    definition: existing.definition,
    columns: existing.columns,
    indexPredicates: new Map(),
    ...overrides,
  });

  it('is probed when it looks changed', () => {
    expect(viewsToProbe([recursive()], stateOf({ views: [existing] })).map((d) => d.name)).toEqual(['nums']);
  });

  it('same rendering: nothing; another rendering: replace; a retyped column: rebuild; options: as for any view', () => {
    expect(compareWithProbe(recursive(), existing, [], probe())).toEqual({ kind: 'changes', alter: [] });
    expect(compareWithProbe(recursive(), existing, [], probe({ definition: ' other' }))).toEqual({
      kind: 'changes',
      replace: 'its query changed',
      alter: [],
    });
    const retyped = probe({ definition: ' other', columns: [{ name: 'n', type: 'bigint', collation: 0 }] });
    expect(compareWithProbe(recursive(), existing, [], retyped)).toEqual({
      kind: 'rebuild',
      reason: 'its query changed and its columns changed (CREATE OR REPLACE cannot drop, rename or retype columns)',
    });
    expect(compareWithProbe(recursive(NUMS, 'nums', { securityBarrier: true }), existing, [], probe())).toEqual({
      kind: 'changes',
      replace: 'its options changed',
      alter: [],
    });
  });
});
