// The planner's three phases on hand-written catalog states: verdicts, the closure of rebuilds, the steps.
import { PlanError, ViewDependencyCycleError } from '../../../src/errors';
import { closureOf } from '../../../src/plan/closure';
import { compareWithProbe, firstLook, type ProbeResult } from '../../../src/plan/compare';
import { planSync } from '../../../src/plan/plan';
import { verdictsOf, viewsToProbe } from '../../../src/plan/verdicts';
import { catalogView, declared, edge, key, registeredClean, stateOf } from './states';

const same = (view = catalogView('x')): ProbeResult => ({
  ok: true,
  definition: view.definition,
  columns: view.columns,
  indexPredicates: new Map(),
});

describe('phase 1: verdicts', () => {
  it('a missing view is new; one whose fingerprints match is clean without a probe; any other needs a probe', () => {
    const a = declared('a');
    const b = declared('b');
    const state = registeredClean(stateOf({ views: [catalogView('a'), catalogView('b')] }), [a]);
    expect(firstLook(declared('c'), state)).toEqual({ kind: 'new' });
    expect(firstLook(a, state)).toEqual({ kind: 'clean' });
    expect(firstLook(b, state)).toEqual({ kind: 'probe' });
    expect(viewsToProbe([a, b, declared('c')], state).map((d) => d.name)).toEqual(['b']);
    // A changed declaration no longer matches its fingerprint.
    expect(firstLook(declared('a', { comment: 'new' }), state)).toEqual({ kind: 'probe' });
  });

  it('a change of kind is a rebuild, decided before any probe', () => {
    const state = stateOf({ views: [catalogView('a')] });
    expect(firstLook(declared('a', {}, 'materialized'), state)).toEqual({
      kind: 'rebuild',
      reason: 'it changes from a view to a materialized view',
    });
  });

  it('with a probe: same query is in-place changes only; a compatible query change is a replace; else a rebuild', () => {
    const existing = catalogView('a', { comment: 'old' });
    const commented = compareWithProbe(declared('a', { comment: 'new' }), existing, [], same(existing));
    expect(commented.kind === 'changes' && commented.alter?.map((o) => o.name)).toEqual(['comment']);

    const added = same(existing);
    const wider: ProbeResult = {
      ok: true,
      definition: ' SELECT 1 AS one, 2 AS two;',
      columns: [...existing.columns, { name: 'two', type: 'integer', collation: 0 }],
      indexPredicates: new Map(),
    };
    expect(compareWithProbe(declared('a', { comment: 'old' }), existing, [], wider)).toEqual({
      kind: 'changes',
      replace: 'its query changed',
      alter: [],
    });
    const retyped: ProbeResult = { ...wider, columns: [{ name: 'one', type: 'text', collation: 100 }] };
    expect(compareWithProbe(declared('a', { comment: 'old' }), existing, [], retyped).kind).toBe('rebuild');
    expect(compareWithProbe(declared('a'), existing, [], { ok: false, error: 'relation "t" does not exist' })).toEqual({
      kind: 'rebuild',
      reason: 'its query could not be compared with the existing one (relation "t" does not exist)',
    });
    expect(added.ok).toBe(true);
  });

  it('a plain view option is applied with CREATE OR REPLACE; a materialized view option in place', () => {
    const view = catalogView('a');
    expect(compareWithProbe(declared('a', { securityBarrier: true }), view, [], same(view))).toEqual({
      kind: 'changes',
      replace: 'its options changed',
      alter: [],
    });
    const matview = catalogView('m', { kind: 'materialized', options: ['fillfactor=70'] });
    const verdict = compareWithProbe(
      declared('m', { storageParameters: { fillfactor: 80 }, tablespace: 'fast' }, 'materialized'),
      matview,
      [],
      same(matview),
    );
    expect(verdict.kind === 'changes' && verdict.alter?.map((o) => o.name)).toEqual([
      'storageParameters',
      'tablespace',
    ]);
    // `on` and `true` mean the same to PostgreSQL.
    const flagged = catalogView('m', { kind: 'materialized', options: ['autovacuum_enabled=on'] });
    const unchanged = compareWithProbe(
      declared('m', { storageParameters: { autovacuum_enabled: true } }, 'materialized'),
      flagged,
      [],
      same(flagged),
    );
    expect(unchanged).toEqual({ kind: 'changes', alter: [], indexes: [] });
  });
});

