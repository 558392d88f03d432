// The auto-refresh triggers kept current by syncViews, synchronizeSchema and generated migrations: off by
// default, installed on request, and once installed, following the declarations (a new auto-refreshed
// view's tables get the trigger, an undeclared one's tables lose it), with down() undoing it exactly.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Column, Entity, PrimaryGeneratedColumn, ViewColumn, type DataSource, type QueryRunner } from 'typeorm';
import {
  generateMigrationStatements,
  MaterializedView,
  removeAutoRefreshTriggers,
  synchronizeSchema,
  syncViews,
} from '../../src';
import { TRIGGER_NAME } from '../../src/ddl/auto-refresh';
import { useTestDatabase } from '../support/database';
import { generateAndLoad } from '../fixtures/migrations/load';

@Entity({ name: 'plants' })
class Plant {
  @PrimaryGeneratedColumn() id!: number;
  @Column() kind!: string;
}

@Entity({ name: 'waterings' })
class Watering {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ name: 'plant_id' }) plantId!: number;
}

@MaterializedView({
  name: 'plant_kinds',
  expression: 'SELECT kind, count(*)::int AS plants FROM plants GROUP BY kind',
  autoRefresh: true,
})
class PlantKinds {
  @ViewColumn() kind!: string;
  @ViewColumn() plants!: number;
}

@MaterializedView({
  name: 'watering_counts',
  expression: 'SELECT plant_id, count(*)::int AS waterings FROM waterings GROUP BY plant_id',
  autoRefresh: true,
})
class WateringCounts {
  @ViewColumn({ name: 'plant_id' }) plantId!: number;
  @ViewColumn() waterings!: number;
}

const db = useTestDatabase();
const tables = [Plant, Watering];

async function triggered(): Promise<string[]> {
  const rows = (await db.query(
    `SELECT c.relname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = $1 ORDER BY 1`,
    [TRIGGER_NAME],
  )) as { name: string }[];
  return rows.map((r) => r.name);
}

async function withSource<T>(entities: Function[], fn: (ds: DataSource) => Promise<T>): Promise<T> {
  const ds = await db.connect({ entities });
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}

/** Runs `fn` with a connected query runner of a DataSource over the tables only, as a migration would. */
async function withQueryRunner(fn: (qr: QueryRunner) => Promise<void>): Promise<void> {
  await withSource(tables, async (ds) => {
    const qr = ds.createQueryRunner();
    await qr.connect();
    try {
      await fn(qr);
    } finally {
      await qr.release();
    }
  });
}

beforeAll(async () => {
  await withSource(tables, (ds) => ds.synchronize());
});

describe('syncViews', () => {
  afterEach(async () => {
    await withSource(tables, async (ds) => {
      await syncViews(ds, { autoRefreshTriggers: false }); // drops the views
      await removeAutoRefreshTriggers(ds); // and the triggers with their function
    });
  });

  it('installs no trigger by default, and costs no query for it', async () => {
    const result = await withSource([...tables, PlantKinds], (ds) => syncViews(ds));
    expect(result.triggers).toEqual({ installed: [], removed: [] });
    expect(await triggered()).toEqual([]);
    const noop = await withSource([...tables, PlantKinds], (ds) => syncViews(ds));
    expect(noop.steps).toEqual([]);
    expect(noop.queries).toBe(2);
  });

  it('installs them on request, then follows the declarations without being asked', async () => {
    const first = await withSource([...tables, PlantKinds], (ds) => syncViews(ds, { autoRefreshTriggers: true }));
    expect(first.triggers).toEqual({ installed: [{ schema: 'public', name: 'plants' }], removed: [] });
    expect(await triggered()).toEqual(['plants']);

    const added = await withSource([...tables, PlantKinds, WateringCounts], (ds) => syncViews(ds));
    expect(added.triggers).toEqual({ installed: [{ schema: 'public', name: 'waterings' }], removed: [] });
    expect(await triggered()).toEqual(['plants', 'waterings']);

    const again = await withSource([...tables, PlantKinds, WateringCounts], (ds) => syncViews(ds));
    expect(again.triggers).toEqual({ installed: [], removed: [] });

    // Several DataSources sharing the database: one that does not declare watering_counts removes nothing.
    const partial = await withSource([...tables, PlantKinds], (ds) => syncViews(ds, { dropUndeclared: false }));
    expect(partial.triggers).toEqual({ installed: [], removed: [] });
    expect(await triggered()).toEqual(['plants', 'waterings']);

    const removed = await withSource([...tables, PlantKinds], (ds) => syncViews(ds));
    expect(removed.dropped).toEqual([{ schema: 'public', name: 'watering_counts' }]);
    expect(removed.triggers).toEqual({ installed: [], removed: [{ schema: 'public', name: 'waterings' }] });
    expect(await triggered()).toEqual(['plants']);
  });

  it('leaves them alone with autoRefreshTriggers: false', async () => {
    await withSource([...tables, PlantKinds], (ds) => syncViews(ds, { autoRefreshTriggers: true }));
    const result = await withSource([...tables, PlantKinds, WateringCounts], (ds) =>
      syncViews(ds, { autoRefreshTriggers: false }),
    );
    expect(result.triggers).toEqual({ installed: [], removed: [] });
    expect(await triggered()).toEqual(['plants']);
  });
});

