// Probes: the declared SQL of changed-looking views is created under throwaway names inside a savepoint
// that is always rolled back, so PostgreSQL renders it (pg_get_viewdef) the same way it renders the
// existing view. Comparing two renderings is immune to whitespace, case, and PostgreSQL version. A
// recursive view is probed in the long form of CREATE RECURSIVE VIEW (see probeViewSql), never under its
// own name in pg_temp, which would hide the real view from the other probes of the batch.
import { batchSql, rollbackToSql, savepointSql, undoSavepointSql } from '../ddl/transaction';
import type { Queryable } from '../catalog/reader';
import { PROBE_STATE_QUERY } from '../catalog/queries';
import { qualifiedName, quoteIdentifier, relationKey } from '../ddl/identifiers';
import { createViewStatements, probeViewSql } from '../ddl/statements';
import type { ViewDefinition } from '../metadata/definition';
import type { ProbeResult } from '../plan/compare';

const PROBE_PREFIX = 'typeorm_pgview_probe_';
const PROBE_BATCH_COMMENT = '/* typeorm-pgview probes, rolled back */';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface Probe {
  readonly view: ViewDefinition;
  readonly temp: string;
  /** The probe materialized view, when partial indexes need PostgreSQL's rendering of their predicates. */
  readonly matview?: string;
  /** Probe index name -> declared index name. */
  readonly indexNames: Map<string, string>;
  readonly statements: readonly string[];
}

function probeOf(view: ViewDefinition, i: number): Probe {
  const temp = `${PROBE_PREFIX}${i}`;
  const partial = view.kind === 'materialized' ? view.indexes.filter((x) => x.where) : [];
  const indexNames = new Map(partial.map((x, j) => [`${temp}_${j}`, x.name]));
  const statements = [probeViewSql(temp, view)];
  if (!partial.length) return { view, temp, indexNames, statements };
  const probe = {
    ...view,
    name: temp,
    comment: undefined,
    indexes: partial.map((x, j) => ({ ...x, name: `${temp}_${j}` })),
  };
  statements.push(...createViewStatements(probe, { withData: false }));
  return { view, temp, matview: qualifiedName({ schema: view.schema, name: temp }), indexNames, statements };
}

type Row = Record<string, unknown>;
const jsonArray = (v: unknown): Row[] => {
  const parsed: unknown = typeof v === 'string' ? JSON.parse(v) : v;
  return Array.isArray(parsed) ? (parsed as Row[]) : [];
};

const PROBE_SAVEPOINT = 'typeorm_pgview_probe';
const PROBES_SAVEPOINT = 'typeorm_pgview_probes';

/**
 * Creates each probe in a savepoint of its own, so one that fails does not take the others with it.
 * Returns the probes created; records the failures in `results`.
 */
async function createOneByOne(db: Queryable, probes: readonly Probe[], results: Map<string, ProbeResult>) {
  const created: Probe[] = [];
  for (const p of probes) {
    try {
      await db.query(batchSql(p.statements, PROBE_SAVEPOINT));
      created.push(p);
    } catch (error) {
      await db.query(undoSavepointSql(PROBE_SAVEPOINT));
      results.set(relationKey(p.view), { ok: false, error: message(error) });
    }
  }
  return created;
}

/**
 * Runs in the caller's transaction; leaves nothing behind. 4 round trips however many views when every
 * probe compiles (all are created in one query); when one does not, they are created again one at a time
 * (1 more round trip per view) to tell which.
 */
export async function runProbes(db: Queryable, views: readonly ViewDefinition[]): Promise<Map<string, ProbeResult>> {
  const results = new Map<string, ProbeResult>();
  if (views.length === 0) return results;
  const probes = views.map(probeOf);
  await db.query(savepointSql(PROBES_SAVEPOINT));
  try {
    let created: readonly Probe[] = probes;
    if (probes.length === 1) created = await createOneByOne(db, probes, results);
    else
      try {
        // The leading comment tells a reader of the query log that these statements are rolled back.
        await db.query(`${PROBE_BATCH_COMMENT}\n${batchSql(probes.flatMap((p) => p.statements))}`);
      } catch {
        await db.query(rollbackToSql(PROBES_SAVEPOINT));
        created = await createOneByOne(db, probes, results);
      }
    if (created.length) {
      const [state] = (await db.query(PROBE_STATE_QUERY, [
        created.map((c) => `pg_temp.${quoteIdentifier(c.temp)}`),
        created.flatMap((c) => (c.matview ? [c.matview] : [])),
      ])) as Row[];
      const rows = new Map(jsonArray(state?.views).map((r) => [String(r.name), r]));
      const predicates = new Map(
        jsonArray(state?.predicates).map((r) => [
          String(r.name),
          r.predicate === null ? undefined : String(r.predicate),
        ]),
      );
      for (const c of created) {
        const row = rows.get(c.temp);
        if (!row) {
          results.set(relationKey(c.view), { ok: false, error: 'probe view not found' });
          continue;
        }
        results.set(relationKey(c.view), {
          ok: true,
          definition: String(row.definition),
          columns: (row.columns as Row[]).map((x) => ({
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
    await db.query(undoSavepointSql(PROBES_SAVEPOINT));
  }
  return results;
}
