// Probes: the declared SQL of changed-looking views is created under throwaway names inside a savepoint
// that is always rolled back, so PostgreSQL renders it (pg_get_viewdef) the same way it renders the
// existing view. Comparing two renderings is immune to whitespace, case, and PostgreSQL version.
import type { Queryable } from '../catalog/reader';
import { PROBE_COLUMNS_QUERY, PROBE_INDEX_PREDICATES_QUERY } from '../catalog/queries';
import { qualifiedName, quoteIdentifier, relationKey } from '../ddl/identifiers';
import { createViewStatements, probeViewSql } from '../ddl/statements';
import type { ViewDefinition } from '../metadata/definition';
import type { ProbeResult } from '../plan/compare';

const PROBE_PREFIX = 'typeorm_pgview_probe_';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs in the caller's transaction; leaves nothing behind. 2 round trips per view plus 4. */
export async function runProbes(db: Queryable, views: readonly ViewDefinition[]): Promise<Map<string, ProbeResult>> {
  const results = new Map<string, ProbeResult>();
  if (views.length === 0) return results;
  await db.query('SAVEPOINT typeorm_pgview_probes');
  try {
    const created: { view: ViewDefinition; temp: string; matview?: string; indexNames: Map<string, string> }[] = [];
    for (const [i, view] of views.entries()) {
      const temp = `${PROBE_PREFIX}${i}`;
      const partial = view.kind === 'materialized' ? view.indexes.filter((x) => x.where) : [];
      const indexNames = new Map(partial.map((x, j) => [`${temp}_${j}`, x.name]));
      const statements = [probeViewSql(temp, view)];
      let matview: string | undefined;
      if (partial.length) {
        matview = qualifiedName({ schema: view.schema, name: temp });
        const probe = {
          ...view,
          name: temp,
          comment: undefined,
          indexes: partial.map((x, j) => ({ ...x, name: `${temp}_${j}` })),
        };
        statements.push(...createViewStatements(probe, { withData: false }));
      }
      try {
        await db.query(
          `SAVEPOINT typeorm_pgview_probe; ${statements.join('; ')}; RELEASE SAVEPOINT typeorm_pgview_probe`,
        );
        created.push({ view, temp, ...(matview ? { matview } : {}), indexNames });
      } catch (error) {
        await db.query('ROLLBACK TO SAVEPOINT typeorm_pgview_probe; RELEASE SAVEPOINT typeorm_pgview_probe');
        results.set(relationKey(view), { ok: false, error: message(error) });
      }
    }
    if (created.length) {
      const rows = (await db.query(PROBE_COLUMNS_QUERY, [
        created.map((c) => `pg_temp.${quoteIdentifier(c.temp)}`),
      ])) as Record<string, unknown>[];
      const matviews = created.filter((c) => c.matview).map((c) => c.matview!);
      const predicateRows = matviews.length
        ? ((await db.query(PROBE_INDEX_PREDICATES_QUERY, [matviews])) as Record<string, unknown>[])
        : [];
      const predicates = new Map(
        predicateRows.map((r) => [String(r.name), r.predicate === null ? undefined : String(r.predicate)]),
      );
      for (const c of created) {
        const row = rows.find((r) => r.name === c.temp);
        if (!row) {
          results.set(relationKey(c.view), { ok: false, error: 'probe view not found' });
          continue;
        }
        results.set(relationKey(c.view), {
          ok: true,
          definition: String(row.definition),
          columns: (row.columns as Record<string, unknown>[]).map((x) => ({
            name: String(x.name),
            type: String(x.type),
            collation: Number(x.collation),
          })),
          indexPredicates: new Map(
            [...c.indexNames].map(([probeName, realName]) => [realName, predicates.get(probeName)]),
          ),
        });
      }
    }
  } finally {
    await db.query('ROLLBACK TO SAVEPOINT typeorm_pgview_probes; RELEASE SAVEPOINT typeorm_pgview_probes');
  }
  return results;
}
