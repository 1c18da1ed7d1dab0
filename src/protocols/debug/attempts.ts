/**
 * One agent's (or one orchestrator worker's) attempts at a failing test: ask the model for a patch,
 * screen it on a private copy by running the target's test file, and stop at the first that passes.
 * Shared by the debugging protocol and the orchestrator baseline, so both search the same way.
 */
import { DelmError } from '../../errors.js';
import { patchPrompt } from '../kit/prompts/patch.js';
import type { PatchProposal } from '../kit/schemas.js';
import { clip } from '../kit/text.js';
import type { LanguageModel } from '../../providers/types.js';
import { PatchError } from '../../workloads/errors.js';
import { applyPatch, parsePatch, patchFiles, patchKey, type Patch } from '../../workloads/debugging/patch.js';
import { testExcerpt } from './test-excerpt.js';
import { syntaxError } from '../../workloads/debugging/syntax.js';
import { editedTestFiles, testEditRefusal } from '../../workloads/debugging/test-files.js';
import { targetStatus } from '../../workloads/debugging/scoring.js';
import { runTests } from '../../workloads/debugging/test-runner.js';
import { withWorkspaceCopy } from '../../workloads/debugging/workspace.js';

/** The failing test an attempt is for. */
export interface FailingTest {
  readonly testId: string;
  readonly testFile: string;
  /** The failure message and stack trace. */
  readonly output: string;
  /** The test file's text, to show the model the failing assertion. */
  readonly testSource?: string | undefined;
  /** Per source file, the lines the test's file executed (`1-12,15`): edits elsewhere cannot change its outcome. */
  readonly executedLines?: Readonly<Record<string, string>> | undefined;
  /** Per source file, the lines the failing test run alone executed: where the fault most likely is. */
  readonly executedByTest?: Readonly<Record<string, string>> | undefined;
  /** Tests of the same file that passed before any patch: a candidate that fails one is refused by the screen. */
  readonly passedBefore?: readonly string[] | undefined;
}

/** One screened attempt. */
export interface Attempt {
  readonly proposal: PatchProposal;
  readonly passes: boolean;
  /** "target passes", or why not. */
  readonly detail: string;
  /** False when the patched file no longer parsed: refused before any test ran. */
  readonly parses: boolean;
}

/** Options of {@link attemptFixes}. */
export interface AttemptOptions {
  readonly model: LanguageModel;
  readonly signal: AbortSignal;
  readonly workspace: string;
  readonly failure: FailingTest;
  readonly files: ReadonlyArray<{ readonly path: string; readonly text: string }>;
  /** Lines describing patches already tried (shown to the model so it does not repeat them). */
  readonly tried: readonly string[];
  /** What else the model should read (the ledger digest, for delm's agents). */
  readonly context?: string;
  readonly attempts: number;
  /** Candidates screened at once (default 1). */
  readonly concurrency?: number;
  readonly testTimeoutMs: number;
  /** A shell command printing TAP, instead of the detected runner. */
  readonly testCommand?: string | undefined;
  /**
   * The workspace's test files as its runner knows them (detected, and those a run reported tests
   * from): a candidate editing one is refused unrun, as is one editing a file named like a test.
   */
  readonly testFiles?: readonly string[] | undefined;
  readonly callContext: { role: string; taskId?: number };
  /** Turns an attempt into the line later prompts show for it. */
  readonly describe: (attempt: Attempt) => string;
  /**
   * Patches rejected before this call (by the screen or the verifier), by {@link patchKey}, each with
   * which attempt or entry rejected it and why (`#12: regresses …`). The same edits proposed again are
   * not screened again: the model is told they were rejected and why, and asked for another patch.
   */
  readonly rejected?: ReadonlyMap<string, string> | undefined;
  /** Re-proposals of a rejected patch after which the search stops ({@link AttemptsOutcome.repeats}); default 3. */
  readonly maxRepeats?: number | undefined;
}

/** What {@link attemptFixes} did: its attempts, and why it stopped early if it did. */
export interface AttemptsOutcome {
  readonly attempts: Attempt[];
  /** Set when the model has nothing left to propose (the offline search ran out). */
  readonly exhausted: string | undefined;
  /** How many of the attempts were refused unparsed, without a test run. */
  readonly unparsed: number;
  /** Proposals that repeated a rejected patch (not screened; each cost a model call). The search stops at `maxRepeats`. */
  readonly repeats: number;
  /** The last proposal that repeated a rejected patch: its {@link patchKey}, and which attempt or entry rejected it and why. */
  readonly lastRepeat: { readonly key: string; readonly rejection: string } | undefined;
}

/** The line later prompts show for a proposal that repeated the rejected patch `rejection` describes. */
export const repeatNotice = (idea: string, rejection: string): string =>
  `[REJECTED BEFORE, not run again] ${idea} — this exact patch was rejected before (${rejection}). Do not propose it again: propose a different patch.`;

/**
 * Tries up to `attempts` patches, stopping at the first whose target test passes. Up to
 * `concurrency` screens run at once: while one candidate's test file runs, the model is asked for
 * the next, told that the ones in flight are being tried. Attempts come back in the order they
 * finished, those that pass last.
 */
