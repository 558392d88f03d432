// Round trips of syncViews and of the catalog read, on real PostgreSQL: fixed, whatever the number of views;
// and the inheritance pairs the one catalog statement returns.
import type { DataSource, QueryRunner } from 'typeorm';
import { PgView, syncViews } from '../../src';
import { readDatabaseState, type Queryable } from '../../src/catalog/reader';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

/**
 * `count` declared views in a chain, each reading the one before (the first reads the table); `edit` may
 * rewrite the expression of view `i`.
 */
function chain(prefix: string, count: number, edit?: (sql: string, i: number) => string): Function[] {
  return Array.from({ length: count }, (_, i) => {
    const from = i === 0 ? 'rt_items' : `${prefix}_${i - 1}`;
    const sql = `SELECT id, x FROM ${from} WHERE x >= ${i}`;
    const cls = class {};
    PgView({ name: `${prefix}_${i}`, expression: edit ? edit(sql, i) : sql })(cls);
    return cls;
  });
}

async function withRunner<T>(ds: DataSource, fn: (qr: QueryRunner & Queryable) => Promise<T>): Promise<T> {
  const qr = ds.createQueryRunner();
  try {
    return await fn(qr);
  } finally {
    await qr.release();
  }
}

beforeAll(async () => {
  await db.query('CREATE TABLE rt_items (id int PRIMARY KEY, x int NOT NULL)');
});
// Each test starts with no managed view: a sync of no declaration drops what the last one created.
afterEach(async () => {
  await syncViews(await db.connect({ entities: [] }));
});

describe('syncViews round trips', () => {
  it.each([3, 30])('takes the same number of queries for %i views: 5 to create, 2 for a no-op', async (count) => {
    const ds = await db.connect({ entities: chain(`rt${count}`, count) });
    const first = await syncViews(ds);
    expect(first.steps).toHaveLength(count);
    // lock + catalog, the plan's statements, the catalog again, the registry
    expect(first.queries).toBe(5);
    const noop = await syncViews(ds);
    expect(noop.steps).toEqual([]);
    expect(noop.queries).toBe(2); // lock (and whether the registry exists) + one catalog statement
  });

  it.each([3, 30])('probes %i reformatted views in 4 queries, and changes nothing', async (count) => {
    await syncViews(await db.connect({ entities: chain(`rtp${count}`, count) }));
    const reformatted = chain(`rtp${count}`, count, (sql) => `  ${sql.toLowerCase().replace(/ /g, '\n   ')}  `);
    const result = await syncViews(await db.connect({ entities: reformatted }));
    expect(result.steps).toEqual([]);
    // lock + catalog, probes (savepoint, all created in one query, their catalog rows, rollback), the registry
    expect(result.queries).toBe(2 + 4 + 1);
  });

  it('tells which probe failed when one of several does not compile', async () => {
    await syncViews(await db.connect({ entities: chain('rtf', 3) }));
    const edited = chain('rtf', 3, (sql, i) =>
      i === 1 ? sql.replace('SELECT id, x', 'SELECT id, x, no_such_column') : sql.toLowerCase(),
    );
    await expect(syncViews(await db.connect({ entities: edited }))).rejects.toThrow(
      /^syncViews failed at step \d \(\w+ class cls \(view public\.rtf_1\); .*its query could not be compared with the existing one \(column "no_such_column" does not exist\)\)/,
    );
  });
});

