// The help texts of `typeorm-pgview` and of each command (docs/cli.md is the long form).

const DATA_SOURCE = `  -d, --dataSource <file>  the file exporting the DataSource: .ts, .mts, .cts, .js, .mjs or .cjs (TypeScript
                           is compiled with SWC, decorator metadata kept; no ts-node or typescript needed)`;

export const USAGE = `Usage: typeorm-pgview <command> [options]

Commands:
  status -d <file>                 every view and materialized view: in sync or drifted, size, rows, refreshes
  sync -d <file>                   make the database's views match the declarations (syncViews)
  refresh [view ...] -d <file>     refresh materialized views (--all: every declared one)
  graph -d <file>                  the dependency graph of tables and views (mermaid, dot or json)
  check -d <file>                  exit 1 when the views drift from the declarations (for CI and deploys)
  migration:generate <path/Name> -d <data-source file>   write a migration for the declared views and tables

Options:
  -h, --help     show this help, or a command's (typeorm-pgview migration:generate --help)
  -v, --version  print the version`;

export const GENERATE_USAGE = `Usage: typeorm-pgview migration:generate <path/Name> -d <data-source file> [options]

Writes a TypeORM migration (<path>/<timestamp>-<Name>.ts) whose up() brings the database to the entities and
views declared in the data source, and whose down() takes it back exactly.

Options:
${DATA_SOURCE}
  --check, --ch            write nothing; exit 1 if a migration would be generated (for CI): the views'
                           drift as \`check\` lists it, plus TypeORM's pending table changes
  --dry-run, --dryrun, --dr  print the migration instead of writing it
  -t, --timestamp <ms>     timestamp for the file and class name (default: now)
  --auto-refresh-triggers  also install the triggers of the auto-refresh 'triggers' source (once some
                           table carries one, every migration keeps them current without this flag)
  --rebuild <strategy>     side-by-side or in-place (default): how up() rebuilds a changed materialized
                           view that declares no \`rebuild\` (side-by-side: build under a temporary name,
                           then swap, so readers wait only for the swap)
  -h, --help               show this help`;

export const STATUS_USAGE = `Usage: typeorm-pgview status -d <data-source file> [options]

Lists every view and materialized view in the database, declared or not: kind, whether typeorm-pgview
manages it, in sync with its declaration or drifted (and why), populated, row estimate, size, indexes,
last auto-refresh, and the tables an auto-refreshed view watches (* = carries the trigger).

Options:
${DATA_SOURCE}
  --schema <name>          only views in this schema
  --json                   print JSON ({ "version": 1, "views": [...] }, see docs/cli.md) instead of a table
  -h, --help               show this help`;

export const SYNC_USAGE = `Usage: typeorm-pgview sync -d <data-source file> [--dry-run] [--rebuild <strategy>]

Makes the database's views match the declarations (syncViews), in one transaction, printing each
statement and why it runs.

Options:
${DATA_SOURCE}
  --dry-run, --dryrun, --dr  print the steps without running them
  --rebuild <strategy>     side-by-side or in-place (default): how a changed materialized view that
                           declares no \`rebuild\` is rebuilt (side-by-side: readers wait only for the swap)
  -h, --help               show this help`;

export const REFRESH_USAGE = `Usage: typeorm-pgview refresh [view ...] -d <data-source file> [options]

Refreshes the named materialized views ('name' or 'schema.name'), or with --all every materialized view
declared in the data source, in dependency order, printing the time each took.

Options:
${DATA_SOURCE}
  --all                    every declared materialized view
  --concurrently           REFRESH ... CONCURRENTLY; fails on a view without a usable unique index
  --no-concurrently        plain REFRESH (locks out readers while it runs)
                           (default: CONCURRENTLY where possible, plain otherwise)
  --cascade                then refresh every materialized view that reads them
  -h, --help               show this help`;

export const GRAPH_USAGE = `Usage: typeorm-pgview graph -d <data-source file> [options]

Prints the dependency graph of tables, views and materialized views, from the catalog: an arrow from
each relation to each view that reads it.

Options:
${DATA_SOURCE}
  --format <f>             mermaid (default), dot or json
  --schema <name>          only views in this schema (and what they read, wherever it is)
  --view <name>            only what this view reads and what reads it, at any depth
  -h, --help               show this help`;

export const CHECK_USAGE = `Usage: typeorm-pgview check -d <data-source file> [--json]

Exits 1 with the list of differences when the database's views drift from the declarations (views,
materialized view indexes, comments, options, auto-refresh triggers), 0 when they match. Tables are
not compared: migration:generate --check adds TypeORM's pending table changes to the same list.

Options:
${DATA_SOURCE}
  --json                   print JSON ({ "version": 1, "drift": [...] })
  -h, --help               show this help`;
