// The options users write on @PgView and @MaterializedView (raw: optional fields). The resolved,
// validated form is `ViewDefinition` in src/metadata/definition.ts.
import type { DataSource, EntitySchema, EntityTarget, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { SqlFile } from '../metadata/sql-file';

/**
 * A view's query: SQL text, a `.sql` file (`sqlFile()`), or a function given the DataSource that returns
 * SQL text or a TypeORM `SelectQueryBuilder` (its `getQuery()` text is used; builders with parameters are
 * refused, since a view cannot take parameters: inline the values).
 *
 * @example expression: 'SELECT id, name FROM users WHERE is_active'
 * @example expression: sqlFile('./sql/active_users.sql', __dirname)
 * @example expression: (ds) => ds.createQueryBuilder().select('u.id', 'id').from(User, 'u')
 */
export type ViewExpression =
  string | SqlFile | ((dataSource: DataSource) => string | SelectQueryBuilder<ObjectLiteral>);

/**
 * Another view (or table) this one reads: a decorated class, an `EntitySchema` (e.g. from `definePgView`),
 * or a name `'name'` / `'schema.name'` (unquoted parts fold to lower case as in SQL; write
 * `'"Mixed Case".name'` to keep case).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type, @typescript-eslint/no-explicit-any
export type ViewReference = Function | EntitySchema<any> | string;

interface CommonViewOptions {
  /** The view's name. Default: the DataSource naming strategy's table name for the class. */
  name?: string;
  /** The schema. Default: the DataSource's `schema` option, else `public`. */
  schema?: string;
  /** The query (required). */
  expression: ViewExpression;
  /**
   * Views this one reads, so they are created first. Optional: views that already exist are ordered
   * from PostgreSQL's catalog, and new ones from the names their SQL mentions; declare it when a view is
   * reached only indirectly (through a function, for example).
   */
  dependsOn?: readonly ViewReference[];
  /**
   * The view's key: database names of `@ViewColumn`s whose values identify a row. They become TypeORM's
   * primary columns (so `count`, `getManyAndCount`, `skip`/`take` with joins and relations to the view
   * work), and on a materialized view a unique index over them is added (unless an index with
   * `unique: true`, no `where`, over the same columns is declared), which `REFRESH ... CONCURRENTLY` needs.
   * PostgreSQL does not enforce it on a plain view: the query must give unique values. Default: no key.
   *
   * @example primaryKey: ['user_id']
   */
  primaryKey?: readonly [string, ...string[]];
  /** Explicit output column names, `CREATE VIEW v (a, b) AS ...`. Default: the query's own names. */
  columns?: readonly string[];
  /** `COMMENT ON ... IS`; kept in sync. Default: no comment. */
  comment?: string;
  /**
   * `false`: declared (queryable, usable in `dependsOn`, refreshable) but never created, changed or dropped
   * by `syncViews` or generated migrations. Default: `true`.
   */
  synchronize?: boolean;
}

/** Options of a plain view (`@PgView`). A recursive view must name its columns. */
export type PgViewOptions = PlainViewOptions &
  (
    | {
        /** `CREATE RECURSIVE VIEW`: the query refers to the view itself; needs `columns`. Default: `false`. */
        recursive: true;
        /** The view's column names, which a recursive view must give. */
        columns: readonly [string, ...string[]];
      }
    | {
        /** Not recursive (the default). */
        recursive?: false;
      }
  );

/** The options of a plain view other than `recursive` and `columns` (see PgViewOptions). */
export interface PlainViewOptions extends CommonViewOptions {
  /** `WITH LOCAL | CASCADED CHECK OPTION` for auto-updatable views. Default: none. */
  checkOption?: 'local' | 'cascaded';
  /** `security_barrier` view option (row-level security helper views). Default: `false`. */
  securityBarrier?: boolean;
  /** `security_invoker` view option: run with the caller's privileges. PostgreSQL 15+. Default: `false`. */
  securityInvoker?: boolean;
  /** Materialized-only; not allowed on a plain view. */
  withData?: never;
  /** Materialized-only; not allowed on a plain view. */
  indexes?: never;
  /** Materialized-only; not allowed on a plain view. */
  tablespace?: never;
  /** Materialized-only; not allowed on a plain view. */
  storageParameters?: never;
  /** Materialized-only; not allowed on a plain view. */
  autoRefresh?: never;
  /** Materialized-only; not allowed on a plain view. */
  rebuild?: never;
  /** Materialized-only; not allowed on a plain view. */
  refreshEvery?: never;
  /** Materialized-only; not allowed on a plain view. */
  maxStalenessMs?: never;
  /** Materialized-only; not allowed on a plain view. */
  lockTimeoutMs?: never;
  /** Materialized-only; not allowed on a plain view. */
  statementTimeoutMs?: never;
  /** Materialized-only; not allowed on a plain view. */
  analyze?: never;
}

