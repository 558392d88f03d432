// status: getStatus as a table (or --json, exactly getStatus with a version), then who ran each last
// refresh, the staleness bounds and failures, then drift reasons.
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

const timeOf = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

function refreshCell(v: ViewStatus): string {
  if (!v.lastRefresh) return '-';
  const figures = [
    ...(v.lastRefresh.durationMs === null ? [] : [formatDuration(v.lastRefresh.durationMs)]),
    ...(v.lastRefresh.method === null ? [] : [v.lastRefresh.method]),
  ];
  const at = timeOf(v.lastRefresh.startedAt);
  return figures.length ? `${at} (${figures.join(', ')})` : at;
}

function freshCell(v: ViewStatus, c: Colours): string {
  const f = v.freshness;
  if (!f) return '-';
  if (f.breached) return c.red('breached');
  if (f.lastError) return c.red('failing');
  if (f.stale === true) return c.yellow('stale');
  return f.stale === false ? c.green('fresh') : '-';
}

/** Below the table: who ran each last refresh, the staleness bounds, and the failures. */
function refreshLines(views: readonly ViewStatus[], c: Colours): string[] {
  const lines: string[] = [];
  for (const v of views) {
    const f = v.freshness;
    if (!f || (!f.lastRefresh && !f.lastError && f.maxStalenessMs === null)) continue;
    const parts: string[] = [];
    if (f.lastRefresh?.by)
      parts.push(
        `last refreshed by ${f.lastRefresh.by}${f.lastRefresh.applicationName ? ` (${f.lastRefresh.applicationName})` : ''}`,
      );
    else if (!f.lastRefresh) parts.push('no refresh recorded');
    if (f.maxStalenessMs !== null)
      parts.push(
        `max staleness ${formatDuration(f.maxStalenessMs)}${f.breached ? `: ${c.red('breached')}` : f.breached === undefined ? ' (cannot tell)' : ''}`,
      );
    if (f.lastError) parts.push(`${c.red('failed')} ${timeOf(f.lastError.at)}: ${f.lastError.message}`);
    if (parts.length) lines.push(`  - ${v.schema}.${v.name}: ${parts.join('; ')}`);
  }
  return lines;
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
    v.freshness?.ageMs == null ? '-' : formatDuration(v.freshness.ageMs),
    freshCell(v, c),
    autoRefreshCell(v),
  ]);
  const header = ['SCHEMA', 'NAME', 'KIND', 'MANAGED', 'STATE', 'POPULATED', 'ROWS', 'SIZE', 'INDEXES'];
  let text = table([...header, 'LAST REFRESH', 'AGE', 'FRESH', 'AUTO-REFRESH (* = trigger)'], rows, c);
  const refreshes = refreshLines(views, c);
  if (refreshes.length) text += `\n\nRefreshes:\n${refreshes.join('\n')}`;
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
