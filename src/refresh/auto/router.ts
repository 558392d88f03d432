// From committed table changes to stale views: the watch graph, loaded from the catalog and reloaded when
// older than the TTL (at once while a declared view is missing from it), and the changes that wait for a
// load. Each change is resolved against the graph and handed to the scheduler as (view, tables, commits).
import { displayName, relationKey, type QualifiedName } from '../../ddl/identifiers';
import type { ViewDefinition } from '../../metadata/definition';
import type { WatchGraph } from './graph';

export interface RouterHooks {
  /** Reads the catalog into a watch graph. */
  load(): Promise<WatchGraph>;
  /** The reload interval, read at each change. */
  ttlMs(): number;
  /** A view is stale for these `schema.table` names and commits. */
  mark(view: string, tables: readonly string[], commits: number): void;
  /** One change's marks are all made. */
  marked(): void;
  /** The catalog could not be read (the changes wait for the next load). */
  failed(error: unknown): void;
  /** Stopped: drop everything. */
  stopped(): boolean;
}

export class ChangeRouter {
  private current?: WatchGraph;
  /** Per table key of the current graph, its display name: the per-commit path does no string building. */
  private names = new Map<string, string>();
  /** Whether every declared view has tables in the current graph (computed once per load, not per change). */
  private complete = false;
  private loadedAt = -Infinity;
  private loading?: Promise<void>;
  private buffered: { tables: QualifiedName[]; commits: number }[] = [];

  constructor(
    private readonly definitions: readonly ViewDefinition[],
    private readonly hooks: RouterHooks,
  ) {}

  get graph(): WatchGraph | undefined {
    return this.current;
  }

  /** Changes are waiting for a catalog read. */
  get pending(): boolean {
    return this.loading !== undefined || this.buffered.length > 0;
  }

  /** Tables whose changes are committed: resolved now, or after a (re)load of the graph. */
  changed(tables: readonly QualifiedName[], commits: number): void {
    this.buffered.push({ tables: [...tables], commits });
    // A declared view missing from the catalog (not created yet) makes the graph stale at once.
    const ttl = this.complete ? this.hooks.ttlMs() : 0;
    if (performance.now() - this.loadedAt <= ttl) this.resolve();
    else void this.ensure();
  }

  /** Reads the graph now, whatever its age. */
  reload(): Promise<void> {
    this.loadedAt = -Infinity;
    return this.ensure();
  }

  /** Loads the graph unless a load is running, then resolves the waiting changes. */
  ensure(): Promise<void> {
    return (this.loading ??= (async () => {
      try {
        const graph = await this.hooks.load();
        this.current = graph;
        this.names = new Map();
        for (const tables of graph.tablesByView.values())
          for (const t of tables) this.names.set(relationKey(t), displayName(t));
        this.complete = this.definitions.every((d) => (graph.tablesByView.get(relationKey(d))?.length ?? 0) > 0);
        this.loadedAt = performance.now();
      } catch (error) {
        this.hooks.failed(error);
      } finally {
        this.loading = undefined;
      }
      this.resolve();
    })());
  }

  /** Every table some auto-refreshed view watches. */
  watchedTables(): QualifiedName[] {
    const tables = new Map<string, QualifiedName>();
    for (const list of this.current?.tablesByView.values() ?? []) for (const t of list) tables.set(relationKey(t), t);
    return [...tables.values()];
  }

  clear(): void {
    this.buffered = [];
  }

  private resolve(): void {
    const graph = this.current;
    if (!graph || this.hooks.stopped()) return;
    const changes = this.buffered;
    this.buffered = [];
    // Work per change is what the change touched: its tables and the views they map to, never every view.
    for (const { tables, commits } of changes) {
      const perView = new Map<string, string[]>();
      for (const table of tables) {
        const key = relationKey(table);
        const views = graph.viewsByTable.get(key);
        if (!views) continue;
        const name = this.names.get(key) ?? displayName(table);
        for (const view of views) {
          const names = perView.get(view);
          if (names) names.push(name);
          else perView.set(view, [name]);
        }
      }
      for (const [view, names] of perView) this.hooks.mark(view, names, commits);
      if (perView.size > 0) this.hooks.marked();
    }
  }
}