/** An index on a materialized view. */
export interface MaterializedViewIndexOptions {
  /** The view's columns the index covers, in order (at least one). */
  columns: readonly [string, ...string[]];
  /**
   * `UNIQUE`. A unique index over plain columns with no `where` is what `REFRESH ... CONCURRENTLY`
   * requires. Default: `false`.
   */
  unique?: boolean;
  /** A partial index's predicate (SQL), e.g. `'total_spent > 0'`. Default: none. */
  where?: string;
  /** The access method. Default: `btree`. */
  using?: 'btree' | 'hash' | 'gist' | 'spgist' | 'gin' | 'brin';
  /** The index name. Default: `<view>_<columns>_idx` (`_key` when unique), shortened to 63 bytes. */
  name?: string;
}

/** Refresh behaviour of `autoRefresh` (used by the auto-refresh subscriber and triggers). */
export interface AutoRefreshOptions {
  /** Tables or views whose changes trigger a refresh. Default: every table the view reads, from the catalog. */
  on?: readonly (ViewReference | EntityTarget<ObjectLiteral>)[];
  /** `true`, `false` or `'auto'` (concurrent when a usable unique index exists). Default: `'auto'`. */
  concurrently?: boolean | 'auto';
  /** Wait this long after the last change before refreshing, to coalesce bursts. Default: 50 ms. */
  debounceMs?: number;
  /** Refresh at the latest this long after the first pending change, however busy. Default: 1000 ms. */
  maxWaitMs?: number;
}

/** How a changed materialized view is rebuilt: built beside the old one and swapped, or dropped and re-created. */
export type RebuildStrategy = 'side-by-side' | 'in-place';

/** Options of a materialized view (`@MaterializedView`). */
export interface MaterializedViewOptions extends CommonViewOptions {
  /**
   * Populate on creation (`WITH DATA`). `false`: created `WITH NO DATA`, unpopulated until refreshed, and a
   * rebuild leaves it unpopulated. Default: `true`.
   */
  withData?: boolean;
  /** Indexes, created with the view and kept in sync (a rebuild re-creates them). Default: none. */
  indexes?: readonly MaterializedViewIndexOptions[];
  /** `TABLESPACE`. Default: the database default. */
  tablespace?: string;
  /** Storage parameters, `WITH (fillfactor = 70, autovacuum_enabled = false)`. Default: none. */
  storageParameters?: Readonly<Record<string, string | number | boolean>>;
  /** Refresh automatically after commits that change what it reads. Default: off. See docs/auto-refresh.md. */
  autoRefresh?: boolean | AutoRefreshOptions;
  /**
   * How a change of its definition rebuilds it. `'side-by-side'`: the new definition is built and indexed
   * under a temporary name while readers keep using the old one, then swapped in one short transaction
   * (see docs/production.md for the locks). `'in-place'`: dropped and re-created in one transaction, which
   * blocks its readers for the whole build. Default: the `rebuild` option of `syncViews` or the migration
   * generator, else `'in-place'`.
   */
  rebuild?: RebuildStrategy;
  /**
   * Refresh on a schedule as well, for data no trigger sees (`now()`, foreign tables, other databases):
   * a duration such as `'30s'`, `'5m'`, `'1h'`, `'1d'`, or milliseconds (at least 1000). Run by
   * auto-refresh (`enableAutoRefresh`, the NestJS module), once per interval across all processes; any
   * other refresh (manual or change-triggered) counts as that interval's. Default: no schedule.
   */
  refreshEvery?: string | number;
  /**
   * The longest its data may lag behind: while auto-refresh runs it refreshes within this bound of a
   * change (it caps `autoRefresh.maxWaitMs` and `refreshEvery`), and `getFreshness` reports a breach when
   * the last refresh started longer ago than this while changes are (or may be) pending. Milliseconds.
   * Default: no bound.
   */
  maxStalenessMs?: number;
  /**
   * `lock_timeout` of its refreshes (`SET LOCAL`, milliseconds): a refresh that cannot take its lock in
   * time fails (and auto-refresh retries it with backoff) instead of queueing readers behind it. A
   * `refreshMaterializedView` option of the same name overrides it. Default: the server's setting.
   */
  lockTimeoutMs?: number;
  /** `statement_timeout` of its refreshes (`SET LOCAL`, milliseconds), like `lockTimeoutMs`. Default: the server's setting. */
  statementTimeoutMs?: number;
  /** `ANALYZE` the view after each refresh, so the planner's statistics follow its data. Default: `false`. */
  analyze?: boolean;
  /** Plain-view only; not allowed on a materialized view. */
  recursive?: never;
  /** Plain-view only; not allowed on a materialized view. */
  checkOption?: never;
  /** Plain-view only; not allowed on a materialized view. */
  securityBarrier?: never;
  /** Plain-view only; not allowed on a materialized view. */
  securityInvoker?: never;
}
