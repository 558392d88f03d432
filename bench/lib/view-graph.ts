// The view graph used by the sync-at-scale scenario, as plain data: N views in blocks of 10, each block a
// chain of 5 (c0 reads a table, c1..c4 each read the previous) and a fan of 5 views reading the chain's
// middle view c2; the last fan view of each block is a materialized view (10%). The same specs become
// @PgView/@MaterializedView classes for this library and @ViewEntity classes for TypeORM's own sync.
import { ViewEntity } from 'typeorm';
import { MaterializedView, PgView } from '../../src';

export interface ViewSpec {
  readonly name: string;
  readonly materialized: boolean;
  readonly reads: string;
  readonly expression: string;
}

/** The tables the graph reads (created by raw SQL before any sync). */
export const BASE_TABLES_SQL = Array.from(
  { length: 4 },
  (_, i) => `CREATE TABLE t_${i} (id int PRIMARY KEY, x int NOT NULL, label text NOT NULL);
INSERT INTO t_${i} SELECT g, g % 97, 'row ' || g FROM generate_series(1, 100) g;`,
).join('\n');

export type Edit = 'none' | 'whitespace' | 'change';

function expressionOf(reads: string, edit: Edit): string {
  if (edit === 'whitespace') return `SELECT id,   x,  label\n    FROM ${reads}   WHERE x >= 0`;
  if (edit === 'change') return `SELECT id, x, label FROM ${reads} WHERE x >= 1`;
  return `SELECT id, x, label FROM ${reads} WHERE x >= 0`;
}

/** The middle block's chain-middle view: the "one base view in the middle" that the edits touch. */
export function editedViewName(count: number): string {
  return `v${String(Math.floor(count / 20) * 10 + 2).padStart(4, '0')}`;
}

/** N view specs in dependency order (each reads only earlier ones), with `edit` applied to the middle base view. */
export function viewSpecs(count: number, edit: Edit = 'none'): ViewSpec[] {
  const specs: ViewSpec[] = [];
  const edited = editedViewName(count);
  for (let i = 0; i < count; i++) {
    const block = i - (i % 10);
    const slot = i % 10;
    const name = `v${String(i).padStart(4, '0')}`;
    const at = (s: number) => `v${String(block + s).padStart(4, '0')}`;
    const reads = slot === 0 ? `t_${(block / 10) % 4}` : slot <= 4 ? at(slot - 1) : at(2);
    const materialized = slot === 9;
    specs.push({ name, materialized, reads, expression: expressionOf(reads, name === edited ? edit : 'none') });
  }
  return specs;
}

type Class = Function;

/** A fresh anonymous class per view, decorated as a function call (no class syntax per view). */
function freshClass(name: string): Class {
  return { [name]: class {} }[name]!;
}

/** This library's declarations. `dependsOn` is left out on purpose: the order comes from the SQL and the catalog. */
export function pgviewClasses(specs: readonly ViewSpec[]): Class[] {
  return specs.map((s) => {
    const target = freshClass(s.name);
    if (s.materialized) MaterializedView({ name: s.name, expression: s.expression })(target);
    else PgView({ name: s.name, expression: s.expression })(target);
    return target;
  });
}

/** TypeORM's own declarations: `@ViewEntity` with `dependsOn` (TypeORM needs it to order creation). */
export function typeormClasses(specs: readonly ViewSpec[]): Class[] {
  return specs.map((s) => {
    const target = freshClass(s.name);
    const dependsOn = s.reads.startsWith('t_') ? [] : [s.reads];
    ViewEntity({ name: s.name, expression: s.expression, materialized: s.materialized, dependsOn })(target);
    return target;
  });
}
