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
import { applyPatch, parsePatch, type Patch } from '../../workloads/debugging/patch.js';
import { runTests } from '../../workloads/debugging/test-runner.js';
import { withWorkspaceCopy } from '../../workloads/debugging/workspace.js';

/** Files under a test folder or named `*.test.*`: patches may not touch them. */
export const TEST_PATH = /(?:^|\/)(?:test|tests|__tests__)\/|\.test\.[cm]?[jt]s$/;

/** The failing test an attempt is for. */
export interface FailingTest {
  readonly testId: string;
  readonly testFile: string;
  /** The failure message and stack trace. */
  readonly output: string;
}

/** One screened attempt. */
export interface Attempt {
  readonly proposal: PatchProposal;
  readonly passes: boolean;
  /** "target passes", or why not. */
  readonly detail: string;
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
  readonly testTimeoutMs: number;
  /** A shell command printing TAP, instead of the detected runner. */
  readonly testCommand?: string | undefined;
  readonly callContext: { role: string; taskId?: number };
  /** Turns an attempt into the line later prompts show for it. */
  readonly describe: (attempt: Attempt) => string;
}

/** Tries up to `attempts` patches; `exhausted` when the model has nothing left to propose (the offline search ran out). */
export async function attemptFixes(
  options: AttemptOptions,
): Promise<{ attempts: Attempt[]; exhausted: string | undefined }> {
  const tried = [...options.tried];
  const attempts: Attempt[] = [];
  for (let i = 0; i < options.attempts; i++) {
    let proposal: PatchProposal;
    try {
      const reply = await options.model.complete({
        system: patchPrompt.system,
        messages: [
          {
            role: 'user',
            content: patchPrompt.render({
              failingTest: options.failure.testId,
              output: options.failure.output,
              files: options.files,
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
      proposal = reply.object;
    } catch (error) {
      if (error instanceof DelmError && error.code === 'NOT_FOUND') return { attempts, exhausted: error.message };
      throw error;
    }
    const outcome = proposal.edits.some((e) => TEST_PATH.test(e.file))
      ? { passes: false, detail: 'edits a test file; fix the code, not the test' }
      : await screen(options.workspace, proposal.edits, options.failure, options.testTimeoutMs, options.testCommand);
    const attempt = { proposal, ...outcome };
    attempts.push(attempt);
    if (attempt.passes) break;
    tried.push(options.describe(attempt));
  }
  return { attempts, exhausted: undefined };
}

/** Applies a patch to a private copy and runs the target's test file only. */
async function screen(
  workspace: string,
  patch: Patch,
  failure: FailingTest,
  timeoutMs: number,
  testCommand: string | undefined,
): Promise<{ passes: boolean; detail: string }> {
  return withWorkspaceCopy(workspace, async (copy) => {
    try {
      await applyPatch(copy, parsePatch(patch));
    } catch (error) {
      if (error instanceof PatchError) return { passes: false, detail: `does not apply: ${error.message}` };
      throw error;
    }
    const run = await runTests(copy, { files: [failure.testFile], timeoutMs, ...(testCommand ? { testCommand } : {}) });
    const target = run.results.find((r) => r.id === failure.testId);
    return {
      passes: target?.status === 'pass',
      detail:
        target?.status === 'pass' ? 'target passes' : `target still fails: ${clip(target?.error ?? run.output, 160)}`,
    };
  });
}
