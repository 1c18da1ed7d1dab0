/**
 * Which source lines a test file's run executed, from V8's block coverage (`NODE_V8_COVERAGE`), as
 * spectrum-based fault localisation uses it in program repair: an edit inside code the failing test
 * never reached cannot change its outcome, so the search need not spend a test run on it. Coverage
 * of a whole test file is a superset of its failing test's, so pruning by it never drops an edit
 * that could matter; a file without coverage (its process was killed, say) is not pruned at all.
 */
import { readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** One function's block ranges as V8 reports them (character offsets into the script). */
export interface V8FunctionCoverage {
  readonly ranges: ReadonlyArray<{ readonly startOffset: number; readonly endOffset: number; readonly count: number }>;
}

const coverageFileSchema = z.object({
  result: z.array(
    z.object({
      url: z.string(),
      functions: z.array(
        z.object({
          ranges: z.array(z.object({ startOffset: z.number(), endOffset: z.number(), count: z.number() })),
        }),
      ),
    }),
  ),
});

// A `case`/`default` label is compared whenever its switch runs, but V8 counts it with its clause's body.
const CASE_LABEL = /^\s*(?:case\b|default\s*:)/;

/**
 * The 1-based lines of `source` that ran at least once: a line counts when any of its
 * non-blank characters lies in a range with a non-zero count (the innermost range decides), and
 * `case`/`default` label lines always count. Without any range for the file, every line counts.
 */
export function executedLines(source: string, functions: readonly V8FunctionCoverage[]): Set<number> {
  const lines = source.split('\n');
  const all = new Set(lines.map((_, i) => i + 1));
  const ranges = functions.flatMap((f) => f.ranges).filter((r) => r.endOffset > r.startOffset);
  if (!ranges.length) return all;
  // Outer ranges first, so an inner range's count overwrites its parent's.
  ranges.sort((a, b) => b.endOffset - b.startOffset - (a.endOffset - a.startOffset));
  const counts = new Int8Array(source.length).fill(-1);
  for (const r of ranges) counts.fill(r.count > 0 ? 1 : 0, r.startOffset, Math.min(r.endOffset, source.length));
  const out = new Set<number>();
  let offset = 0;
  lines.forEach((text, i) => {
    let ran = CASE_LABEL.test(text);
    for (let c = 0; !ran && c < text.length; c++) if (text[c]!.trim() && counts[offset + c] !== 0) ran = true;
    // Blank lines and lines outside every range are no edit's place; count them so nothing is lost.
    if (ran || !text.trim()) out.add(i + 1);
    offset += text.length + 1;
  });
  return out;
}

/** Workspace-relative path → its functions' coverage once per time a process loaded it, from the JSON files V8 wrote into `coverageDir`. */
export async function readCoverage(coverageDir: string, root: string): Promise<Map<string, V8FunctionCoverage[][]>> {
  const out = new Map<string, V8FunctionCoverage[][]>();
  const roots = [...new Set([path.resolve(root), await realpath(root).catch(() => path.resolve(root))])];
  const names = await readdir(coverageDir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const parsed = coverageFileSchema.safeParse(
      JSON.parse(await readFile(path.join(coverageDir, name), 'utf8').catch(() => 'null')),
    );
    if (!parsed.success) continue;
    for (const script of parsed.data.result) {
      if (!script.url.startsWith('file:')) continue;
      const file = fileURLToPath(script.url);
      const rel = roots
        .map((r) => path.relative(r, file).split(path.sep).join('/'))
        .find((r) => !r.startsWith('..') && !path.isAbsolute(r));
      if (rel === undefined || rel.startsWith('node_modules/')) continue;
      out.set(rel, [...(out.get(rel) ?? []), script.functions]);
    }
  }
  return out;
}

/** The lines any of the loads executed (see {@link executedLines}). */
export function executedByAny(source: string, loads: readonly (readonly V8FunctionCoverage[])[]): Set<number> {
  const out = new Set<number>();
  for (const functions of loads) for (const line of executedLines(source, functions)) out.add(line);
  return out;
}

/** Lines as compact ranges, `1-12,15,20-31`. */
export function formatLines(lines: ReadonlySet<number>): string {
  const sorted = [...lines].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The lines {@link formatLines} wrote; malformed parts are skipped. */
export function parseLines(text: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m) continue;
    const from = Number(m[1]);
    const to = Math.min(Number(m[2] ?? m[1]), from + 1_000_000);
    for (let l = from; l <= to; l++) out.add(l);
  }
  return out;
}
