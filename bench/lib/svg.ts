// A hand-written horizontal grouped bar chart as SVG text (no dependency): one group of bars per
// category, one bar per series, optional log scale for values spanning orders of magnitude.

export interface BarChart {
  readonly title: string;
  readonly unit: string;
  readonly categories: readonly string[];
  readonly series: readonly { readonly name: string; readonly color: string; readonly values: readonly number[] }[];
  /** Log10 axis: use when bars differ by orders of magnitude. */
  readonly log?: boolean;
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function label(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export function barChartSvg(chart: BarChart): string {
  const left = 220;
  const plotWidth = 480;
  const bar = 14;
  const gap = 10;
  const top = 36 + chart.series.length * 15;
  const groupHeight = chart.series.length * bar + gap;
  const height = top + chart.categories.length * groupHeight + 40;
  const width = left + plotWidth + 90;
  const all = chart.series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && v > 0);
  const max = Math.max(...all, 1e-9);
  const min = chart.log ? Math.min(...all) : 0;
  const lo = chart.log ? Math.floor(Math.log10(min)) : 0;
  const hi = chart.log ? Math.ceil(Math.log10(max)) : max;
  const x = (v: number) =>
    chart.log ? ((Math.log10(Math.max(v, 10 ** lo)) - lo) / Math.max(hi - lo, 1)) * plotWidth : (v / hi) * plotWidth;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escape(chart.title)}</text>`,
  ];
  chart.series.forEach((s, i) => {
    // One legend line per series: names are long, side by side they would overlap.
    out.push(`<rect x="${left}" y="${28 + i * 15}" width="10" height="10" fill="${s.color}"/>`);
    out.push(`<text x="${left + 14}" y="${37 + i * 15}">${escape(s.name)}</text>`);
  });
  // Grid lines: decades on a log axis, quarters on a linear one.
  const ticks = chart.log
    ? Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i))
    : [0, 0.25, 0.5, 0.75, 1].map((f) => f * hi);
  const bottom = top + chart.categories.length * groupHeight;
  for (const t of ticks) {
    const tx = left + x(t);
    out.push(`<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${bottom}" stroke="#ddd"/>`);
    out.push(`<text x="${tx}" y="${bottom + 14}" text-anchor="middle" fill="#555">${label(t)}</text>`);
  }
  out.push(
    `<text x="${left + plotWidth / 2}" y="${bottom + 30}" text-anchor="middle" fill="#555">${escape(chart.unit)}${chart.log ? ' (log scale)' : ''}</text>`,
  );
  chart.categories.forEach((c, ci) => {
    const gy = top + ci * groupHeight;
    out.push(
      `<text x="${left - 8}" y="${gy + (chart.series.length * bar) / 2 + 4}" text-anchor="end">${escape(c)}</text>`,
    );
    chart.series.forEach((s, si) => {
      const v = s.values[ci] ?? NaN;
      const y = gy + si * bar;
      const w = Number.isFinite(v) ? Math.max(1, x(v)) : 0;
      out.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar - 2}" fill="${s.color}"/>`);
      out.push(
        `<text x="${left + w + 4}" y="${y + bar - 4}" font-size="11">${Number.isFinite(v) ? label(v) : 'failed'}</text>`,
      );
    });
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
