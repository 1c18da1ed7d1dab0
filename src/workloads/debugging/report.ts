/** The answer of a debugging run, in every mode: honest counts, what was merged, and the merged patch as a unified diff. */
import { scoreMerge, type Baseline, type DebugScore } from './scoring.js';
import type { MergeResult } from './verify.js';

/** The counts a debugging answer states, for results.csv. */
export interface DebugCounts {
  readonly fixed: number;
  readonly total: number;
  readonly regressed: number;
  readonly stillFailing: number;
}

const list = (label: string, ids: readonly string[]) => ids.map((id) => `- ${label}: ${id}`);

/**
 * Writes the answer for a merge over `targets` (the tests that failed at the start), scored with
 * {@link scoreMerge}: a target counts as fixed only when nothing that passed before regressed.
 */
export function debugAnswer(
  merge: MergeResult,
  baseline: Baseline,
  targets: readonly string[],
  fixes: ReadonlyArray<{ testId: string; summary: string }>,
): { answer: string; score: DebugScore } {
  const score = scoreMerge(baseline, merge.run.results, targets);
  const answer = [
    `Fixed ${score.fixed.length} of ${targets.length} failing tests; regressed ${score.regressed.length}; still failing ${score.stillFailing.length}.`,
    `Merged ${merge.applied.length} patch${merge.applied.length === 1 ? '' : 'es'}; the whole suite after the merge: ${merge.run.passed} passed, ${merge.run.failed} failed${merge.run.timedOut ? ' (the run was stopped at its time limit)' : ''}.`,
    ...fixes.map((f) => `- patch for ${f.testId}: ${f.summary}`),
    ...merge.skipped.map((s) => `- skipped ${s.id}: ${s.reason}`),
    ...list('regressed', score.regressed),
    ...list('passes but not counted (the merge regressed other tests)', score.passingWithRegressions),
    ...list('still failing', score.stillFailing),
    ...list('flaky (outcome changed between two unpatched runs; not scored)', score.flaky),
    '',
    'Merged patch (unified diff, applies with `git apply` in the workspace):',
    '```diff',
    merge.diff.replace(/\n$/, ''),
    '```',
  ].join('\n');
  return { answer, score };
}

/** The merged unified diff in a debugging answer ('' when it holds an empty one), or undefined when there is none. */
export function diffFromAnswer(answer: string): string | undefined {
  // The block closes the answer, so a fence inside the diff (a changed Markdown file) cannot end it early.
  const open = answer.indexOf('```diff\n');
  const close = answer.lastIndexOf('```');
  if (open === -1 || close <= open) return undefined;
  const body = answer.slice(open + 8, close).replace(/\n$/, '');
  return body ? `${body}\n` : '';
}

/** The counts in a debugging answer. */
export function fixedCounts(answer: string): DebugCounts | undefined {
  const m = /^Fixed (\d+) of (\d+) failing tests; regressed (\d+); still failing (\d+)\./m.exec(answer);
  return m
    ? { fixed: Number(m[1]), total: Number(m[2]), regressed: Number(m[3]), stillFailing: Number(m[4]) }
    : undefined;
}
