// refresh: the named materialized views, or --all, with a line per view (n of m, its time, the time so
// far); a refresh the database refuses exits 1 naming the view.
import { displayName } from '../ddl/identifiers';
import { isPgViewError } from '../errors';
import {
  refreshAllMaterializedViews,
  refreshMaterializedViews,
  type RefreshOptions,
  type RefreshProgress,
  type RefreshResult,
} from '../refresh/refresh';
import type { RefreshArgs } from './args';
import { withDataSource } from './data-source';
import { CliError } from './errors';
import type { CommandIo } from './io';
import { formatDuration } from './output';

function how(result: RefreshResult): string {
  const mode = result.concurrently ? 'concurrently' : result.withData ? 'plain' : 'with no data';
  return result.note ? `${mode}: ${result.note}` : mode;
}

/** Runs the command; returns the exit code. */
export async function refreshCommand(args: RefreshArgs, io: CommandIo): Promise<number> {
  const started = performance.now();
  const elapsed = () => formatDuration(performance.now() - started);
  let current: Extract<RefreshProgress, { phase: 'start' }> | undefined;
  const onProgress = (event: RefreshProgress) => {
    const position = `[${event.index}/${event.total}]`;
    if (event.phase === 'start') {
      current = event;
      if (io.interactive) io.progress(`${position} refreshing ${displayName(event.view)}... (${elapsed()} so far)`);
      return;
    }
    current = undefined;
    if (io.interactive) io.progress('\r\u001b[K');
    io.out(
      `${position} ${displayName(event.view)} refreshed in ${formatDuration(event.result.durationMs)} (${how(event.result)}), ${elapsed()} so far`,
    );
  };
  const options = {
    concurrently: args.concurrently,
    cascade: args.cascade,
    onProgress,
  } as RefreshOptions;
  const results = await withDataSource(args.dataSource, async (ds) => {
    try {
      return args.all
        ? await refreshAllMaterializedViews(ds, options)
        : await refreshMaterializedViews(ds, args.views, options);
    } catch (error) {
      if (io.interactive && current) io.progress('\r\u001b[K');
      // The database refused a REFRESH: the user's data or view, not a bug.
      if (current && !isPgViewError(error) && (error as { driverError?: unknown }).driverError !== undefined)
        throw new CliError(
          `Refreshing ${displayName(current.view)} failed (${current.index} of ${current.total}): ${(error as Error).message}.${current.index > 1 ? ' The views before it were refreshed; it and the views after it were not.' : ' Nothing was refreshed.'}`,
        );
      throw error;
    }
  });
  io.out(
    results.length === 0
      ? 'No materialized views are declared in the data source: nothing to refresh.'
      : `Refreshed ${results.length} materialized view${results.length === 1 ? '' : 's'} in ${elapsed()}.`,
  );
  return 0;
}