export async function attemptFixes(options: AttemptOptions): Promise<AttemptsOutcome> {
  const tried = [...options.tried];
  const done: Attempt[] = [];
  // Patches known to fail, and those being screened: the same edits again are a repeat, not a new attempt.
  const rejected = new Map(options.rejected);
  const maxRepeats = options.maxRepeats ?? 3;
  let repeats = 0;
  let lastRepeat: AttemptsOutcome['lastRepeat'];
  const { testFile, testSource, output, testId } = options.failure;
  const testCode = testSource === undefined ? undefined : testExcerpt(testFile, testSource, output, testId);
  const limit = Math.max(1, options.concurrency ?? 1);
  const running = new Set<Promise<void>>();
  const errors: unknown[] = [];
  let exhausted: string | undefined;
  let asked = 0;
  const passed = () => done.some((a) => a.passes);

  const ask = async (): Promise<PatchProposal | undefined> => {
    try {
      const reply = await options.model.complete({
        system: patchPrompt.system,
        messages: [
          {
            role: 'user',
            content: patchPrompt.render({
              failingTest: options.failure.testId,
              output: options.failure.output,
              testCode,
              files: options.files,
              executedLines: options.failure.executedLines,
              executedByTest: options.failure.executedByTest,
              digest: [options.context ?? '', ...tried].filter(Boolean).join('\n'),
            }),
          },
        ],
        schema: patchPrompt.schema,
        schemaName: patchPrompt.schemaName,
        signal: options.signal,
        context: options.callContext,
      });
      if (!reply.object) throw new DelmError('MALFORMED_OUTPUT', 'the patch step returned no patch');
      return reply.object;
    } catch (error) {
      if (error instanceof DelmError && error.code === 'NOT_FOUND') {
        exhausted = error.message;
        return undefined;
      }
      throw error;
    }
  };

  const start = (proposal: PatchProposal, key: string) => {
    // The model sees the candidates in flight, so it proposes another.
    const pending = `[being tried] ${proposal.idea}`;
    tried.push(pending);
    rejected.set(key, 'it is being tried now');
    const job = (async () => {
      const tests = editedTestFiles(proposal.edits, options.testFiles);
      const outcome = tests.length
        ? { passes: false, parses: true, detail: testEditRefusal(tests) }
        : await screen(options, proposal.edits);
      const attempt = { proposal, ...outcome };
      done.push(attempt);
      if (!attempt.passes) rejected.set(key, attempt.detail);
      tried[tried.indexOf(pending)] = options.describe(attempt);
    })().catch((error: unknown) => void errors.push(error));
    running.add(job);
    void job.finally(() => running.delete(job));
  };

  try {
    while (!passed() && !errors.length) {
      while (
        running.size < limit &&
        asked < options.attempts &&
        exhausted === undefined &&
        repeats < maxRepeats &&
        !passed()
      ) {
        const proposal = await ask();
        if (!proposal) break;
        asked++;
        const key = patchKey(proposal.edits);
        const rejection = rejected.get(key);
        if (rejection === undefined) {
          start(proposal, key);
          continue;
        }
        // The same edits as a patch already rejected: not run again; the model's next prompt says so.
        tried.push(repeatNotice(proposal.idea, rejection));
        repeats++;
        lastRepeat = { key, rejection };
      }
      if (!running.size) break;
      await Promise.race(running);
    }
  } finally {
    await Promise.all(running);
  }
  if (errors.length) throw errors[0];
  const attempts = [...done.filter((a) => !a.passes), ...done.filter((a) => a.passes)];
  return { attempts, exhausted, unparsed: unparsedIn(attempts), repeats, lastRepeat };
}

const unparsedIn = (attempts: readonly Attempt[]) => attempts.filter((a) => !a.parses).length;

/**
 * Screens a patch cheaply first — it must apply, and every JavaScript file it edits must still
 * parse — then applies it to a private copy and runs the target's test file only: the target must
 * pass, and so must the tests of that file that passed before.
 */
async function screen(options: AttemptOptions, patch: Patch): Promise<Omit<Attempt, 'proposal'>> {
  const { workspace, failure, testCommand } = options;
  try {
    const edited = await patchFiles(workspace, parsePatch(patch));
    const broken = edited.map((f) => syntaxError(f.file, f.before, f.after)).find(Boolean);
    if (broken) return { passes: false, parses: false, detail: `does not parse, not run: ${broken}` };
  } catch (error) {
    if (error instanceof PatchError) return { passes: false, parses: true, detail: `does not apply: ${error.message}` };
    throw error;
  }
  return withWorkspaceCopy(workspace, async (copy) => {
    await applyPatch(copy, parsePatch(patch));
    const run = await runTests(copy, {
      files: [failure.testFile],
      timeoutMs: options.testTimeoutMs,
      signal: options.signal,
      ...(testCommand ? { testCommand } : {}),
    });
    const target = run.results.find((r) => r.id === failure.testId);
    if (targetStatus(failure.testId, run.results) !== 'pass')
      return { passes: false, parses: true, detail: `target still fails: ${clip(target?.error ?? run.output, 160)}` };
    // The whole suite is the verifier's: what the screen ran already tells a regression in the target's own file.
    const after = new Map(run.results.map((r) => [r.id, r.status]));
    const regressed = (failure.passedBefore ?? []).filter((id) => after.get(id) !== 'pass');
    return regressed.length
      ? {
          passes: false,
          parses: true,
          detail: clip(
            `target passes but ${regressed.length} other test(s) of its file fail: ${regressed.join(', ')}`,
            200,
          ),
        }
      : { passes: true, parses: true, detail: 'target passes' };
  });
}
