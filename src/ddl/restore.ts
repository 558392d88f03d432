// Statements that re-create a view exactly as the catalog describes it: used for views this library does
// not manage that must be dropped and restored around a change (a dependent of a rebuilt view, or of a
// table whose column changes). Pure: catalog state in, statements out.
import type { CatalogIndex, CatalogView } from '../catalog/reader';
import { qualifiedName, quoteIdentifier, quoteLiteral } from './identifiers';
import { grantStatements, ownerSql } from './privileges';
import { commentSql } from './statements';

/** `k=v` reloptions items as a `WITH (...)` clause, values quoted as literals. */
function withOptions(options: readonly string[]): string {
  if (options.length === 0) return '';
  const items = options.map((o) => {
    const eq = o.indexOf('=');
    const key = o.slice(0, eq);
    if (!/^[a-z_][a-z0-9_.]*$/.test(key)) throw new Error(`unexpected reloption ${JSON.stringify(o)}`);
    return `${key} = ${quoteLiteral(o.slice(eq + 1))}`;
  });
  return ` WITH (${items.join(', ')})`;
}

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
  const name = qualifiedName(view);
  const columns = ` (${view.columns.map((c) => quoteIdentifier(c.name)).join(', ')})`;
  const statements =
    view.kind === 'materialized'
      ? [
          `CREATE MATERIALIZED VIEW ${name}${columns}${withOptions(view.options)}${view.tablespace ? ` TABLESPACE ${quoteIdentifier(view.tablespace)}` : ''} AS ${catalogQuery(view)} WITH ${view.populated ? '' : 'NO '}DATA`,
          ...indexes.map((i) => i.definition),
        ]
      : [`CREATE VIEW ${name}${columns}${withOptions(view.options)} AS ${catalogQuery(view)}`];
  if (view.comment !== undefined) statements.push(commentSql(view, view.comment));
  statements.push(...accessStatements(view, currentUser));
  return statements;
}

/** Owner and privileges of a view being re-created. */
export function accessStatements(view: CatalogView, currentUser: string): string[] {
  const statements: string[] = [];
  if (view.owner !== currentUser) statements.push(ownerSql(view, view.owner));
  statements.push(...grantStatements(view, view.acl, view.owner));
  return statements;
}
