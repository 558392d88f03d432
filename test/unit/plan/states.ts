// Hand-written catalog states and declarations for the planner's unit tests.
import type {
  CatalogIndex,
  CatalogView,
  DatabaseState,
  DependencyEdge,
  RegistryRow,
} from '../../../src/catalog/reader';
import { relationKey } from '../../../src/ddl/identifiers';
import { buildDefinition, type ViewDefinition, type ViewKind } from '../../../src/metadata/definition';
import { catalogHash, declaredHash } from '../../../src/plan/fingerprints';

export const key = (name: string, schema = 'public') => relationKey({ schema, name });

/** A view as the catalog would hold it. */
export function catalogView(name: string, overrides: Partial<CatalogView> = {}): CatalogView {
  return {
    schema: 'public',
    name,
    kind: 'view',
    definition: ` SELECT 1 AS one;`,
    populated: true,
    options: [],
    owner: 'me',
    acl: null,
    columns: [{ name: 'one', type: 'integer', collation: 0 }],
    columnExtras: [],
    triggers: [],
    rules: [],
    securityLabels: [],
    statistics: [],
    blockers: [],
    ...overrides,
  };
}

export function edge(view: string, ref: string, refKind: DependencyEdge['refKind'] = 'view'): DependencyEdge {
  return {
    view: { schema: 'public', name: view },
    ref: { schema: 'public', name: ref },
    refKind,
    refColumns: [],
    refShape: '',
  };
}

export function declared(
  name: string,
  options: Record<string, unknown> = {},
  kind: ViewKind = 'view',
  dependsOn: string[] = [],
): ViewDefinition {
  return buildDefinition({
    kind,
    schema: 'public',
    name,
    sql: 'SELECT 1 AS one',
    dependsOn: dependsOn.map((d) => ({ schema: 'public', name: d })),
    options,
    source: `class ${name}`,
  });
}

export interface StateParts {
  views?: CatalogView[];
  edges?: DependencyEdge[];
  indexes?: CatalogIndex[];
  /** Registered views: with `clean`, their fingerprints match the given declarations. */
  registered?: { name: string; kind?: ViewKind }[];
  serverVersion?: number;
}

export function stateOf(parts: StateParts = {}): DatabaseState {
  const indexes = new Map<string, CatalogIndex[]>();
  for (const i of parts.indexes ?? [])
    indexes.set(key(i.view, i.schema), [...(indexes.get(key(i.view, i.schema)) ?? []), i]);
  return {
    serverVersion: parts.serverVersion ?? 150000,
    currentUser: 'me',
    views: new Map((parts.views ?? []).map((v) => [relationKey(v), v])),
    indexes,
    edges: parts.edges ?? [],
    inheritance: [],
    registryExists: (parts.registered ?? []).length > 0,
    autoRefreshTriggers: false,
    registry: new Map(
      (parts.registered ?? []).map((r): [string, RegistryRow] => [
        key(r.name),
        { schema: 'public', name: r.name, kind: r.kind ?? 'view', declaredHash: 'old', catalogHash: 'old' },
      ]),
    ),
  };
}

/** `state` with the registry rows of `definitions` matching them and the catalog: the "nothing changed" case. */
export function registeredClean(state: DatabaseState, definitions: readonly ViewDefinition[]): DatabaseState {
  const registry = new Map(state.registry);
  for (const d of definitions) {
    const view = state.views.get(relationKey(d))!;
    registry.set(relationKey(d), {
      schema: d.schema,
      name: d.name,
      kind: d.kind,
      declaredHash: declaredHash(d),
      catalogHash: catalogHash(state, view),
    });
  }
  return { ...state, registry, registryExists: true };
}