describe('phase 2: closure of rebuilds', () => {
  // t <- a <- b (declared) <- c (not managed); a is rebuilt.
  const state = stateOf({
    views: [catalogView('a'), catalogView('b'), catalogView('c')],
    edges: [edge('a', 't', 'table'), edge('b', 'a'), edge('c', 'b')],
    registered: [{ name: 'gone' }],
  });
  const definitions = [declared('a'), declared('b')];
  const declaredMap = new Map(definitions.map((d) => [key(d.name), d]));

  it('declared readers are rebuilt too, others captured to be restored exactly', () => {
    const closure = closureOf({
      verdicts: new Map([[key('a'), { kind: 'rebuild', reason: 'its query changed' }]]),
      declared: declaredMap,
      state,
      dropUndeclared: true,
    });
    expect([...closure.rebuild]).toEqual([
      [key('a'), 'its query changed'],
      [key('b'), 'it reads public.a, which is rebuilt'],
    ]);
    expect([...closure.captured]).toEqual([
      [
        key('c'),
        'it reads public.b, which is rebuilt; not managed by typeorm-pgview, so it is restored exactly as it was',
      ],
    ]);
    expect(closure.unregister).toEqual([{ schema: 'public', name: 'gone' }]);
  });

  it('refuses to drop a view it created when a view not managed here reads it', () => {
    const withReader = stateOf({
      views: [catalogView('gone'), catalogView('reader')],
      edges: [edge('reader', 'gone')],
      registered: [{ name: 'gone' }],
    });
    const input = { verdicts: new Map(), declared: new Map(), state: withReader };
    expect(() => closureOf({ ...input, dropUndeclared: true })).toThrow(PlanError);
    expect(() => closureOf({ ...input, dropUndeclared: true })).toThrow(
      /Cannot drop view public\.gone .*: view public\.reader reads it and is not managed here/,
    );
    expect(closureOf({ ...input, dropUndeclared: false }).removed.size).toBe(0);
  });

  it('verdictsOf gives each managed view its verdict, probing only where needed', () => {
    const verdicts = verdictsOf([declared('a'), declared('new')], state, new Map([[key('a'), same()]]));
    expect(verdicts.get(key('new'))).toEqual({ kind: 'new' });
    expect(verdicts.get(key('a'))).toEqual({ kind: 'changes', alter: [] });
  });
});

describe('phase 3: ordered steps', () => {
  it('drops readers first, creates in dependency order, restores what is not managed after what it reads', () => {
    const state = stateOf({
      views: [catalogView('a', { kind: 'materialized' }), catalogView('b'), catalogView('c')],
      edges: [edge('a', 't', 'table'), edge('b', 'a', 'materialized'), edge('c', 'b')],
    });
    // a becomes a plain view: a rebuild, so b (declared) is rebuilt and c (not managed) restored.
    const plan = planSync({
      definitions: [declared('b'), declared('a')],
      state,
      probes: new Map([[key('b'), same()]]),
    });
    expect(plan.steps.map((s) => [s.action, s.view.name])).toEqual([
      ['drop', 'c'],
      ['drop', 'b'],
      ['drop', 'a'],
      ['create', 'a'],
      ['create', 'b'],
      ['restore', 'c'],
    ]);
    expect(plan.steps[0]!.sql).toBe('DROP VIEW "public"."c"');
    expect(plan.steps[2]!.sql).toBe('DROP MATERIALIZED VIEW "public"."a"');
    expect(plan.steps[3]!.reason).toBe('rebuilt: it changes from a materialized view to a view');
    expect(plan.unchanged).toEqual([]);
  });

  it('orders new views by dependsOn, whatever the declaration order', () => {
    const plan = planSync({
      definitions: [declared('top', {}, 'view', ['mid']), declared('mid', {}, 'view', ['base']), declared('base')],
      state: stateOf(),
      probes: new Map(),
    });
    expect(plan.steps.map((s) => s.view.name)).toEqual(['base', 'mid', 'top']);
  });

  it('a dependsOn cycle is an error naming the views, with the advice for declarations', () => {
    const run = () =>
      planSync({
        definitions: [declared('p', {}, 'view', ['q']), declared('q', {}, 'view', ['p'])],
        state: stateOf(),
        probes: new Map(),
      });
    expect(run).toThrow(ViewDependencyCycleError);
    expect(run).toThrow('Views depend on each other in a cycle: public.p -> public.q -> public.p. Remove one');
  });

  it('changes in place come from the option descriptors, after creates', () => {
    const matview = catalogView('m', { kind: 'materialized', comment: 'old', options: ['fillfactor=70'] });
    const plan = planSync({
      definitions: [declared('m', { comment: "it's new", tablespace: 'fast' }, 'materialized')],
      state: stateOf({ views: [matview] }),
      probes: new Map([[key('m'), same(matview)]]),
    });
    expect(plan.steps.map((s) => [s.action, s.sql, s.reason])).toEqual([
      ['alter', 'ALTER MATERIALIZED VIEW "public"."m" RESET (fillfactor)', 'its storage parameters changed'],
      ['alter', 'ALTER MATERIALIZED VIEW "public"."m" SET TABLESPACE "fast"', 'its tablespace changed'],
      ['comment', `COMMENT ON MATERIALIZED VIEW "public"."m" IS 'it''s new'`, 'its comment changed'],
    ]);
  });

  it('a clean view needs no step and is listed as unchanged', () => {
    const a = declared('a');
    const plan = planSync({
      definitions: [a],
      state: registeredClean(stateOf({ views: [catalogView('a')] }), [a]),
      probes: new Map(),
    });
    expect(plan).toEqual({ steps: [], unchanged: [{ schema: 'public', name: 'a' }], unregister: [] });
  });
});
