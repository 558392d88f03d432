import type { CatalogView, DatabaseState, DependencyEdge } from '../../../src/catalog/reader';
import { SyncError } from '../../../src/errors';
import { buildDefinition } from '../../../src/metadata/definition';
import { planSchemaChange } from '../../../src/sync/schema-plan';
import { tableChanges } from '../../../src/sync/schema-statements';

const view = (name: string, kind: 'view' | 'materialized' = 'view'): CatalogView => ({
  schema: 'public',
  name,
  kind,
  definition: ' SELECT 1;',
  populated: true,
  options: [],
  owner: 'me',
  acl: null,
  columns: [],
});
const edge = (
  v: string,
  ref: string,
  refColumns: string[],
  refKind: DependencyEdge['refKind'] = 'table',
): DependencyEdge => ({
  view: { schema: 'public', name: v },
  ref: { schema: 'public', name: ref },
  refKind,
  refColumns,
  refShape: '',
});
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

describe('planSchemaChange', () => {
  it('rebuilds views reading a retyped column (and whole-row readers), then their readers, in creation order', () => {
    const changes = tableChanges(['ALTER TABLE "orders" ALTER COLUMN "amount" TYPE numeric(12,2)'], 'public');
    const plan = planSchemaChange(changes, state, [declared('totals')]);
    expect(plan.views.map((v) => [v.name, v.managed, v.reason])).toEqual([
      ['counts', false, 'it reads table public.orders as a whole (no single columns recorded), which changes'],
      ['totals', true, 'it reads public.orders.amount, which changes'],
      ['report', false, 'it reads public.totals, which is rebuilt'],
    ]);
  });

  it('leaves everything alone for changes that do not collide with views', () => {
    const changes = tableChanges(
      ['ALTER TABLE "orders" ADD "extra" integer', 'CREATE INDEX "i" ON "orders" ("note")'],
      'public',
    );
    expect(planSchemaChange(changes, state, []).views).toEqual([]);
  });

  it('refuses when an undeclared view reads a dropped column, naming both', () => {
    const changes = tableChanges(['ALTER TABLE "orders" DROP COLUMN "note"'], 'public');
    expect(() => planSchemaChange(changes, state, [])).toThrow(SyncError);
    expect(() => planSchemaChange(changes, state, [])).toThrow(
      /View public\.notes .* reads column "note" of public\.orders/,
    );
    // Declared, it is re-created from its declaration instead.
    expect(planSchemaChange(changes, state, [declared('notes')]).views.map((v) => v.name)).toEqual(['counts', 'notes']);
  });
});
