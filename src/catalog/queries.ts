// Catalog SQL, one named constant per question, each join explained. Read by src/catalog/reader.ts.
// Every query covers all user schemas at once: the cost of reading the catalog does not grow in
// round trips with the number of views.

/** Schemas that never hold user views. */
const userSchemas = (alias: string) => `${alias}.nspname NOT IN ('pg_catalog', 'information_schema')
    AND ${alias}.nspname NOT LIKE 'pg\\_toast%' AND ${alias}.nspname NOT LIKE 'pg\\_temp\\_%'`;
const USER_SCHEMAS = userSchemas('n');

/** The name of the statement-level trigger the auto-refresh `triggers` source puts on every watched table. */
export const AUTO_REFRESH_TRIGGER_NAME = 'typeorm_pgview_auto_refresh';

/** Whether any table carries the auto-refresh trigger. */
const AUTO_REFRESH_TRIGGERS_EXIST = `EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '${AUTO_REFRESH_TRIGGER_NAME}' AND NOT tgisinternal)`;
export const AUTO_REFRESH_TRIGGERS_QUERY = `SELECT ${AUTO_REFRESH_TRIGGERS_EXIST} AS present`;

/**
 * What else a view (`c`) carries, for its restore after a drop: the columns with a comment, default
 * (pg_attrdef), column-level grants (attacl) or statistics target (attstattarget: -1, or NULL from
 * PostgreSQL 17 on, is the default); triggers and rules other than _RETURN, as PostgreSQL renders them;
 * security labels (objsubid 0 is the view itself, else a column); extended statistics objects (their
 * stxstattarget read through to_jsonb: PostgreSQL 12 has no such column); the
 * extension it belongs to (deptype 'e'); and `blockers`, the objects that depend on the view or its row
 * type other than its own parts and the views reading it (those are dropped and restored with it), which
 * would make DROP VIEW fail.
 */
const VIEW_EXTRAS = `coalesce((SELECT json_agg(json_build_object('name', a.attname, 'comment', d.description,
                                                   'default', pg_get_expr(ad.adbin, ad.adrelid),
                                                   'acl', a.attacl::text[],
                                                   'statistics', nullif(a.attstattarget::int, -1)) ORDER BY a.attnum)
                   FROM pg_attribute a
                   LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass
                                             AND d.objsubid = a.attnum           -- the column's comment
                   LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum  -- its default
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    AND (d.description IS NOT NULL OR ad.oid IS NOT NULL OR a.attacl IS NOT NULL
                         OR nullif(a.attstattarget::int, -1) IS NOT NULL)), '[]'::json) AS column_extras,
       coalesce((SELECT json_agg(json_build_object('name', t.tgname, 'definition', pg_get_triggerdef(t.oid),
                                                   'comment', d.description) ORDER BY t.tgname)
                   FROM pg_trigger t
                   LEFT JOIN pg_description d ON d.objoid = t.oid AND d.classoid = 'pg_trigger'::regclass
                  WHERE t.tgrelid = c.oid AND NOT t.tgisinternal), '[]'::json) AS triggers,
       coalesce((SELECT json_agg(json_build_object('name', r.rulename, 'definition', pg_get_ruledef(r.oid),
                                                   'comment', d.description) ORDER BY r.rulename)
                   FROM pg_rewrite r
                   LEFT JOIN pg_description d ON d.objoid = r.oid AND d.classoid = 'pg_rewrite'::regclass
                  WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN'), '[]'::json) AS rules,
       coalesce((SELECT json_agg(json_build_object('provider', l.provider, 'label', l.label, 'column', a.attname)
                                 ORDER BY l.provider, l.objsubid)
                   FROM pg_seclabel l
                   LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = l.objsubid  -- none for the view
                  WHERE l.objoid = c.oid AND l.classoid = 'pg_class'::regclass), '[]'::json) AS security_labels,
       coalesce((SELECT json_agg(json_build_object('schema', sn.nspname, 'name', s.stxname,
                                                   'definition', pg_get_statisticsobjdef(s.oid),
                                                   'target', nullif((to_jsonb(s) ->> 'stxstattarget')::int, -1),
                                                   'owner', pg_get_userbyid(s.stxowner),
                                                   'comment', d.description) ORDER BY sn.nspname, s.stxname)
                   FROM pg_statistic_ext s
                   JOIN pg_namespace sn ON sn.oid = s.stxnamespace              -- the object's own schema
                   LEFT JOIN pg_description d ON d.objoid = s.oid AND d.classoid = 'pg_statistic_ext'::regclass
                  WHERE s.stxrelid = c.oid), '[]'::json) AS statistics,
       (SELECT e.extname FROM pg_depend dep JOIN pg_extension e ON e.oid = dep.refobjid  -- the extension
         WHERE dep.classid = 'pg_class'::regclass AND dep.objid = c.oid AND dep.deptype = 'e' LIMIT 1) AS extension,
       coalesce((SELECT array_agg(DISTINCT pg_describe_object(dep.classid, dep.objid, dep.objsubid))
                   FROM pg_depend dep
                   LEFT JOIN pg_rewrite rw ON dep.classid = 'pg_rewrite'::regclass AND rw.oid = dep.objid
                   LEFT JOIN pg_class rc ON rc.oid = rw.ev_class                -- the relation owning such a rule
                  WHERE dep.deptype = 'n'
                    AND ((dep.refclassid = 'pg_class'::regclass AND dep.refobjid = c.oid)
                         OR (dep.refclassid = 'pg_type'::regclass AND dep.refobjid = c.reltype))
                    AND NOT (rc.relkind IS NOT NULL AND rc.relkind IN ('v', 'm'))), '{}') AS blockers`;

