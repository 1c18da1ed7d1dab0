/** Number and text formatting for the page. */

/** `12,345`. */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `s` cut to `n` characters, ending in `…` when cut. */
export function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Dollars: four decimals under $1, two above. */
export function formatCost(usd: number): string {
  return `$${usd.toFixed(usd < 1 ? 4 : 2)}`;
}

/** Run time in seconds with one decimal. */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
