// The statements of a side-by-side rebuild of a materialized view: build the new definition under a
// temporary name (with its indexes under temporary names and its comment), then, once the old view is
// dropped, rename the new one and its indexes to the declared names. Pure: no I/O.
import { createHash } from 'node:crypto';
import type { ViewDefinition } from '../metadata/definition';
import { qualifiedName, quoteIdentifier, relationKey, type QualifiedName } from './identifiers';
import { afterCreate, createIndexSql, createSql, declaredClauses } from './statements';

/** The temporary names of one side-by-side build: the view's and one per declared index, in order. */
export interface SideBySideNames {
  readonly view: string;
  readonly indexes: readonly string[];
}

/** Every temporary name starts with this, so a leftover (there can be none: DDL is transactional) is recognisable. */
export const SIDE_BY_SIDE_PREFIX = 'pgview_sbs_';

/**
 * Temporary names for `view`, derived from its schema and name (so a plan and a generated migration are
 * reproducible) and different from every name in `taken` (the relations and indexes the catalog holds in
 * that schema). `pgview_sbs_<12 hex>` and `pgview_sbs_<12 hex>_<n>`: ASCII, at most 31 bytes, far under
 * PostgreSQL's 63.
 *
 * @example
 * sideBySideNames({ schema: 'public', name: 'stats', indexes: [...] }, new Set()) // { view: 'pgview_sbs_1a2b…', indexes: ['pgview_sbs_1a2b…_1'] }
 */
export function sideBySideNames(
  view: QualifiedName & { readonly indexes: readonly unknown[] },
  taken: ReadonlySet<string>,
): SideBySideNames {
  for (let salt = 0; ; salt++) {
    const hash = createHash('sha256')
      .update(`${relationKey(view)}${salt ? `#${salt}` : ''}`)
      .digest('hex')
      .slice(0, 12);
    const names = {
      view: `${SIDE_BY_SIDE_PREFIX}${hash}`,
      indexes: view.indexes.map((_, i) => `${SIDE_BY_SIDE_PREFIX}${hash}_${i + 1}`),
    };
    if (![names.view, ...names.indexes].some((n) => taken.has(n))) return names;
  }
}

/**
 * The build: `CREATE MATERIALIZED VIEW <temp> AS <declared query> WITH [NO] DATA`, its declared indexes
 * under their temporary names, and its comment. Locks only the new object (and ACCESS SHARE on what the
 * query reads), so readers of the old view never wait for it.
 */
export function buildStatements(
  view: ViewDefinition,
  names: SideBySideNames,
  options: { withData: boolean },
): string[] {
  const temp = { schema: view.schema, name: names.view, kind: view.kind };
  const clauses = declaredClauses(view);
  return [
    createSql({ ...view, ...temp, query: view.sql }, clauses, { withData: options.withData }),
    ...view.indexes.map((index, i) => createIndexSql(temp, { ...index, name: names.indexes[i]! })),
    ...afterCreate(temp, clauses),
  ];
}

/**
 * The swap, run after the old view is dropped: the new view takes the declared name, its indexes their
 * declared names. Catalog updates only: each takes an ACCESS EXCLUSIVE lock on the new object, which no
 * reader holds yet.
 */
export function swapStatements(view: ViewDefinition, names: SideBySideNames): string[] {
  return [
    `ALTER MATERIALIZED VIEW ${qualifiedName({ schema: view.schema, name: names.view })} RENAME TO ${quoteIdentifier(view.name)}`,
    ...view.indexes.map(
      (index, i) =>
        `ALTER INDEX ${qualifiedName({ schema: view.schema, name: names.indexes[i]! })} RENAME TO ${quoteIdentifier(index.name)}`,
    ),
  ];
}