/**
 * Every view and materialized view: PostgreSQL's rendering of its query, options (reloptions holds
 * check_option, security_barrier, security_invoker and storage parameters), tablespace, comment, populated
 * state, owner, privileges and output columns with their types.
 */
export const VIEWS_QUERY = `
SELECT n.nspname AS schema,
       c.relname AS name,
       CASE c.relkind WHEN 'm' THEN 'materialized' ELSE 'view' END AS kind,
       pg_get_viewdef(c.oid) AS definition,
       c.relispopulated AS populated,
       coalesce(c.reloptions, '{}'::text[]) AS options,
       ts.spcname AS tablespace,                          -- NULL: the database default
       (SELECT amname FROM pg_am WHERE oid = c.relam) AS access_method,  -- NULL for views; heap, or another
       ds.description AS comment,
       pg_get_userbyid(c.relowner) AS owner,
       c.relacl::text[] AS acl,
       coalesce((SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                                                   'collation', a.attcollation::int) ORDER BY a.attnum)
                   FROM pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]'::json) AS columns,
       ${VIEW_EXTRAS}
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace          -- the view's schema
  LEFT JOIN pg_tablespace ts ON ts.oid = c.reltablespace -- reltablespace 0 = default: no row
  LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
                                                         -- the comment (obj_description would run a query per view)
 WHERE c.relkind IN ('v', 'm') AND ${USER_SCHEMAS}`;

/**
 * Every index on a materialized view. Key columns come from indkey (0 there means an expression); the
 * predicate of a partial index is rendered by pg_get_expr.
 */
export const MATVIEW_INDEXES_QUERY = `
SELECT n.nspname AS schema,
       t.relname AS view,
       i.relname AS name,
       ix.indisunique AS "unique",
       ix.indisvalid AS valid,
       am.amname AS method,
       pg_get_indexdef(ix.indexrelid) AS definition,
       pg_get_expr(ix.indpred, ix.indrelid) AS predicate,
       ts.spcname AS tablespace,                          -- NULL: the database default
       ds.description AS comment,
       ix.indisclustered AS clustered,
       0 = ANY (ix.indkey::int2[]) AS has_expressions,
       coalesce((SELECT array_agg(a.attname::text ORDER BY k.ord)
                   FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum), '{}') AS columns
  FROM pg_index ix
  JOIN pg_class i ON i.oid = ix.indexrelid               -- the index itself (its name)
  JOIN pg_class t ON t.oid = ix.indrelid                 -- the indexed relation
  JOIN pg_namespace n ON n.oid = t.relnamespace
  JOIN pg_am am ON am.oid = i.relam                      -- access method: btree, hash, gin, ...
  LEFT JOIN pg_tablespace ts ON ts.oid = i.reltablespace -- the index's own tablespace, if not the default
  LEFT JOIN pg_description ds ON ds.objoid = i.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
 WHERE t.relkind = 'm' AND ${USER_SCHEMAS}`;