describe('syncViews with the plan in one query', () => {
  const declare = (name: string, expression: string) => {
    const cls = class {};
    PgView({ name, expression })(cls);
    return cls;
  };
  const exists = async (name: string) =>
    (await db.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [name]))[0]!.found;

  it('names the step with a syntax error (the batch does not parse), and changes nothing', async () => {
    const ds = await db.connect({
      entities: [
        declare('rt_ok_a', 'SELECT id FROM rt_items'),
        // An open parenthesis is refused before anything runs (declared-sql tests); this one only PostgreSQL sees.
        declare('rt_syntax', 'SELECT id FROM rt_items WHERE x >'),
        declare('rt_ok_b', 'SELECT x FROM rt_items'),
      ],
    });
    await expect(syncViews(ds)).rejects.toThrow(
      /^syncViews failed at step 2 \(create class cls \(view public\.rt_syntax\); .*syntax error.*Nothing was changed/,
    );
    expect(await exists('rt_ok_a')).toBe(false);
  });

  it('names the step that fails at run time, and changes nothing', async () => {
    const ds = await db.connect({
      entities: [
        declare('rt_ok_c', 'SELECT id FROM rt_items'),
        declare('rt_missing', 'SELECT id FROM rt_no_such_table'),
      ],
    });
    await expect(syncViews(ds)).rejects.toThrow(
      /^syncViews failed at step \d \(create class cls \(view public\.rt_missing\); .*rt_no_such_table.*Nothing was changed/,
    );
    expect(await exists('rt_ok_c')).toBe(false);
  });
});

describe('readDatabaseState', () => {
  beforeAll(async () => {
    await db.query(`
      CREATE TABLE rt_parent (id int);
      CREATE TABLE rt_child () INHERITS (rt_parent);
      CREATE TABLE rt_orders (id int, region text, day int) PARTITION BY LIST (region);
      CREATE TABLE rt_orders_eu PARTITION OF rt_orders FOR VALUES IN ('eu') PARTITION BY RANGE (day);
      CREATE TABLE rt_orders_eu_1 PARTITION OF rt_orders_eu FOR VALUES FROM (0) TO (100);`);
  });

  it('reads every (child, ancestor) pair at any depth, in one query', async () => {
    const ds = await db.connect();
    const counted = { count: 0 };
    const state = await withRunner(ds, (qr) =>
      readDatabaseState(
        {
          query: (sql, parameters) => {
            counted.count++;
            return qr.query(sql, parameters);
          },
        },
        { schema: 'public', name: 'no_registry_here' },
      ),
    );
    expect(counted.count).toBe(1);
    const pairs = state.inheritance.map((p) => `${p.child.name} < ${p.ancestor.name}`).sort();
    expect(pairs).toEqual([
      'rt_child < rt_parent',
      'rt_orders_eu < rt_orders',
      'rt_orders_eu_1 < rt_orders',
      'rt_orders_eu_1 < rt_orders_eu',
    ]);
    expect(state.inheritance.every((p) => p.child.schema === 'public' && p.ancestor.schema === 'public')).toBe(true);
  });

  it('returns the dependency edges sorted by view, then relation, whatever the plan', async () => {
    const ds = await db.connect({ entities: chain('rte', 3).reverse() });
    await syncViews(ds);
    const state = await withRunner(ds, (qr) =>
      readDatabaseState(qr, { schema: 'public', name: 'typeorm_pgview_views' }),
    );
    const edges = state.edges.map((e) => `${e.view.name} -> ${e.ref.name}`);
    expect(edges).toEqual(['rte_0 -> rt_items', 'rte_1 -> rte_0', 'rte_2 -> rte_1']);
  });

  it('reads the registry in the same statement when told it exists, and in a second query otherwise', async () => {
    const ds = await db.connect({ entities: chain('rtreg', 2) });
    await syncViews(ds);
    const registry = { schema: 'public', name: 'typeorm_pgview_views' };
    const read = (registryExists?: boolean) =>
      withRunner(ds, async (qr) => {
        let count = 0;
        const state = await readDatabaseState(
          {
            query: (sql, parameters) => {
              count++;
              return qr.query(sql, parameters);
            },
          },
          registry,
          registryExists === undefined ? {} : { registryExists },
        );
        return { count, names: [...state.registry.values()].map((r) => r.name).sort(), exists: state.registryExists };
      });
    expect(await read(true)).toEqual({ count: 1, names: ['rtreg_0', 'rtreg_1'], exists: true });
    expect(await read()).toEqual({ count: 2, names: ['rtreg_0', 'rtreg_1'], exists: true });
    // A wrong "does not exist" hint costs a query, not the registry's rows.
    expect(await read(false)).toEqual({ count: 2, names: ['rtreg_0', 'rtreg_1'], exists: true });
  });
});
