// The options of a view that reach DDL and the catalog, one descriptor each. Adding an option is one entry
// here (and its public type in src/decorators/options.ts): the definition type, validation, CREATE, the
// comparison, both fingerprints, restores, down() and its check follow from it.
import type { CatalogView } from '../catalog/reader';
import {
  BARE_VALUE,
  checkOptionClause,
  commentSql,
  RELOPTION_NAME,
  resetReloptionsSql,
  setReloptionsSql,
  setTablespaceSql,
} from '../ddl/clauses';
import { identifierProblem } from '../ddl/identifiers';
import { sameValue, viewOption, type OptionFailure, type ViewOption } from './descriptor';

/** reloptions (`['fillfactor=70']`) as a name -> value record, names sorted. */
export function reloptions(view: CatalogView): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of [...view.options].sort()) {
    const eq = item.indexOf('=');
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** A boolean reloption's text as PostgreSQL accepts it (`on`, `yes`, `1`, `true`, ...). */
const truthy = (text: string | undefined) => text !== undefined && /^(on|yes|1|true|t|y)$/i.test(text);
const normalized = (value: string) =>
  /^(on|yes|true)$/i.test(value) ? 'true' : /^(off|no|false)$/i.test(value) ? 'false' : value.toLowerCase();

function bool(name: string) {
  return (raw: unknown, fail: OptionFailure): boolean => {
    if (raw === undefined) return false;
    if (typeof raw !== 'boolean')
      return fail(`must be true or false, got ${JSON.stringify(raw)}`, `Write \`${name}: true\`.`);
    return raw;
  };
}

/** A view reloption that is either on or off, changed with CREATE OR REPLACE VIEW. */
function viewFlag<N extends string>(name: N, reloption: string, minimumServer?: number) {
  return viewOption<N, boolean>({
    name,
    kinds: ['view'],
    what: 'its options',
    resolve: bool(name),
    catalog: (view) => truthy(reloptions(view)[reloption]),
    apply: 'replace',
    render: (on) => (on ? { with: [[reloption, 'true']] } : {}),
    ...(minimumServer ? { minimumServer: { version: minimumServer, inUse: (on: boolean) => on } } : {}),
  });
}

const checkOption = viewOption<'checkOption', 'local' | 'cascaded' | undefined>({
  name: 'checkOption',
  kinds: ['view'],
  what: 'its options',
  resolve(raw, fail) {
    if (raw !== undefined && raw !== 'local' && raw !== 'cascaded')
      return fail(`is ${JSON.stringify(raw)}`, "Use 'local' or 'cascaded'.");
    return raw;
  },
  catalog(view) {
    const value = reloptions(view).check_option?.toLowerCase();
    return value === 'local' || value === 'cascaded' ? value : undefined;
  },
  apply: 'replace',
  render: (value) => (value ? { trailer: checkOptionClause(value) } : {}),
});

const storageParameters = viewOption<'storageParameters', Readonly<Record<string, string>>>({
  name: 'storageParameters',
  kinds: ['materialized'],
  what: 'its storage parameters',
  resolve(raw, fail) {
    if (raw === undefined) return Object.freeze({});
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      return fail('must be an object', 'Write e.g. `storageParameters: { fillfactor: 70 }`.');
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw).sort(([a], [b]) => a.localeCompare(b))) {
      if (!RELOPTION_NAME.test(key))
        fail(
          'is not a storage parameter name',
          'Use PostgreSQL names such as fillfactor or autovacuum_enabled.',
          `storageParameters.${key}`,
        );
      if (
        !['string', 'number', 'boolean'].includes(typeof value) ||
        (typeof value === 'string' && !BARE_VALUE.test(value))
      )
        fail(
          `has the value ${JSON.stringify(value)}`,
          'Use a number, a boolean or a simple word.',
          `storageParameters.${key}`,
        );
      out[key] = String(value);
    }
    return Object.freeze(out);
  },
  catalog: reloptions,
  same: (a, b) => {
    const norm = (r: Readonly<Record<string, string>>) =>
      JSON.stringify(
        Object.entries(r)
          .map(([k, v]) => [k.toLowerCase(), normalized(v)])
          .sort(),
      );
    return norm(a) === norm(b);
  },
  apply: 'alter',
  alter(view, from, to) {
    const reset = Object.keys(from).filter((k) => !(k in to));
    const set = Object.entries(to);
    return [
      ...(reset.length ? [resetReloptionsSql(view, reset)] : []),
      ...(set.length ? [setReloptionsSql(view, set)] : []),
    ];
  },
  render: (params) => ({ with: Object.entries(params) }),
});

