// What every layer needs to know about one option of a view, in one place: how a declaration is validated,
// how the catalog holds it, how it is written in CREATE, and how a difference is applied (in place, or by
// CREATE OR REPLACE). The definition, the comparison, both fingerprints, the restore of views we do not
// manage, a migration's down() and its check all read the same descriptors (view-options.ts).
import type { CatalogView } from '../catalog/reader';
import type { QualifiedName } from '../ddl/identifiers';
import type { ViewKind } from '../metadata/definition';

/** Throws the declaration error for this option: `problem` says what is wrong, `fix` what to write. */
export type OptionFailure = (problem: string, fix: string, option?: string) => never;

export type Relation = QualifiedName & { readonly kind: ViewKind };

/** How a value appears in CREATE [MATERIALIZED] VIEW, and the statements that follow it. */
export interface CreateClauses {
  /** `WITH (name = value)` items. */
  readonly with?: readonly (readonly [string, string])[];
  readonly tablespace?: string;
  /** Text after the query (`WITH LOCAL CHECK OPTION`). */
  readonly trailer?: string;
  /** Statements after CREATE (`COMMENT ON ...`). */
  readonly after?: (view: Relation) => string[];
}

export interface ViewOption<N extends string = string, V = unknown> {
  /** The option as users write it on @PgView / @MaterializedView. */
  readonly name: N;
  readonly kinds: readonly ViewKind[];
  /** For reasons: `its tablespace changed`. */
  readonly what: string;
  /** Validates the raw declaration (undefined when not given) into the definition's value. */
  resolve(raw: unknown, fail: OptionFailure): V;
  /** The same value as the catalog holds it now. */
  catalog(view: CatalogView): V;
  /** Whether two values mean the same (default: equal as JSON). */
  same?(a: V, b: V): boolean;
  /** How a difference is applied: `alter` in place, or `replace` with CREATE OR REPLACE VIEW. */
  readonly apply: 'alter' | 'replace';
  /** For `alter`: the statements that take a view from `from` to `to`. */
  alter?(view: Relation, from: V, to: V): string[];
  /** How the value is written when the view is created. */
  render(value: V): CreateClauses;
  /** The oldest server (server_version_num) that accepts the option when it is in use. */
  readonly minimumServer?: { readonly version: number; readonly inUse: (value: V) => boolean };
}

/** Declares a descriptor, keeping its name and value types for the definition type. */
export function viewOption<N extends string, V>(option: ViewOption<N, V>): ViewOption<N, V> {
  return Object.freeze(option);
}

/** Whether two values of `option` mean the same. */
export function sameValue<V>(option: ViewOption<string, V>, a: V, b: V): boolean {
  return option.same ? option.same(a, b) : JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
