// graph: getDependencyGraph drawn as Mermaid or dot, or as JSON.
import { getDependencyGraph, renderDot, renderMermaid } from '../catalog/mermaid';
import { defaultSchemaOf } from '../metadata/collect';
import type { GraphArgs } from './args';
import { withDataSource } from './data-source';
import type { CommandIo } from './io';

/** Runs the command; returns the exit code. */
export async function graphCommand(args: GraphArgs, io: CommandIo): Promise<number> {
  const text = await withDataSource(args.dataSource, async (ds) => {
    const graph = await getDependencyGraph(ds, {
      ...(args.schema !== undefined ? { schema: args.schema } : {}),
      ...(args.view !== undefined ? { view: args.view } : {}),
    });
    const schema = args.schema ?? defaultSchemaOf(ds);
    if (args.format === 'json') return JSON.stringify({ version: 1, ...graph }, null, 2);
    return args.format === 'dot' ? renderDot(graph, schema) : renderMermaid(graph, schema);
  });
  io.out(text);
  return 0;
}