const tablespace = viewOption<'tablespace', string | undefined>({
  name: 'tablespace',
  kinds: ['materialized'],
  what: 'its tablespace',
  resolve(raw, fail) {
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string') return fail(`must be a string, got ${typeof raw}`, 'Give a name.');
    const problem = identifierProblem(raw);
    if (problem) return fail(`${JSON.stringify(raw)} ${problem}`, 'Use a name of 1 to 63 bytes.');
    return raw;
  },
  catalog: (view) => view.tablespace,
  // The catalog records the database's default tablespace as none: `pg_default` declared is no change.
  same: (a, b) => (a ?? 'pg_default') === (b ?? 'pg_default'),
  apply: 'alter',
  alter: (view, _from, to) => [setTablespaceSql(view, to)],
  render: (value) => (value ? { tablespace: value } : {}),
});

const comment = viewOption<'comment', string | undefined>({
  name: 'comment',
  kinds: ['view', 'materialized'],
  what: 'its comment',
  resolve(raw, fail) {
    if (raw !== undefined && typeof raw !== 'string') return fail('must be a string', 'Give the comment text.');
    if (raw?.includes('\0'))
      return fail('contains a NUL character, which PostgreSQL text cannot hold', 'Remove it from the comment.');
    return raw;
  },
  catalog: (view) => view.comment,
  apply: 'alter',
  alter: (view, _from, to) => [commentSql(view, to)],
  render: (value) => (value === undefined ? {} : { after: (view) => [commentSql(view, value)] }),
});

/** Every option, in the order their clauses are written. */
export const VIEW_OPTIONS = [
  checkOption,
  viewFlag('securityBarrier', 'security_barrier'),
  viewFlag('securityInvoker', 'security_invoker', 150000),
  storageParameters,
  tablespace,
  comment,
] as const;

type Described = (typeof VIEW_OPTIONS)[number];

/**
 * The resolved value of every described option, as a ViewDefinition holds it. An option that does not apply
 * to the view's kind has its default.
 */
export interface ViewOptionValues {
  /** `WITH [LOCAL | CASCADED] CHECK OPTION` (plain views); undefined: none. */
  readonly checkOption: 'local' | 'cascaded' | undefined;
  /** The `security_barrier` reloption (plain views). */
  readonly securityBarrier: boolean;
  /** The `security_invoker` reloption (plain views, PostgreSQL 15+). */
  readonly securityInvoker: boolean;
  /** Storage parameters (`WITH (...)`, materialized views), each value as PostgreSQL stores it (text). */
  readonly storageParameters: Readonly<Record<string, string>>;
  /** The tablespace (materialized views); undefined: the database's default. */
  readonly tablespace: string | undefined;
  /** `COMMENT ON`; undefined: none. */
  readonly comment: string | undefined;
}

/** What the descriptors give: ViewOptionValues must be exactly this (a new descriptor needs its line above). */
type DescribedValues = {
  readonly [O in Described as O['name']]: O extends ViewOption<string, infer V> ? V : never;
};
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const valuesMatchDescriptors: Same<ViewOptionValues, DescribedValues> = true;
void valuesMatchDescriptors;

/** The descriptors that apply to a kind of view. */
export function optionsOf(kind: 'view' | 'materialized'): readonly ViewOption<string, unknown>[] {
  return (VIEW_OPTIONS as readonly ViewOption<string, unknown>[]).filter((o) => o.kinds.includes(kind));
}

/** The declared value of an option, read off a definition. */
export function declaredValue(option: ViewOption<string, unknown>, values: ViewOptionValues): unknown {
  return (values as unknown as Record<string, unknown>)[option.name];
}

/** The options whose declared value differs from the catalog's, for a view of `values`' kind. */
export function differingOptions(
  kind: 'view' | 'materialized',
  values: ViewOptionValues,
  view: CatalogView,
): ViewOption<string, unknown>[] {
  return optionsOf(kind).filter((o) => !sameValue(o, declaredValue(o, values), o.catalog(view)));
}
