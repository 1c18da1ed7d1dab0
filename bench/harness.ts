/**
 * Tiny benchmark harness: each suite returns tables; `bench/index.ts` prints them and saves JSON
 * under bench/results/. Numbers, not assertions: benchmarks never fail a build.
 */

/** One result table. Cells are numbers or short strings. */
export interface BenchTable {
  title: string;
  columns: string[];
  rows: Array<Array<string | number>>;
  /** Free-form notes printed under the table (targets, machine, caveats). */
  notes?: string[];
}

/** A benchmark suite: a name and a function producing tables. */
export interface BenchSuite {
  name: string;
  run(): Promise<BenchTable[]>;
}

/** The p-th percentile (0..100) of `samples` (sorted copy; nearest-rank). */
export function percentile(samples: ArrayLike<number>, p: number): number {
  const sorted = Float64Array.from(samples).sort();
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** The arithmetic mean of `xs` (0 for none). */
export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

/** `n` sub-tasks numbered from 0 after `prefix` (`t0`, `t1`, …), as a bench's runs hand them to a swarm. */
export function numberedSubTasks(n: number, prefix: string): Array<{ payload: string }> {
  return Array.from({ length: n }, (_, i) => ({ payload: `${prefix}${i}` }));
}

/** `name 123 ms (100–150)`: the mean of `ms` and its range, rounded; empty for none. */
export function meanAndRange(name: string, ms: readonly number[]): string {
  if (ms.length === 0) return '';
  return `${name} ${Math.round(mean(ms))} ms (${Math.round(Math.min(...ms))}–${Math.round(Math.max(...ms))})`;
}

/** Formats a number for a table: integers with thousands separators, others to 3 significant digits. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n) || Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toPrecision(3);
}

/** Renders a table as aligned plain text. */
export function renderTable(table: BenchTable): string {
  const cells = [table.columns, ...table.rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: Array<string | number>) => r.map((c, i) => String(c ?? '').padEnd(widths[i]!)).join('  ');
  const out = [
    `## ${table.title}`,
    line(cells[0]!),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
  ];
  for (const n of table.notes ?? []) out.push(`  note: ${n}`);
  return out.join('\n');
}
