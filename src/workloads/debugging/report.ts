/** The answer of a debugging run, in every mode: what was fixed, the suite after merging, and the merged patch. */
import { patchSchema, type Patch } from './patch.js';
import type { MergeResult } from './verify.js';

/** Writes the answer for a merge of verified patches over `targets` (the tests that failed at the start). */
export function debugAnswer(merge: MergeResult, targets: readonly string[], fixes: ReadonlyArray<{ testId: string; summary: string }>): string {
  const failing = new Set(merge.run.results.filter((r) => r.status === 'fail').map((r) => r.id));
  const open = targets.filter((t) => failing.has(t));
  return [
    `Fixed ${targets.length - open.length} of ${targets.length} failing tests. Merged ${merge.applied.length} verified patch${merge.applied.length === 1 ? '' : 'es'}; the whole suite: ${merge.run.passed} passed, ${merge.run.failed} failed.`,
    ...fixes.map((f) => `- ${f.testId}: ${f.summary}`),
    ...merge.skipped.map((s) => `- skipped ${s.id}: ${s.reason}`),
    ...open.map((t) => `- still failing: ${t}`),
    '',
    'Merged patch (search/replace edits):',
    '```json',
    JSON.stringify(merge.combined, null, 2),
    '```',
  ].join('\n');
}

/** The merged patch in a debugging answer, or undefined when there is none. */
export function patchFromAnswer(answer: string): Patch | undefined {
  const json = /```json\n([\s\S]*?)\n```/.exec(answer)?.[1];
  if (!json) return undefined;
  try {
    const parsed = patchSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** "Fixed N of M": the counts in a debugging answer. */
export function fixedCounts(answer: string): { fixed: number; total: number } | undefined {
  const m = /^Fixed (\d+) of (\d+) failing tests/.exec(answer);
  return m ? { fixed: Number(m[1]), total: Number(m[2]) } : undefined;
}