/**
 * Every "view reads relation" edge. A view's query is stored as its _RETURN rule in pg_rewrite; the rule
 * has a normal (deptype 'n') pg_depend entry per relation and per column it reads. The entries are grouped
 * per (rule, relation) before the joins, which took about half of the planning time away (planning cost
 * more than running it); the column numbers (refobjsubid 0 is the whole relation) become names afterwards.
 * `ref_shape` fingerprints the referenced relation's columns so a `SELECT *` view is re-checked when a
 * table it reads gains a column. Sorted by view, then relation: orders built from the edges break ties
 * in edge order, so it must not depend on the plan.
 */
export const DEPENDENCIES_QUERY = `
SELECT vn.nspname AS view_schema,
       v.relname AS view_name,
       rn.nspname AS ref_schema,
       r.relname AS ref_name,
       r.relkind::text AS ref_kind,
       coalesce((SELECT array_agg(DISTINCT a.attname::text)
                   FROM pg_attribute a
                  WHERE a.attrelid = r.oid AND a.attnum = ANY (d.attnums)), '{}') AS ref_columns,
       (SELECT md5(string_agg(a.attname || ':' || a.atttypid || ':' || a.atttypmod, ',' ORDER BY a.attnum))
          FROM pg_attribute a WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped) AS ref_shape
  FROM (SELECT objid, refobjid, array_agg(refobjsubid) FILTER (WHERE refobjsubid > 0) AS attnums
          FROM pg_depend
         WHERE classid = 'pg_rewrite'::regclass AND refclassid = 'pg_class'::regclass AND deptype = 'n'
         GROUP BY objid, refobjid) d
  JOIN pg_rewrite rw ON rw.oid = d.objid                 -- the rule that holds the view's query
  JOIN pg_class v ON v.oid = rw.ev_class                 -- the view owning the rule
  JOIN pg_namespace vn ON vn.oid = v.relnamespace
  JOIN pg_class r ON r.oid = d.refobjid                  -- the relation the query reads
  JOIN pg_namespace rn ON rn.oid = r.relnamespace
 WHERE v.relkind IN ('v', 'm')
   AND ${userSchemas('vn')}      -- PostgreSQL's own views (and temporary ones) are not ours to order
   AND r.oid <> v.oid                                    -- a rule also depends on its own view
   AND r.relkind IN ('r', 'p', 'v', 'm', 'f')            -- tables, partitioned tables, views, matviews, foreign tables
 ORDER BY 1, 2, 3, 4`;

/**
 * Every (child, ancestor) pair of table inheritance and partitioning, at any depth: pg_inherits links a
 * child to each direct parent; the recursive walk follows it up.
 */
export const INHERITANCE_QUERY = `
WITH RECURSIVE up(child, ancestor) AS (
  SELECT inhrelid, inhparent FROM pg_inherits
  UNION
  SELECT up.child, i.inhparent FROM up JOIN pg_inherits i ON i.inhrelid = up.ancestor  -- one level further up
)
SELECT cn.nspname AS child_schema, c.relname AS child_name, an.nspname AS ancestor_schema, a.relname AS ancestor_name
  FROM up
  JOIN pg_class c ON c.oid = up.child                    -- the child (partition or inheriting table)
  JOIN pg_namespace cn ON cn.oid = c.relnamespace
  JOIN pg_class a ON a.oid = up.ancestor                 -- one of its ancestors
  JOIN pg_namespace an ON an.oid = a.relnamespace`;

/** A query's rows as one json array (an empty array for no rows), for use as a column of a bigger select. */
// The newline before the closing parenthesis ends a trailing -- comment of `sql`.
const jsonRows = (sql: string) => `(SELECT coalesce(json_agg(q), '[]'::json) FROM (${sql}\n) q)`;

/**
 * The whole catalog state in one statement, one row: the server version, who we are, whether our registry
 * table exists (to_regclass is NULL for a missing relation) and whether any table carries our auto-refresh
 * trigger (then sync keeps the set current); then VIEWS_QUERY,
 * MATVIEW_INDEXES_QUERY, DEPENDENCIES_QUERY and INHERITANCE_QUERY each as a json array of their rows, and,
 * when `registrySelect` is given (the registry table is known to exist: a missing table would fail the
 * statement), the registry's rows too. One round trip instead of one per question. $1: the registry's
 * qualified name.
 */
