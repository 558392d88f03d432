// Statements that re-create a view exactly as the catalog describes it: used for views this library does
// not manage that must be dropped and restored around a change (a dependent of a rebuilt view, or of a
// table whose column changes). Pure: catalog state in, statements out. What cannot be given back is
// refused (PlanError) when the statements are worked out, before anything runs.
import type { CatalogIndex, CatalogView } from '../catalog/reader';
import { PlanError } from '../errors';
import { objectKeyword, reloptionItem } from './clauses';
import { displayName, qualifiedName, quoteIdentifier, quoteLiteral, type QualifiedName } from './identifiers';
import { grantorOf, grantStatements, ownerSql } from './privileges';
import { afterCreate, catalogClauses, createSql } from './statements';

/** The query text of pg_get_viewdef without its trailing semicolon. */
export function catalogQuery(view: CatalogView): string {
  return view.definition.trim().replace(/;$/, '').trim();
}

/**
 * Re-creates `view` with everything it carries: the view (populated as it was) with its options and
 * reloptions as stored, its indexes (PostgreSQL's own CREATE INDEX text) with their tablespaces, comments
 * and clustering, the comment, column comments, defaults and statistics targets, rules and triggers (with
 * their comments), extended statistics, security labels, owner, and privileges on the view and on its
 * columns. `currentUser` is who runs the statements: ownership is given back only when it differs. Throws
 * a PlanError naming what cannot be restored (see restoreProblems).
 */
export function restoreStatements(view: CatalogView, indexes: readonly CatalogIndex[], currentUser: string): string[] {
  assertRestorable(view);
  const clauses = catalogClauses(view);
  const shape = { ...view, columns: view.columns.map((c) => c.name), query: catalogQuery(view) };
  return [
    createSql(shape, clauses, { withData: view.kind === 'materialized' && view.populated }),
    ...residualReloptions(view, clauses),
    ...(view.kind === 'materialized' ? indexes.flatMap((i) => indexStatements(view, i)) : []),
    ...afterCreate(view, clauses),
    ...columnStatements(view),
    ...view.rules.flatMap((r) => objectStatements(view, 'RULE', r)),
    ...view.triggers.flatMap((t) => objectStatements(view, 'TRIGGER', t)),
    ...view.statistics.flatMap((s) => statisticsStatements(s, currentUser)),
    ...view.securityLabels.map((l) => securityLabelSql(view, l)),
    ...accessStatements(view, currentUser),
    ...view.columnExtras.flatMap((c) => grantStatements(view, c.acl, view.owner, c.name)),
  ];
}

/** Throws the PlanError naming what a drop and re-create of `view` could not give back (restoreProblems). */
export function assertRestorable(view: CatalogView): void {
  const problems = restoreProblems(view);
  if (problems.length)
    throw new PlanError(
      `Cannot drop and restore view ${displayName(view)} as it was: ${problems.join('; ')}. Nothing was changed.`,
    );
}

/**
 * What a drop and re-create of `view` could not give back, each naming the property and the fix: the
 * view's membership of an extension, objects other than views that depend on it or its row type (DROP
 * VIEW refuses while they exist, and they are not ours to re-create), a materialized view's table access
 * method other than heap (CREATE is written without USING), and privileges granted by a role other than
 * the owner (a GRANT run again records the owner as grantor).
 */
export function restoreProblems(view: CatalogView): string[] {
  const problems: string[] = [];
  if (view.extension)
    problems.push(
      `it belongs to extension ${view.extension}, and a re-created view would not; run ALTER EXTENSION ${quoteIdentifier(view.extension)} DROP ${objectKeyword(view.kind)} ${qualifiedName(view)} first, or leave the views it reads unchanged`,
    );
  if (view.blockers.length)
    problems.push(
      `${view.blockers.join(', ')} depend${view.blockers.length === 1 ? 's' : ''} on it or its row type, and only views, their own parts and the views reading them are restored; drop ${view.blockers.length === 1 ? 'it' : 'them'} first and create ${view.blockers.length === 1 ? 'it' : 'them'} again afterwards`,
    );
  if (view.accessMethod && view.accessMethod !== 'heap')
    problems.push(
      `it uses table access method ${view.accessMethod}, which a restore does not write; run ALTER MATERIALIZED VIEW ${qualifiedName(view)} SET ACCESS METHOD heap first (PostgreSQL 15), or drop it and create it again after the change`,
    );
  const foreignGrantors = (acl: readonly string[] | null) =>
    (acl ?? []).map(grantorOf).filter((g): g is string => g !== undefined && g !== view.owner);
  const grantors = new Set([...foreignGrantors(view.acl), ...view.columnExtras.flatMap((c) => foreignGrantors(c.acl))]);
  if (grantors.size)
    problems.push(
      `privileges on it were granted by ${[...grantors].join(', ')}, not by its owner ${view.owner}, and a restored grant would be recorded as the owner's; revoke them and grant them again as ${view.owner}`,
    );
  return problems;
}

/**
 * What users added by hand to a view that a declaration does not describe, as readable items (`trigger
 * ins`, `comment of column x`): a declared view rebuilt from its declaration does not keep them (only its
 * owner and privileges on the view), and its plan step says so.
 */
