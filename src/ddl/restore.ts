// Statements that re-create a view exactly as the catalog describes it: used for views this library does
// not manage that must be dropped and restored around a change (a dependent of a rebuilt view, or of a
// table whose column changes). Pure: catalog state in, statements out.
import type { CatalogIndex, CatalogView } from '../catalog/reader';
import { grantStatements, ownerSql } from './privileges';
import { afterCreate, catalogClauses, createSql } from './statements';

/** The query text of pg_get_viewdef without its trailing semicolon. */
export function catalogQuery(view: CatalogView): string {
  return view.definition.trim().replace(/;$/, '').trim();
}

/**
 * Re-creates `view`: the view (populated as it was), its indexes (PostgreSQL's own CREATE INDEX text),
 * comment, owner and privileges. `currentUser` is who runs the statements: ownership is given back only
 * when it differs.
 */
export function restoreStatements(view: CatalogView, indexes: readonly CatalogIndex[], currentUser: string): string[] {
  const clauses = catalogClauses(view);
  const shape = { ...view, columns: view.columns.map((c) => c.name), query: catalogQuery(view) };
  return [
    createSql(shape, clauses, { withData: view.kind === 'materialized' && view.populated }),
    ...(view.kind === 'materialized' ? indexes.map((i) => i.definition) : []),
    ...afterCreate(view, clauses),
    ...accessStatements(view, currentUser),
  ];
}

/** Owner and privileges of a view being re-created. */
export function accessStatements(view: CatalogView, currentUser: string): string[] {
  const statements: string[] = [];
  if (view.owner !== currentUser) statements.push(ownerSql(view, view.owner));
  statements.push(...grantStatements(view, view.acl, view.owner));
  return statements;
}
