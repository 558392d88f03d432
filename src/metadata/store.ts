// Where the decorators record their arguments. Kept on globalThis under a Symbol.for key so that two
// copies of the package in one process (a library and an app each depending on us) share one store.
import type { EntitySchema } from 'typeorm';
import type { MaterializedViewOptions, PgViewOptions } from '../decorators/options';

interface Declared {
  /** The class the options are recorded under (for definePgView / defineMaterializedView, the schema's target). */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly target: Function;
  /** Set when definePgView / defineMaterializedView made the view: the EntitySchema whose `target` is `target`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly entitySchema?: EntitySchema<any>;
}

export type ViewArgs =
  | (Declared & { readonly kind: 'view'; readonly options: PgViewOptions })
  | (Declared & { readonly kind: 'materialized'; readonly options: MaterializedViewOptions });

const STORE_KEY = Symbol.for('typeorm-pgview:view-args');

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type Store = Map<Function, ViewArgs>;

function store(): Store {
  const holder = globalThis as { [STORE_KEY]?: Store };
  return (holder[STORE_KEY] ??= new Map());
}

export function recordViewArgs(args: ViewArgs): void {
  store().set(args.target, args);
}

/** The recorded arguments of a class, looking up its prototype chain (a subclass inherits the view). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function viewArgsOf(target: Function): ViewArgs | undefined {
  const s = store();
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  for (let t: Function | null = target; t && t !== Function.prototype; t = Object.getPrototypeOf(t)) {
    const args = s.get(t);
    if (args) return args;
  }
  return undefined;
}