export function handMadeExtras(view: CatalogView): string[] {
  const columns = (what: string, has: (c: CatalogView['columnExtras'][number]) => boolean) => {
    const names = view.columnExtras.filter(has).map((c) => c.name);
    return names.length ? [`${what} of column${names.length === 1 ? '' : 's'} ${names.join(', ')}`] : [];
  };
  return [
    ...view.triggers.map((t) => `trigger ${t.name}`),
    ...view.rules.map((r) => `rule ${r.name}`),
    ...columns('comment', (c) => c.comment !== undefined),
    ...columns('default', (c) => c.default !== undefined),
    ...columns('grants', (c) => c.acl !== null),
    ...columns('statistics target', (c) => c.statistics !== undefined),
    ...view.statistics.map((s) => `statistics object ${displayName(s)}`),
    ...view.securityLabels.map((l) => `security label of ${l.provider}${l.column ? ` on column ${l.column}` : ''}`),
  ];
}

/**
 * reloptions that the options' clauses do not write as stored: a view's `security_barrier=false` or
 * `security_barrier=on` (the clauses write `true` or nothing), set as PostgreSQL stored them.
 */
function residualReloptions(view: CatalogView, clauses: ReturnType<typeof catalogClauses>): string[] {
  const written = new Set(clauses.flatMap((c) => c.with ?? []).map(([k, v]) => `${k}=${v}`));
  const checkOptionWritten = clauses.some((c) => c.trailer);
  const residual = view.options
    .filter((item) => !written.has(item) && !(checkOptionWritten && item.startsWith('check_option=')))
    .map((item): [string, string] => [item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1)]);
  return residual.length
    ? [
        `ALTER ${objectKeyword(view.kind)} ${qualifiedName(view)} SET (${residual.map(([k, v]) => reloptionItem(k, v)).join(', ')})`,
      ]
    : [];
}

/** An index of a materialized view: CREATE INDEX, then its tablespace, comment and clustering. */
export function indexStatements(view: QualifiedName, index: CatalogIndex): string[] {
  const name = qualifiedName({ schema: index.schema, name: index.name });
  return [
    index.definition,
    ...(index.tablespace ? [`ALTER INDEX ${name} SET TABLESPACE ${quoteIdentifier(index.tablespace)}`] : []),
    ...(index.comment !== undefined ? [`COMMENT ON INDEX ${name} IS ${quoteLiteral(index.comment)}`] : []),
    ...(index.clustered
      ? [`ALTER MATERIALIZED VIEW ${qualifiedName(view)} CLUSTER ON ${quoteIdentifier(index.name)}`]
      : []),
  ];
}

/** `"s"."v"."c"`: a column of a view, for COMMENT ON COLUMN and SECURITY LABEL ON COLUMN. */
const columnName = (view: QualifiedName, column: string) => `${qualifiedName(view)}.${quoteIdentifier(column)}`;

/** Column comments, defaults (views) and statistics targets (materialized views). */
export function columnStatements(view: CatalogView): string[] {
  const alter = `ALTER ${objectKeyword(view.kind)} ${qualifiedName(view)} ALTER COLUMN`;
  return view.columnExtras.flatMap((c) => [
    ...(c.default !== undefined ? [`${alter} ${quoteIdentifier(c.name)} SET DEFAULT ${c.default}`] : []),
    ...(c.statistics !== undefined ? [`${alter} ${quoteIdentifier(c.name)} SET STATISTICS ${c.statistics}`] : []),
    ...(c.comment !== undefined ? [`COMMENT ON COLUMN ${columnName(view, c.name)} IS ${quoteLiteral(c.comment)}`] : []),
  ]);
}

/** A rule or trigger as PostgreSQL rendered it (without the rule's trailing semicolon), then its comment. */
function objectStatements(
  view: QualifiedName,
  what: 'RULE' | 'TRIGGER',
  object: { name: string; definition: string; comment?: string },
): string[] {
  return [
    object.definition.trim().replace(/;$/, ''),
    ...(object.comment !== undefined
      ? [
          `COMMENT ON ${what} ${quoteIdentifier(object.name)} ON ${qualifiedName(view)} IS ${quoteLiteral(object.comment)}`,
        ]
      : []),
  ];
}

/** An extended statistics object: CREATE STATISTICS, its statistics target, owner and comment. */
function statisticsStatements(s: CatalogView['statistics'][number], currentUser: string): string[] {
  const name = qualifiedName(s);
  return [
    s.definition,
    ...(s.target !== undefined ? [`ALTER STATISTICS ${name} SET STATISTICS ${s.target}`] : []),
    ...(s.owner !== currentUser ? [`ALTER STATISTICS ${name} OWNER TO ${quoteIdentifier(s.owner)}`] : []),
    ...(s.comment !== undefined ? [`COMMENT ON STATISTICS ${name} IS ${quoteLiteral(s.comment)}`] : []),
  ];
}

/** `SECURITY LABEL FOR provider ON [MATERIALIZED] VIEW v | COLUMN v.c IS '...'` (the provider must be loaded). */
export function securityLabelSql(
  view: QualifiedName & { kind: CatalogView['kind'] },
  label: CatalogView['securityLabels'][number],
): string {
  const target =
    label.column === undefined
      ? `${objectKeyword(view.kind)} ${qualifiedName(view)}`
      : `COLUMN ${columnName(view, label.column)}`;
  return `SECURITY LABEL FOR ${quoteIdentifier(label.provider)} ON ${target} IS ${quoteLiteral(label.label)}`;
}

/**
 * Owner and privileges on the relation of a view being re-created (also used for declared views rebuilt
 * from their declaration, whose columns may have changed: column-level grants are left to restoreStatements).
 */
export function accessStatements(view: CatalogView, currentUser: string): string[] {
  const statements: string[] = [];
  if (view.owner !== currentUser) statements.push(ownerSql(view, view.owner));
  statements.push(...grantStatements(view, view.acl, view.owner));
  return statements;
}
