import type { CatalogView, DatabaseState, DependencyEdge } from '../../../src/catalog/reader';
import { PlanError } from '../../../src/errors';
import { buildDefinition, type ViewDefinition } from '../../../src/metadata/definition';
import { tableImpact } from '../../../src/plan/table-impact';
import { catalogView, edge as sharedEdge } from './states';

const impact = (statements: string[], state: DatabaseState, definitions: ViewDefinition[], extra = {}) =>
  tableImpact({ statements, defaultSchema: 'public', state, definitions, ...extra });

const view = (name: string, kind: 'view' | 'materialized' = 'view'): CatalogView =>
  catalogView(name, { kind, definition: ' SELECT 1;', columns: [] });
const edge = (
  v: string,
  ref: string,
  refColumns: string[],
  refKind: DependencyEdge['refKind'] = 'table',
): DependencyEdge => ({ ...sharedEdge(v, ref, refKind), refColumns });
const stateOf = (views: CatalogView[], edges: DependencyEdge[]): DatabaseState => ({
  serverVersion: 150000,
  currentUser: 'me',
  views: new Map(views.map((v) => [JSON.stringify([v.schema, v.name]), v])),
  indexes: new Map(),
  edges,
  inheritance: [],
  registryExists: false,
  autoRefreshTriggers: false,
  registry: new Map(),
});

// orders(id, amount, note): totals reads amount; notes reads note; counts reads no column; report reads totals.
const state = stateOf(
  [view('totals'), view('notes'), view('counts'), view('report', 'materialized')],
  [
    edge('totals', 'orders', ['amount', 'id']),
    edge('notes', 'orders', ['note']),
    edge('counts', 'orders', []),
    edge('report', 'totals', ['amount'], 'view'),
  ],
);
const declared = (name: string) =>
  buildDefinition({
    kind: 'view',
    schema: 'public',
    name,
    sql: 'SELECT 1',
    dependsOn: [],
    options: {},
    source: `class ${name}`,
  });

describe('tableImpact', () => {
  it('rebuilds views reading a retyped column (and whole-row readers), then their readers, in creation order', () => {
    const changes = ['ALTER TABLE "orders" ALTER COLUMN "amount" TYPE numeric(12,2)'];
    const plan = impact(changes, state, [declared('totals')]);
    expect(plan.views.map((v) => [v.name, v.managed, v.reason])).toEqual([
      ['counts', false, 'it reads table public.orders as a whole (no single columns recorded), which changes'],
      ['totals', true, 'it reads public.orders.amount, which changes'],
      ['report', false, 'it reads public.totals, which is rebuilt'],
    ]);
  });

  it('leaves everything alone for changes that do not collide with views', () => {
    const changes = ['ALTER TABLE "orders" ADD "extra" integer', 'CREATE INDEX "i" ON "orders" ("note")'];
    expect(impact(changes, state, []).views).toEqual([]);
  });

  it('refuses when an undeclared view reads a dropped column, naming both', () => {
    const changes = ['ALTER TABLE "orders" DROP COLUMN "note"'];
    expect(() => impact(changes, state, [])).toThrow(PlanError);
    expect(() => impact(changes, state, [])).toThrow(/View public\.notes .* reads column "note" of public\.orders/);
    // Declared, it is re-created from its declaration instead.
    expect(impact(changes, state, [declared('notes')]).views.map((v) => v.name)).toEqual(['counts', 'notes']);
  });

  it('follows partitions: a column retyped on the parent breaks views reading a partition', () => {
    const partitioned = {
      ...stateOf([view('q1_totals')], [edge('q1_totals', 'orders_2025_q1', ['amount'])]),
      inheritance: [
        { child: { schema: 'public', name: 'orders_2025' }, ancestor: { schema: 'public', name: 'orders' } },
        { child: { schema: 'public', name: 'orders_2025_q1' }, ancestor: { schema: 'public', name: 'orders' } },
      ],
    };
    const result = impact(['ALTER TABLE "orders" ALTER COLUMN "amount" TYPE bigint'], partitioned, []);
    expect(result.views.map((v) => [v.name, v.reason])).toEqual([
      ['q1_totals', 'it reads public.orders_2025_q1.amount, which changes'],
    ]);
    expect(result.changedTables).toEqual([{ schema: 'public', name: 'orders' }]);
  });

  it('reads ALTER TABLE IF EXISTS ONLY in the order PostgreSQL writes it', () => {
    const result = impact(['ALTER TABLE IF EXISTS ONLY "orders" DROP COLUMN "amount"'], state, [declared('totals')]);
    expect(result.views.map((v) => v.name)).toEqual(['counts', 'totals', 'report']);
  });

  it('does not refuse a view that is dropped for good afterwards, nor when told not to refuse (down())', () => {
    const changes = ['ALTER TABLE "orders" DROP COLUMN "note"'];
    const key = JSON.stringify(['public', 'notes']);
    expect(impact(changes, state, [], { leaving: new Set([key]) }).views.map((v) => v.name)).toEqual([
      'counts',
      'notes',
    ]);
    expect(impact(changes, state, [], { refuse: false }).views.map((v) => v.name)).toEqual(['counts', 'notes']);
  });

  it('refuses a dropped table under an undeclared view, naming both', () => {
    expect(() => impact(['DROP TABLE "orders"'], state, [declared('totals'), declared('counts')])).toThrow(
      /View public\.notes .* reads table public\.orders, which TypeORM's schema changes drop/,
    );
  });
});
