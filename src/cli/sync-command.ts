// sync: syncViews, each step with its reason, then what it amounted to.
import { describeView, displayName } from '../ddl/identifiers';
import { syncViews } from '../sync/sync-views';
import type { SyncArgs } from './args';
import { withDataSource } from './data-source';
import type { CommandIo } from './io';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Runs the command; returns the exit code. */
export async function syncCommand(args: SyncArgs, io: CommandIo): Promise<number> {
  const result = await withDataSource(args.dataSource, (ds) =>
    syncViews(ds, { dryRun: args.dryRun, ...(args.rebuild ? { rebuild: args.rebuild } : {}) }),
  );
  const c = io.colours;
  const lines = result.steps.map((s, i) => {
    const where = s.source ? ` (${s.source})` : '';
    const head = `${i + 1}. ${c.bold(s.action)} ${describeView(s.view)}${where}: ${s.reason}`;
    return args.dryRun ? `${head}\n${c.dim(s.sql.replace(/^/gm, '     '))}` : head;
  });
  const names = (list: readonly { schema: string; name: string }[]) => list.map(displayName).join(', ');
  const summary = [
    args.dryRun
      ? `Dry run: ${plural(result.steps.length, 'statement')} would run; nothing was changed.`
      : `Done: ${plural(result.steps.length, 'statement')} run in one transaction.`,
    `${plural(result.unchanged.length, 'declared view')} already in sync.`,
    ...(result.dropped.length ? [`Dropped (no longer declared): ${names(result.dropped)}.`] : []),
    ...(result.triggers.installed.length
      ? [`Auto-refresh trigger installed on ${names(result.triggers.installed)}.`]
      : []),
    ...(result.triggers.removed.length ? [`Auto-refresh trigger removed from ${names(result.triggers.removed)}.`] : []),
  ].join(' ');
  io.out(
    lines.length ? `${lines.join('\n')}\n\n${summary}` : `Nothing to do: the views match the declarations. ${summary}`,
  );
  return 0;
}
