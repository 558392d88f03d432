// status: getStatus as a table (or --json, exactly getStatus with a version), drift reasons below it.
import { getStatus, type ViewStatus } from '../status/status';
import type { StatusArgs } from './args';
import { withDataSource } from './data-source';
import type { CommandIo } from './io';
import { formatBytes, formatDuration, table, type Colours } from './output';

/** The version of the JSON shape; raised only if a field changes meaning or goes away. */
export const STATUS_JSON_VERSION = 1;

function stateCell(v: ViewStatus, c: Colours): string {
  if (v.state === 'in-sync') return c.green('in sync');
  if (v.state === 'drifted') return c.red(v.exists ? 'drifted' : 'missing');
  return c.dim('unmanaged');
}

function refreshCell(v: ViewStatus): string {
  if (!v.lastRefresh) return '-';
  const at = v.lastRefresh.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return v.lastRefresh.durationMs === null ? at : `${at} (${formatDuration(v.lastRefresh.durationMs)})`;
}

function autoRefreshCell(v: ViewStatus): string {
  if (!v.autoRefresh) return '-';
  const tables = v.autoRefresh.watches.map((t) => `${t.schema}.${t.name}${t.trigger ? '*' : ''}`);
  return tables.length ? tables.join(', ') : 'yes';
}

/** The table people read. */
export function statusTable(views: readonly ViewStatus[], c: Colours): string {
  if (views.length === 0) return 'No views or materialized views.';
  const rows = views.map((v) => [
    v.schema,
    v.name,
    v.kind === 'materialized' ? 'matview' : 'view',
    v.managed ? 'yes' : 'no',
    stateCell(v, c),
    v.populated === null ? '-' : v.populated ? 'yes' : c.yellow('no'),
    v.rowEstimate === null ? '-' : String(Math.round(v.rowEstimate)),
    v.sizeBytes === null || v.kind === 'view' ? '-' : formatBytes(v.sizeBytes),
    String(v.indexes.length),
    refreshCell(v),
    autoRefreshCell(v),
  ]);
  const header = ['SCHEMA', 'NAME', 'KIND', 'MANAGED', 'STATE', 'POPULATED', 'ROWS', 'SIZE', 'INDEXES'];
  const text = table([...header, 'LAST REFRESH', 'AUTO-REFRESH (* = trigger)'], rows, c);
  const drifted = views.filter((v) => v.drift.length > 0);
  if (drifted.length === 0) return text;
  const reasons = drifted.flatMap((v) => v.drift.map((d) => `  - ${d.detail}`));
  return `${text}\n\n${c.red('Drift')} (typeorm-pgview sync would fix it):\n${reasons.join('\n')}`;
}

/** Runs the command; returns the exit code. */
export async function statusCommand(args: StatusArgs, io: CommandIo): Promise<number> {
  const views = await withDataSource(args.dataSource, (ds) =>
    getStatus(ds, args.schema !== undefined ? { schema: args.schema } : {}),
  );
  io.out(args.json ? JSON.stringify({ version: STATUS_JSON_VERSION, views }, null, 2) : statusTable(views, io.colours));
  return 0;
}
