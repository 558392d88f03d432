// Reading a materialized view that holds no data (created or refreshed WITH NO DATA) fails in PostgreSQL
// with `materialized view "x" has not been populated` (SQLSTATE 55000). This names the view, its class,
// and how to populate it. Through TypeORM's public afterQuery event: TypeORM's query runner passes the
// driver's error to subscribers before it builds its QueryFailedError from that error's message and
// properties, so the thrown error stays a QueryFailedError, with our message and the original as `cause`.
// Installed once per DataSource, by collectViews (the first step of every library call).
import type { DataSource } from 'typeorm';
import { displayName, type QualifiedName } from '../ddl/identifiers';
import type { ViewDefinition } from '../metadata/definition';

/** PostgreSQL's message (English servers); other languages are matched by the code and a declared name. */
const UNPOPULATED = /materialized view "((?:[^"]|"")+)" has not been populated/;

/** True for the translator from any copy of this package (a brand; instanceof is not). */
function isTranslator(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { isPgViewUnpopulatedReads?: unknown }).isPgViewUnpopulatedReads === true
  );
}

/**
 * Adds the subscriber that rewrites "has not been populated" errors to the DataSource, once.
 * `definitions` is called only when such an error happens (the views declared in the DataSource).
 */
export function installUnpopulatedReadErrors(dataSource: DataSource, definitions: () => ViewDefinition[]): void {
  const subscribers = (dataSource as { subscribers?: unknown }).subscribers;
  if (!Array.isArray(subscribers) || subscribers.some(isTranslator)) return;
  const translator = {
    isPgViewUnpopulatedReads: true,
    // The event as TypeORM 0.3.20+ and 1.x pass it (its type is not exported by 0.3.20's index).
    afterQuery(event: { success: boolean; error?: unknown }) {
      if (event.success || !event.error) return;
      try {
        rewrite(event.error, definitions);
      } catch {
        // Never let the translation replace the real error.
      }
    },
  };
  subscribers.push(translator);
}

function rewrite(error: unknown, definitions: () => ViewDefinition[]): void {
  if (typeof error !== 'object' || error === null) return;
  const driverError = error as { code?: unknown; message?: unknown; hint?: unknown; cause?: unknown };
  if (driverError.code !== '55000' || typeof driverError.message !== 'string') return;
  const matched = UNPOPULATED.exec(driverError.message);
  const declared = definitions().filter((d) => d.kind === 'materialized');
  let candidates: ViewDefinition[];
  let name: string;
  if (matched) {
    name = matched[1]!.replace(/""/g, '"');
    candidates = declared.filter((d) => d.name === name);
  } else {
    // Another language: PostgreSQL's hint names the command to run, its message quotes the view.
    if (typeof driverError.hint !== 'string' || !driverError.hint.includes('REFRESH MATERIALIZED VIEW')) return;
    candidates = declared.filter((d) => driverError.message!.toString().includes(d.name));
    if (candidates.length === 0) return;
    name = candidates[0]!.name;
  }
  const original = Object.defineProperties(
    Object.create(Object.getPrototypeOf(error) as object) as object,
    Object.getOwnPropertyDescriptors(error),
  );
  driverError.message = messageFor(name, candidates.length === 1 ? candidates[0] : undefined);
  // Enumerable, so TypeORM copies it onto the QueryFailedError it builds from this error.
  driverError.cause = original;
}

function messageFor(name: string, definition: ViewDefinition | undefined): string {
  const view: QualifiedName | undefined = definition && { schema: definition.schema, name: definition.name };
  const label = view ? `${displayName(view)} (${definition!.source})` : name;
  const className = definition?.source.startsWith('class ') ? definition.source.slice('class '.length) : undefined;
  const argument = className ?? `'${view ? displayName(view) : name}'`;
  return `Materialized view ${label} has not been populated yet (it was created or last refreshed WITH NO DATA), so it cannot be read. Populate it: await refreshMaterializedView(dataSource, ${argument}), or npx typeorm-pgview refresh ${view ? displayName(view) : name} -d <data-source file>.`;
}
