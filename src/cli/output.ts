// Terminal output: colour only on a terminal (NO_COLOR turns it off, FORCE_COLOR on, as most CLIs do),
// columns aligned on the text as seen, byte sizes and durations for people. Pure apart from reading the
// environment in colourFor.

export type Paint = (text: string) => string;

export interface Colours {
  readonly bold: Paint;
  readonly dim: Paint;
  readonly red: Paint;
  readonly green: Paint;
  readonly yellow: Paint;
  readonly cyan: Paint;
}

const sgr =
  (open: number, close: number): Paint =>
  (text) =>
    `\u001b[${open}m${text}\u001b[${close}m`;

const COLOURS: Colours = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  cyan: sgr(36, 39),
};

const plain: Paint = (text) => text;
const PLAIN: Colours = { bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };

/** Colours for `stream`: real ones on a terminal, none when piped or when NO_COLOR is set. */
export function colourFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Colours {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return COLOURS;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return PLAIN;
  return stream.isTTY ? COLOURS : PLAIN;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** The width of `text` as a terminal shows it (colour codes take none). */
export function visibleLength(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

/** Rows under a header, each column as wide as its widest cell, two spaces apart; no trailing blanks. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], colours: Colours): string {
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - visibleLength(c))))
      .join('  ')
      .trimEnd();
  return [colours.bold(line(header)), ...rows.map(line)].join('\n');
}

/** `12 kB`, `3.4 MB`: powers of 1024, as pg_size_pretty writes them. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** `850 ms`, `2.3 s`, `4 min 05 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}
