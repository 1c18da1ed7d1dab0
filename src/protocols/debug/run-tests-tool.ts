/**
 * `run_tests`: the debugging protocol's own tool. It runs the project's tests on a private copy of the
 * workspace, with the caller's search/replace edits applied, so a model can try a fix before it
 * answers with one. The real workspace is never touched; the copy is removed afterwards.
 */
import { z } from 'zod';
import { ToolError } from '../../tools/errors.js';
import { defineTool, type Tool } from '../../tools/types.js';
import { clip } from '../kit/text.js';
import { PatchError } from '../../workloads/errors.js';
import { applyPatch, parsePatch, patchSchema } from '../../workloads/debugging/patch.js';
import { detectTestPlan } from '../../workloads/debugging/runners/detect.js';
import { editedTestFiles } from '../../workloads/debugging/test-files.js';
import { runTests, type TestRun } from '../../workloads/debugging/test-runner.js';
import { withWorkspaceCopy } from '../../workloads/debugging/workspace.js';

/** Failing tests listed in one result; the rest are counted. */
const MAX_LISTED = 20;
const NAME = 'run_tests';

const RunTestsInput = z.strictObject({
  /** Test files to run, relative to the workspace (default: every test file). */
  files: z.array(z.string().min(1)).min(1).max(20).optional(),
  /** Search/replace edits applied to the copy first, as in a patch answer. */
  edits: patchSchema.optional(),
});

/** The result a model reads: counts, then each failing test with its error. */
function summary(run: TestRun, edits: number): string {
  const failing = run.results.filter((r) => r.status === 'fail');
  const head = `${run.passed} passed, ${run.failed} failed, ${run.skipped} skipped${edits ? ` with ${edits} edit${edits > 1 ? 's' : ''} applied` : ''}${run.timedOut ? ' (a test file hit its time limit)' : ''}`;
  const lines = failing
    .slice(0, MAX_LISTED)
    .map((r) => `FAIL ${r.id}${r.reason ? ` [${r.reason}]` : ''}: ${clip((r.error ?? '').replace(/\s+/g, ' '), 400)}`);
  if (failing.length > MAX_LISTED) lines.push(`… ${failing.length - MAX_LISTED} more failing`);
  return [head, ...lines].join('\n');
}

/** `run_tests` with a run's test settings (one test file's time limit, an optional TAP command). */
export function runTestsTool(settings: {
  testTimeoutMs: number;
  testCommand?: string | undefined;
}): Tool<z.infer<typeof RunTestsInput>> {
  return defineTool({
    name: NAME,
    description:
      'Run the project tests on a private copy of the workspace, optionally with search/replace edits applied first ' +
      '(the same edits format as a patch: file, search, replace). Returns pass/fail counts and each failing test with ' +
      'its error. Test files cannot be edited. Use it to check a fix before answering with it.',
    input: RunTestsInput,
    // A whole suite may run several files one after another.
    timeoutMs: settings.testTimeoutMs * 4,
    async execute({ files, edits }, { signal, workspace }) {
      if (!workspace) throw new ToolError('TOOL_FAILED', NAME, `${NAME} needs the run's workspace`);
      const relative = files
        ? await Promise.all(files.map(async (f) => (await workspace.resolve(f, NAME)).relative))
        : undefined;
      const known = edits ? (await detectTestPlan(workspace.root, { testCommand: settings.testCommand })).files : [];
      const tests = edits ? editedTestFiles(edits, known) : [];
      if (tests.length)
        throw new ToolError(
          'TOOL_FAILED',
          NAME,
          `${NAME}: edits may not touch test files (${tests.join(', ')}); fix the code, not the test`,
        );
      return withWorkspaceCopy(workspace.root, async (copy) => {
        if (edits)
          await applyPatch(copy, parsePatch(edits)).catch((error: unknown) => {
            if (error instanceof PatchError)
              throw new ToolError('TOOL_FAILED', NAME, `edits do not apply: ${error.message}`);
            throw error;
          });
        const run = await runTests(copy, {
          timeoutMs: settings.testTimeoutMs,
          signal,
          ...(relative ? { files: relative } : {}),
          ...(settings.testCommand ? { testCommand: settings.testCommand } : {}),
        });
        return summary(run, edits?.length ?? 0);
      });
    },
  });
}
