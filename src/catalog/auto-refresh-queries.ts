// Catalog SQL of auto-refresh, one named constant per question, each join explained. Read by
// src/refresh/auto/triggers.ts (which tables carry or can carry the notify trigger) and
// src/refresh/auto/coordinator.ts and src/refresh/refresh.ts (whether the state table and its sequence are current,
// and writable). The tables a view watches come from
// the dependency queries in src/refresh/auto/graph.ts.

/** Tables (and partitioned tables) carrying the trigger named `$1`: one row per table, `schema`, `name`. */
export const INSTALLED_TRIGGERS_QUERY = `
SELECT n.nspname AS schema, c.relname AS name
  FROM pg_trigger t
  JOIN pg_class c ON c.oid = t.tgrelid                   -- the table the trigger is on
  JOIN pg_namespace n ON n.oid = c.relnamespace          -- and its schema
 WHERE t.tgname = $1 AND NOT t.tgisinternal`;

/**
 * Which of the relations given as parallel arrays (`$1` schemas, `$2` names) exist as ordinary or
 * partitioned tables: only those can take a statement trigger that sees every write.
 */
export const TRIGGERABLE_TABLES_QUERY = `
SELECT n.nspname AS schema, c.relname AS name
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace          -- the relation's schema, to match on (schema, name)
 WHERE c.relkind IN ('r', 'p') AND (n.nspname::text, c.relname::text) IN (SELECT * FROM unnest($1::text[], $2::text[]))`;

/** Whether the function with the signature `$1` (e.g. `"public"."f"()`) exists: one row, `present`. */
export const FUNCTION_EXISTS_QUERY = 'SELECT to_regprocedure($1) IS NOT NULL AS present';

/**
 * Whether the state table `$1` exists in this version's layout (its newest column, `last_error_at`, and a
 * nullable `started_at`), and the sequence `$2` exists (quoted qualified names): one row, `present`. False
 * on a table an older version created (it gets upgraded).
 */
export const STATE_TABLE_CURRENT_QUERY = `
SELECT to_regclass($2) IS NOT NULL
       AND EXISTS (SELECT 1 FROM pg_attribute a            -- the table's columns: the newest one is there
                    WHERE a.attrelid = to_regclass($1) AND a.attname = 'last_error_at' AND NOT a.attisdropped)
       AND NOT EXISTS (SELECT 1 FROM pg_attribute a        -- and started_at no longer NOT NULL
                        WHERE a.attrelid = to_regclass($1) AND a.attname = 'started_at' AND a.attnotnull)
       AS present`;

/**
 * What a refresh may do with the state table `$1` and its sequence `$2` (quoted qualified names): one row,
 * `current` (as STATE_TABLE_CURRENT_QUERY's `present`) and `writable` (this role may insert and update
 * rows and take sequence values). A refresh records only when both hold.
 */
export const STATE_TABLE_ACCESS_QUERY = `
SELECT c.present AS current,
       c.present AND has_table_privilege(to_regclass($1), 'INSERT') AND has_table_privilege(to_regclass($1), 'UPDATE')
                 AND has_sequence_privilege(to_regclass($2), 'USAGE') AS writable
  FROM (${STATE_TABLE_CURRENT_QUERY}) c                 -- the layout check above, as one row`;

/** A row of `INSTALLED_TRIGGERS_QUERY` or `TRIGGERABLE_TABLES_QUERY`. */
export interface TableRow {
  schema: string;
  name: string;
}

/** The row of `STATE_TABLE_ACCESS_QUERY`. */
export interface AccessRow {
  current: boolean;
  writable: boolean;
}

/** The row of `FUNCTION_EXISTS_QUERY` or `STATE_TABLE_CURRENT_QUERY`. */
export interface PresentRow {
  present: boolean;
}
