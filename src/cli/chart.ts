/**
 * The bench chart: tokens per item against sub-tasks per item, one colour per mode, on log-log axes,
 * with each mode's fitted power law drawn through its points. Plain SVG, no dependencies.
 */
import type { PowerLawFit } from '../modes/growth.js';

/** One mode's points and fit. */
export interface ChartSeries {
  label: string;
  points: ReadonlyArray<{ x: number; y: number }>;
  fit: PowerLawFit | undefined;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
const W = 720;
const H = 440;
const M = { left: 70, right: 180, top: 30, bottom: 50 };

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Decade ticks covering [lo, hi]. */
function ticks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
    for (const m of [1, 2, 5]) out.push(m * 10 ** e);
  return out.filter((t) => t >= lo && t <= hi);
}

/** Renders the chart as an SVG document. */
export function tokensChart(series: readonly ChartSeries[], title: string): string {
  const all = series.flatMap((s) => s.points).filter((p) => p.x > 0 && p.y > 0);
  if (all.length === 0)
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="80"><text x="10" y="40">${esc(title)}: no data</text></svg>\n`;
  const [x0, x1] = [Math.min(...all.map((p) => p.x)) / 1.2, Math.max(...all.map((p) => p.x)) * 1.2];
  const [y0, y1] = [Math.min(...all.map((p) => p.y)) / 1.5, Math.max(...all.map((p) => p.y)) * 1.5];
  const px = (x: number) =>
    M.left + ((Math.log(x) - Math.log(x0)) / (Math.log(x1) - Math.log(x0))) * (W - M.left - M.right);
  const py = (y: number) =>
    H - M.bottom - ((Math.log(y) - Math.log(y0)) / (Math.log(y1) - Math.log(y0))) * (H - M.top - M.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<clipPath id="plot"><rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}"/></clipPath>`,
    `<text x="${M.left}" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="black"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="black"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">sub-tasks per item (log)</text>`,
    `<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">tokens per item (log)</text>`,
  ];
  for (const t of ticks(x0, x1))
    parts.push(
      `<line x1="${px(t)}" y1="${H - M.bottom}" x2="${px(t)}" y2="${H - M.bottom + 4}" stroke="black"/><text x="${px(t)}" y="${H - M.bottom + 16}" text-anchor="middle">${t}</text>`,
    );
  for (const t of ticks(y0, y1))
    parts.push(
      `<line x1="${M.left - 4}" y1="${py(t)}" x2="${M.left}" y2="${py(t)}" stroke="black"/><line x1="${M.left}" y1="${py(t)}" x2="${W - M.right}" y2="${py(t)}" stroke="#eee"/><text x="${M.left - 6}" y="${py(t) + 4}" text-anchor="end">${t >= 1_000 ? `${t / 1_000}k` : t}</text>`,
    );
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    for (const p of s.points)
      if (p.x > 0 && p.y > 0)
        parts.push(
          `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="4" fill="${colour}" fill-opacity="0.75"/>`,
        );
    if (s.fit) {
      const [a, b] = [x0 * 1.05, x1 / 1.05];
      const [ya, yb] = [s.fit.coefficient * a ** s.fit.exponent, s.fit.coefficient * b ** s.fit.exponent];
      parts.push(
        `<line x1="${px(a).toFixed(1)}" y1="${py(ya).toFixed(1)}" x2="${px(b).toFixed(1)}" y2="${py(yb).toFixed(1)}" stroke="${colour}" stroke-dasharray="5 3" clip-path="url(#plot)"/>`,
      );
    }
    const ly = M.top + 10 + i * 20;
    parts.push(
      `<circle cx="${W - M.right + 16}" cy="${ly - 4}" r="5" fill="${colour}"/><text x="${W - M.right + 26}" y="${ly}">${esc(s.label)}${s.fit ? ` (k = ${s.fit.exponent.toFixed(2)})` : ''}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
