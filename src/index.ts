// The public surface of typeorm-pgview: named exports only; anything not listed here is internal.
export { PgView, MaterializedView } from './decorators/view';
export type {
  PgViewOptions,
  PlainViewOptions,
  MaterializedViewOptions,
  MaterializedViewIndexOptions,
  AutoRefreshOptions,
  RebuildStrategy,
  ViewExpression,
  ViewReference,
} from './decorators/options';
export { definePgView, defineMaterializedView } from './schema/define';
export type { PgViewSchemaOptions, MaterializedViewSchemaOptions, SchemaViewOptions } from './schema/define';
export { sqlFile } from './metadata/sql-file';
export type { SqlFile } from './metadata/sql-file';
export type {
  ViewDefinition,
  ViewDefinitionInput,
  IndexDefinition,
  ViewKind,
  AutoRefreshDefinition,
} from './metadata/definition';
export { collectViews } from './metadata/collect';
export type { Target } from './db/target';
export type { QualifiedName } from './ddl/identifiers';
export { quoteIdentifier, qualifiedName } from './ddl/identifiers';
export { syncViews } from './sync/sync-views';
export type { SyncOptions, SyncResult } from './sync/sync-views';
export type { PlanStep, StepAction } from './plan/plan';
export { refreshMaterializedView, refreshMaterializedViews, refreshAllMaterializedViews } from './refresh/refresh';
export type { RefreshOptions, RefreshProgress, RefreshResult, ViewTarget } from './refresh/refresh';
export {
  createView,
  dropView,
  replaceView,
  createMaterializedView,
  dropMaterializedView,
  createMaterializedViewIndex,
  dropMaterializedViewIndex,
} from './migrations/operations';
export type { ViewSpec, ViewRef } from './migrations/resolve';
export { generateMigration, generateMigrationStatements } from './migrations/generate';
export type { GenerateOptions } from './migrations/generate';
export type { GeneratedMigration, GeneratedStatements } from './migrations/generate';
export type { MigrationStatement } from './migrations/writer';
export {
  PgViewError,
  isPgViewError,
  ViewDeclarationError,
  ViewDependencyCycleError,
  ViewNotFoundError,
  RefreshError,
  RefreshTimeoutError,
  SyncError,
  PlanError,
  type CycleOrigin,
  UnsupportedServerError,
} from './errors';
export { getAllViews, getViewDefinition } from './catalog/views-api';
export type { ViewInfo, GetAllViewsOptions } from './catalog/views-api';
export { getViewDependencies, getDependentViews, getDependencyOrder } from './catalog/dependencies';
export type { ViewDependency, DependentView, DependencyOptions, RelationRef } from './catalog/dependencies';
export { getDependencyDiagram, getDependencyGraph, renderMermaid, renderDot } from './catalog/mermaid';
export type { DependencyGraph, DependencyGraphOptions, GraphNode, GraphEdge } from './catalog/mermaid';
export type { RelationKind } from './catalog/reader';
export { getStatus } from './status/status';
export type {
  ViewStatus,
  ViewStatusIndex,
  WatchedTable,
  StatusOptions,
  LastRefresh,
  RefreshFailure,
} from './status/status';
export { getFreshness } from './freshness/freshness';
export type { Freshness, ViewFreshness } from './freshness/freshness';
export { checkDrift } from './status/drift';
export type { DriftItem, DriftKind, DriftOptions } from './status/drift';
export { synchronizeSchema } from './sync/schema';
export type { SchemaSyncOptions, SchemaSyncResult, RebuiltView } from './sync/schema';
export { AutoRefreshSubscriber } from './refresh/auto/subscriber';
export { enableAutoRefresh } from './refresh/auto/enable';
export { AutoRefreshError } from './refresh/auto/events';
export type { AutoRefresh } from './refresh/auto/engine';
export type {
  AutoRefreshSource,
  AutoRefreshSourceName,
  EnableAutoRefreshOptions,
  ResolvedAutoRefreshOptions,
} from './refresh/auto/options';
export type {
  AutoRefreshEvent,
  AutoRefreshEvents,
  AutoRefreshListener,
  AutoRefreshSourceEvent,
  AutoRefreshStopEvent,
  AutoRefreshWarning,
} from './refresh/auto/events';
export type { RefreshLoad } from './refresh/auto/load';
export { installAutoRefreshTriggers, removeAutoRefreshTriggers } from './refresh/auto/triggers';
export type { TriggerOptions, TriggerChanges } from './refresh/auto/triggers';
