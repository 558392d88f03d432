// The planner's side-by-side phase on hand-written states: which rebuilt materialized views are built
// first under temporary names, the exact statements of the build and the swap, and when it stays in place.
import { MAX_IDENTIFIER_BYTES } from '../../../src/ddl/identifiers';
import { sideBySideNames } from '../../../src/ddl/side-by-side';
import type { ProbeResult } from '../../../src/plan/compare';
import { planSync } from '../../../src/plan/plan';
import { catalogView, declared, edge, key, stateOf } from './states';

const changed: ProbeResult = {
  ok: true,
  definition: ' SELECT 2 AS one;',
  columns: [{ name: 'one', type: 'integer', collation: 0 }],
  indexPredicates: new Map(),
};
const matview = (name: string, overrides = {}) =>
  catalogView(name, { kind: 'materialized', owner: 'app', acl: ['app=arwdDxt/app', 'reader=r/app'], ...overrides });
const names = sideBySideNames({ schema: 'public', name: 'm', indexes: [1] }, new Set());
const options = { comment: 'stats', indexes: [{ columns: ['one'], unique: true }] };

describe('side-by-side rebuilds in the plan', () => {
  it('builds first, then drops readers and the old view, swaps names, restores owner and grants, re-creates readers', () => {
    const plan = planSync({
      definitions: [declared('m', { ...options, rebuild: 'side-by-side' }, 'materialized'), declared('r')],
      state: stateOf({ views: [matview('m'), catalogView('r')], edges: [edge('r', 'm', 'materialized')] }),
      probes: new Map([
        [key('m'), changed],
        [key('r'), { ...changed, definition: ' SELECT 1 AS one;' }],
      ]),
    });
    const t = `"public"."${names.view}"`;
    expect(plan.steps.map((s) => [s.action, s.view.name, s.sql])).toEqual([
      ['build', 'm', `CREATE MATERIALIZED VIEW ${t} AS SELECT 1 AS one WITH DATA`],
      ['build', 'm', `CREATE UNIQUE INDEX "${names.indexes[0]}" ON ${t} ("one")`],
      ['build', 'm', `COMMENT ON MATERIALIZED VIEW ${t} IS 'stats'`],
      ['drop', 'r', 'DROP VIEW "public"."r"'],
      ['drop', 'm', 'DROP MATERIALIZED VIEW "public"."m"'],
      ['swap', 'm', `ALTER MATERIALIZED VIEW ${t} RENAME TO "m"`],
      ['swap', 'm', `ALTER INDEX "public"."${names.indexes[0]}" RENAME TO "m_one_key"`],
      ['restore', 'm', 'ALTER MATERIALIZED VIEW "public"."m" OWNER TO "app"'],
      ['restore', 'm', 'GRANT SELECT ON "public"."m" TO "reader"'],
      ['create', 'r', 'CREATE VIEW "public"."r" AS SELECT 1 AS one'],
    ]);
    expect(plan.steps[0]!.reason).toBe('rebuilt side by side: its query changed');
    expect(plan.steps[3]!.reason).toBe('it reads public.m, which is rebuilt');
  });

  it("takes the caller's default when the view declares none; a declared 'in-place' wins over it", () => {
    const state = stateOf({ views: [matview('m')] });
    const probes = new Map([[key('m'), changed]]);
    const plan = (d: Record<string, unknown>, rebuild?: 'side-by-side' | 'in-place') =>
      planSync({ definitions: [declared('m', d, 'materialized')], state, probes, ...(rebuild ? { rebuild } : {}) })
        .steps.map((s) => s.action)
        .join(' ');
    expect(plan({})).toBe('drop create restore restore');
    expect(plan({}, 'side-by-side')).toBe('build drop swap restore restore');
    expect(plan({ rebuild: 'in-place' }, 'side-by-side')).toBe('drop create restore restore');
    expect(plan({ rebuild: 'side-by-side' }, 'in-place')).toBe('build drop swap restore restore');
  });

  it('stays in place, saying why, when the new query reads a view the plan changes or the kind changes', () => {
    const plan = planSync({
      definitions: [
        declared('base', {}, 'materialized'),
        declared('top', { rebuild: 'side-by-side' }, 'materialized', ['base']),
        declared('was_view', { rebuild: 'side-by-side' }, 'materialized'),
      ],
      state: stateOf({
        views: [matview('base'), matview('top'), catalogView('was_view')],
        edges: [edge('top', 'base', 'materialized')],
      }),
      probes: new Map([
        [key('base'), changed],
        [key('top'), changed],
      ]),
      rebuild: 'side-by-side',
    });
    expect(plan.steps.filter((s) => s.action === 'build').map((s) => s.view.name)).toEqual(['base']);
    const reasons = Object.fromEntries(
      plan.steps.filter((s) => s.action === 'create').map((s) => [s.view.name, s.reason]),
    );
    expect(reasons).toEqual({
      top: 'rebuilt: its query changed (in place, not side by side: it reads public.base, which this plan also changes)',
      was_view:
        'rebuilt: it changes from a view to a materialized view (in place, not side by side: it is not a materialized view yet, so there is no old one to keep serving)',
    });
  });

  it('temporary names are short, reproducible, and avoid names the schema already holds', () => {
    const view = { schema: 'public', name: 'x'.repeat(63), indexes: [1, 2] };
    const first = sideBySideNames(view, new Set());
    expect(sideBySideNames(view, new Set())).toEqual(first);
    for (const n of [first.view, ...first.indexes])
      expect(Buffer.byteLength(n)).toBeLessThanOrEqual(MAX_IDENTIFIER_BYTES);
    expect(first.indexes).toEqual([`${first.view}_1`, `${first.view}_2`]);
    const other = sideBySideNames(view, new Set([first.indexes[1]!]));
    expect(other.view).not.toBe(first.view);
    expect(other.view).toMatch(/^pgview_sbs_[0-9a-f]{12}$/);
  });

  it('keeps an unpopulated materialized view unpopulated', () => {
    const plan = planSync({
      definitions: [declared('m', { rebuild: 'side-by-side' }, 'materialized')],
      state: stateOf({ views: [matview('m', { populated: false, owner: 'me', acl: null })] }),
      probes: new Map([[key('m'), changed]]),
    });
    expect(plan.steps[0]!.sql).toMatch(/ WITH NO DATA$/);
  });
});