describe('synchronizeSchema', () => {
  @Entity({ name: 'pots' })
  class Pot {
    @PrimaryGeneratedColumn() id!: number;
    @Column() size!: number;
  }
  @MaterializedView({
    name: 'pot_sizes',
    expression: 'SELECT size, count(*)::int AS pots FROM pots GROUP BY size',
    autoRefresh: true,
  })
  class PotSizes {
    @ViewColumn() size!: number;
    @ViewColumn() pots!: number;
  }

  it('a table created by TypeORM in the same run gets its trigger once triggers are in use', async () => {
    await withSource([...tables, PlantKinds], (ds) => syncViews(ds, { autoRefreshTriggers: true }));
    const result = await withSource([...tables, PlantKinds, Pot, PotSizes], (ds) => synchronizeSchema(ds));
    expect(result.tableStatements.some((s) => s.startsWith('CREATE TABLE "pots"'))).toBe(true);
    expect(result.views.triggers.installed).toEqual([{ schema: 'public', name: 'pots' }]);
    expect(await triggered()).toEqual(['plants', 'pots']);
    await withSource(tables, async (ds) => {
      const after = await syncViews(ds); // plant_kinds and pot_sizes undeclared: dropped, triggers follow
      expect(after.triggers.removed).toEqual([
        { schema: 'public', name: 'plants' },
        { schema: 'public', name: 'pots' },
      ]);
      await removeAutoRefreshTriggers(ds);
    });
    await db.query('DROP TABLE pots');
    expect(await triggered()).toEqual([]);
  });
});

describe('migrations', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'pgview-triggers-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keep the triggers current once installed, and down() takes them back exactly', async () => {
    expect(await withSource([...tables, PlantKinds], (ds) => generateMigrationStatements(ds))).toMatchObject({
      up: expect.not.arrayContaining([expect.objectContaining({ sql: expect.stringContaining('CREATE TRIGGER') })]),
    });
    const First = await generateAndLoad(db, dir, [...tables, PlantKinds], 'Plants', 1, { autoRefreshTriggers: true });
    await withQueryRunner((qr) => new First!().up(qr));
    expect(await triggered()).toEqual(['plants']);
    // Nothing left to do, triggers included.
    expect(await withSource([...tables, PlantKinds], (ds) => generateMigrationStatements(ds))).toBeUndefined();

    // A new auto-refreshed view: its table gets the trigger without being asked; down() removes it again.
    const statements = await withSource([...tables, PlantKinds, WateringCounts], (ds) =>
      generateMigrationStatements(ds),
    );
    expect(statements!.up.filter((s) => s.sql.startsWith('CREATE TRIGGER')).map((s) => s.comment)).toEqual([
      'auto-refresh triggers: installed on public.waterings',
    ]);
    expect(statements!.down[0]!.sql).toMatch(
      /^DROP TRIGGER IF EXISTS "typeorm_pgview_auto_refresh" ON "public"\."waterings"/,
    );
    const Second = await generateAndLoad(db, dir, [...tables, PlantKinds, WateringCounts], 'Waterings', 2);
    await withQueryRunner(async (qr) => {
      await new Second!().up(qr);
      expect(await triggered()).toEqual(['plants', 'waterings']);
      await new Second!().down(qr);
      expect(await triggered()).toEqual(['plants']);
      await new First!().down(qr);
    });
    expect(await triggered()).toEqual([]);
    expect(await db.query("SELECT to_regprocedure('public.typeorm_pgview_notify_change()') AS fn")).toEqual([
      { fn: null },
    ]);
  });
});
