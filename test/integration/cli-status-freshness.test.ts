// typeorm-pgview status shows what the state table recorded: the last refresh (time, duration, method),
// its age, who ran it, and the last failure; --json carries getStatus's freshness.
import { hostname } from 'node:os';
import type { DataSource } from 'typeorm';
import { quickstartEntities } from '../../demo/entities';
import { refreshMaterializedView, syncViews, type ViewStatus } from '../../src';
import { demoDataSource, runCli } from '../support/cli';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();
const cli = (...args: string[]) => runCli([...args, '-d', demoDataSource], db.url);
let ds: DataSource;

beforeAll(async () => {
  ds = await db.connect({ entities: quickstartEntities, applicationName: 'status-test' });
  await ds.synchronize();
  await syncViews(ds);
});

describe('typeorm-pgview status: freshness', () => {
  it('shows the last refresh, its age, who ran it and the last failure', async () => {
    const before = await cli('status');
    expect(before.stdout).toMatch(/LAST REFRESH +AGE +FRESH +AUTO-REFRESH/);
    expect(before.stdout).not.toContain('Refreshes:');

    await refreshMaterializedView(ds, 'user_stats', { concurrently: true });
    await db.query(
      "UPDATE typeorm_pgview_refresh_state SET duration_ms = 42, started_at = now() - interval '90 seconds', last_error = 'boom', last_error_at = '2026-01-02 03:04:05Z'",
    );
    const status = await cli('status');
    expect(status.code).toBe(0);
    const line = status.stdout.split('\n').find((l) => l.includes('user_stats'))!;
    expect(line).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(42 ms, concurrent\) +1 min \d\d s +failing/);
    expect(status.stdout).toContain(
      `Refreshes:\n  - public.user_stats: last refreshed by ${hostname()}:${process.pid} (status-test); failed 2026-01-02 03:04:05Z: boom`,
    );

    const json = JSON.parse((await cli('status', '--json')).stdout) as { views: ViewStatus[] };
    const stats = json.views.find((v) => v.name === 'user_stats')!;
    expect(stats.lastRefresh).toMatchObject({ durationMs: 42, method: 'concurrent', applicationName: 'status-test' });
    expect(stats.freshness).toMatchObject({
      lastError: { message: 'boom', at: '2026-01-02T03:04:05.000Z' },
      maxStalenessMs: null,
      breached: false,
    });
    expect(stats.freshness!.ageMs).toBeGreaterThanOrEqual(90_000);
    expect(json.views.find((v) => v.name === 'active_users')!.freshness).toBeNull();
  });
});