export const catalogStateQuery = (registrySelect?: string): string => `
SELECT current_setting('server_version_num')::int AS version_num,
       current_user AS current_user,
       to_regclass($1) IS NOT NULL AS registry_exists,
       ${AUTO_REFRESH_TRIGGERS_EXIST} AS auto_refresh_triggers,
       ${jsonRows(VIEWS_QUERY)} AS views,
       ${jsonRows(MATVIEW_INDEXES_QUERY)} AS indexes,
       ${jsonRows(DEPENDENCIES_QUERY)} AS edges,
       ${jsonRows(INHERITANCE_QUERY)} AS inheritance${
         registrySelect
           ? `,
       ${jsonRows(registrySelect)} AS registry`
           : ''
       }`;

/** The given relations that exist ($1 schemas, $2 names, pairwise), to check `dependsOn` names. */
export const EXISTING_RELATIONS_QUERY = `
SELECT n.nspname AS schema, c.relname AS name
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace          -- the relation's schema
 WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))`;

/**
 * What the probes left in the catalog, in one statement: the rendering and output columns (name, type) of
 * the temporary probe views ($1, regclass names), and the predicates of the partial indexes on probe
 * materialized views ($2), by index name.
 */
export const PROBE_STATE_QUERY = `
SELECT (SELECT coalesce(json_agg(q), '[]'::json)
          FROM (SELECT c.relname AS name,
                       pg_get_viewdef(c.oid) AS definition,
                       coalesce((SELECT json_agg(json_build_object('name', a.attname,
                                                                   'type', format_type(a.atttypid, a.atttypmod),
                                                                   'collation', a.attcollation::int) ORDER BY a.attnum)
                                   FROM pg_attribute a
                                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]'::json) AS columns
                  FROM pg_class c
                 WHERE c.oid = ANY ($1::regclass[])) q) AS views,
       (SELECT coalesce(json_agg(q), '[]'::json)
          FROM (SELECT i.relname AS name, pg_get_expr(ix.indpred, ix.indrelid) AS predicate
                  FROM pg_index ix
                  JOIN pg_class i ON i.oid = ix.indexrelid   -- the index, for its name
                 WHERE ix.indrelid = ANY ($2::regclass[])) q) AS predicates`;

/**
 * What a refresh needs to know about one relation: its kind, whether it is populated, and whether it has
 * a unique index REFRESH ... CONCURRENTLY can use (valid, on plain columns only - no 0 in indkey - and
 * covering all rows - no predicate).
 */
export const REFRESH_INFO_QUERY = `
SELECT c.relkind::text AS kind,
       c.relispopulated AS populated,
       EXISTS (SELECT 1 FROM pg_index ix
                WHERE ix.indrelid = c.oid AND ix.indisunique AND ix.indisvalid
                  AND ix.indpred IS NULL AND NOT (0 = ANY (ix.indkey::int2[]))) AS has_unique_index
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relname = $2`;

/**
 * Every relation in user schemas that views can read or that can be named in a dependency call: tables,
 * partitioned tables, views, materialized views, foreign tables. Used to resolve names (one query) and to
 * list views; `populated` is only meaningful for materialized views.
 */
export const RELATIONS_QUERY = `
SELECT n.nspname AS schema,
       c.relname AS name,
       c.relkind::text AS kind,
       c.relispopulated AS populated
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace          -- the relation's schema
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${USER_SCHEMAS}
 ORDER BY n.nspname, c.relname`;

/** PostgreSQL's rendering of one view's or materialized view's query, with its kind ($1 schema, $2 name). */
export const VIEW_DEFINITION_QUERY = `
SELECT c.relkind::text AS kind,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS definition
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relname = $2`;

/** The schema unqualified names resolve to: TypeORM leaves the table name unqualified in that schema. */
export const CURRENT_SCHEMA_QUERY = `SELECT current_schema() AS schema`;

/**
 * The transaction-scoped advisory lock every schema-changing call takes (syncViews, synchronizeSchema),
 * held until commit, so application instances starting together sync one after the other.
 */
export const SYNC_LOCK_QUERY = "SELECT pg_advisory_xact_lock(hashtext('typeorm-pgview'), hashtext('sync'))";

/**
 * SYNC_LOCK_QUERY, and whether the registry table ($1) exists, in the same round trip: syncViews then reads
 * the registry within its one catalog statement. A registry created while we waited for the lock may be
 * missed here; catalogStateQuery's own registry_exists has the last word.
 */
export const SYNC_LOCK_REGISTRY_QUERY = `SELECT pg_advisory_xact_lock(hashtext('typeorm-pgview'), hashtext('sync'))::text AS locked,
       to_regclass($1) IS NOT NULL AS registry_exists`;
