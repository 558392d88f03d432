// The statements that change a view in place: each differing option's own ALTER / COMMENT (from its
// descriptor), then the index changes. Pure.
import type { CatalogView } from '../catalog/reader';
import { createIndexSql, dropIndexSql } from '../ddl/statements';
import type { ViewDefinition } from '../metadata/definition';
import { declaredValue } from '../options/view-options';
import type { Verdict } from './compare';

export interface InPlaceChange {
  readonly action: 'comment' | 'alter' | 'create-index' | 'drop-index';
  readonly sql: string;
  readonly reason: string;
}

/** What a `changes` verdict does in place to `existing` to make it match `view`. */
export function inPlaceStatements(
  view: ViewDefinition,
  existing: CatalogView,
  verdict: Extract<Verdict, { kind: 'changes' }>,
): InPlaceChange[] {
  const out: InPlaceChange[] = [];
  for (const option of verdict.alter ?? []) {
    const action = option.name === 'comment' ? 'comment' : 'alter';
    for (const sql of option.alter!(view, option.catalog(existing), declaredValue(option, view)))
      out.push({ action, sql, reason: `${option.what} changed` });
  }
  for (const change of verdict.indexes ?? []) {
    if (change.drop)
      out.push({ action: 'drop-index', sql: dropIndexSql(view.schema, change.drop.name), reason: change.reason });
    if (change.create)
      out.push({ action: 'create-index', sql: createIndexSql(view, change.create), reason: change.reason });
  }
  return out;
}
