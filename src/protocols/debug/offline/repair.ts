import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { applyPatch } from '../../../workloads/debugging/patch.js';
import { singlePointMutations, type Mutation } from './mutations.js';
import { runTests, type TestRun } from '../../../workloads/debugging/test-runner.js';
import { verifyPatch, type DebugSubTask, type PatchVerification } from '../../../workloads/debugging/verify.js';
import { withWorkspaceCopy } from '../../../workloads/debugging/workspace.js';

/** Options of {@link searchMutationFix}. */
export interface MutationSearchOptions {
  /** Candidates to try at most (default 300). */
  readonly maxCandidates?: number;
  /** Give up after this long (default 60 s). */
  readonly budgetMs?: number;
  /** Per test run (default 15 s). */
  readonly timeoutMs?: number;
  /** The unpatched suite's run, for the final regression check. */
  readonly baseline?: TestRun;
}

/** Outcome of {@link searchMutationFix}: the first verified mutation, if any, and how many were tried. */
export interface MutationSearchResult {
  readonly fix: Mutation | null;
  readonly verification: PatchVerification | null;
  readonly tried: number;
  readonly stoppedBy: 'found' | 'exhausted' | 'budget';
}

/**
 * Offline repair: tries single-point mutations of the files a failing test imports, cheapest
 * screen first (the target's own test file, on one scratch copy), then confirms a candidate that
 * makes the target pass with {@link verifyPatch} on the whole suite. No model involved.
 */
export async function searchMutationFix(
  workspace: string,
  task: DebugSubTask,
  options: MutationSearchOptions = {},
): Promise<MutationSearchResult> {
  const deadline = Date.now() + (options.budgetMs ?? 60_000);
  const max = options.maxCandidates ?? 300;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const root = path.resolve(workspace);

  const candidates: Mutation[] = [];
  for (const file of task.relatedFiles) {
    const source = await readFile(path.join(root, file), 'utf8');
    candidates.push(...rankByTestName(singlePointMutations(file, source), source, task.testName));
  }

  return withWorkspaceCopy(root, async (scratch) => {
    let tried = 0;
    for (const candidate of candidates.slice(0, max)) {
      if (Date.now() > deadline) return { fix: null, verification: null, tried, stoppedBy: 'budget' };
      tried++;
      const edited = candidate.patch[0]?.file ?? '';
      const original = await readFile(path.join(scratch, edited), 'utf8');
      try {
        await applyPatch(scratch, candidate.patch);
        const run = await runTests(scratch, { files: [task.testFile], timeoutMs });
        if (!run.results.some((r) => r.id === task.id && r.status === 'pass')) continue;
      } finally {
        await writeFile(path.join(scratch, edited), original, 'utf8');
      }
      const verification = await verifyPatch(root, candidate.patch, task, {
        timeoutMs,
        ...(options.baseline ? { baseline: options.baseline } : {}),
      });
      if (verification.verified) return { fix: candidate, verification, tried, stoppedBy: 'found' };
    }
    return { fix: null, verification: null, tried, stoppedBy: tried >= candidates.length ? 'exhausted' : 'budget' };
  });
}

// Mutations inside a function the test names ("truncate keeps …" → truncate) go first.
function rankByTestName(mutations: Mutation[], source: string, testName: string): Mutation[] {
  const lines = source.split('\n');
  const ranges: { name: string; from: number; to: number }[] = [];
  lines.forEach((text, i) => {
    const m =
      /^\s*(?:export\s+)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)|^\s*(?:export\s+)?const\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s*)?\(/.exec(
        text,
      );
    const name = m?.[1] ?? m?.[2];
    if (!name) return;
    const last = ranges[ranges.length - 1];
    if (last) last.to = i;
    ranges.push({ name, from: i + 1, to: lines.length });
  });
  const words = new Set(testName.split(/[^A-Za-z0-9_$]+/));
  const named = ranges.filter((r) => words.has(r.name));
  const score = (m: Mutation) => (named.some((r) => m.line >= r.from && m.line <= r.to) ? 0 : 1);
  return mutations
    .map((m, i) => ({ m, i }))
    .sort((a, b) => score(a.m) - score(b.m) || a.i - b.i)
    .map(({ m }) => m);
}
