import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { executedByAny, formatLines, readCoverage } from './coverage.js';
import { PatchError, WorkloadFileError } from '../errors.js';
import { applyPatch, parsePatch, resolveInside, type Patch } from './patch.js';
import { flakyTests, targetStatus } from './scoring.js';
import { editedTestFiles, knownTestFiles, testEditRefusal } from './test-files.js';
import { canRunOne, coverageDirOf, runTests, testId, type RunTestsOptions, type TestRun } from './test-runner.js';
import { unifiedDiff } from './unified-diff.js';
import { loadWorkspace, withWorkspaceCopy } from './workspace.js';

/** One debugging sub-task: make this failing test pass without breaking the others. */
export interface DebugSubTask {
  /** `testFile > testName`. */
  readonly id: string;
  readonly testFile: string;
  readonly testName: string;
  /** The failure message (truncated) from the baseline run. */
  readonly error: string;
  /** Workspace files the test file imports directly: where the bug most likely is. */
  readonly relatedFiles: readonly string[];
  /**
   * Per related JavaScript file, the lines its test file's run executed (`1-12,15`, see
   * {@link formatLines}); a file missing here has no coverage (the run was killed, or it is not JavaScript).
   */
  readonly executedLines?: Readonly<Record<string, string>>;
  /**
   * Per related JavaScript file, the lines a run of this test alone executed (runners that can run
   * one test, and only when it failed alone too): where the fault most likely is. Not a bound — a
   * test before it in its file may set up state it reads.
   */
  readonly executedByTest?: Readonly<Record<string, string>>;
}

/** Names a test: a sub-task, or its file and name. */
export type TestRef = { readonly testFile: string; readonly testName: string } | string;

/** Evidence for or against one patch, from running the whole suite on a patched copy. */
export interface PatchVerification {
  /** False when the patch could not be applied or edits a test file (see `rejection`); nothing was run then. */
  readonly applied: boolean;
  readonly rejection?: string;
  readonly targetPasses: boolean;
  /** Ids of tests that passed before the patch and do not pass after it. */
  readonly regressions: readonly string[];
  /**
   * Target passes, nothing regressed. A file killed at its time limit counts only through its tests:
   * a test that passed before and times out now regressed; one that hung before the patch too does
   * not refuse it.
   */
  readonly verified: boolean;
  readonly run?: TestRun;
  /** Truncated digest of the run (or the rejection). */
  readonly output: string;
}

/** A patch offered for merging, named so the report can say which were taken. */
export interface MergeCandidate {
  readonly id: string;
  readonly patch: Patch;
}

/** Outcome of {@link mergePatches}. */
export interface MergeResult {
  readonly applied: readonly string[];
  readonly skipped: readonly { readonly id: string; readonly reason: string }[];
  /** The edits of every applied patch, in order: apply this to the real workspace to get the merged state. */
  readonly combined: Patch;
  readonly run: TestRun;
  /** Every test passed on the merged copy. */
  readonly allPass: boolean;
  /** The merged state as a unified diff against the workspace (`git apply`-able there); '' when nothing was applied. */
  readonly diff: string;
}

/** Options shared by the verifying functions. */
export interface VerifyOptions extends RunTestsOptions {
  /** A run of the unpatched workspace, to avoid re-running it for every patch. */
  readonly baseline?: TestRun;
}

function refId(ref: TestRef): string {
  return typeof ref === 'string' ? ref : testId(ref.testFile, ref.testName);
}

/**
 * Runs the workspace's suite twice and returns one sub-task per test that failed both times; tests
 * whose outcome differed between the runs are `flaky` and are neither targets nor regressions later.
 * The second run records V8 block coverage, so each sub-task knows which lines its test file ran;
 * where the runner can run one test, each failing test is run once more alone, for the lines it ran itself.
 */
export async function listFailingTests(
  dir: string,
  options: RunTestsOptions = {},
): Promise<{ tasks: DebugSubTask[]; run: TestRun; flaky: string[] }> {
  const ws = await loadWorkspace(dir, { testCommand: options.testCommand });
  const run = await runTests(ws.dir, { ...options, plan: ws.plan });
  const coverageDir = await mkdtemp(path.join(tmpdir(), 'delm-coverage-'));
  try {
    const again = await runTests(ws.dir, { ...options, plan: ws.plan, coverageDir });
    const flaky = flakyTests(run.results, again.results);
    const tasks: DebugSubTask[] = [];
    for (const r of run.results) {
      if (r.status !== 'fail' || flaky.includes(r.id)) continue;
      const relatedFiles = await importedFiles(ws.dir, r.file, ws.sourceFiles);
      tasks.push({
        id: r.id,
        testFile: r.file,
        testName: r.name,
        error: r.error ?? '',
        relatedFiles,
        executedLines: await executedIn(ws.dir, coverageDirOf(coverageDir, r.file), relatedFiles),
      });
    }
    if (canRunOne(ws.plan)) {
      let next = 0;
      const own = async () => {
        while (next < tasks.length) {
          const i = next++;
          const task = tasks[i]!;
          const dir = path.join(coverageDir, 'one', String(i));
          const alone = await runTests(ws.dir, {
            ...options,
            plan: ws.plan,
            files: [task.testFile],
            only: task.testName.split(' > ').at(-1)!,
            coverageDir: dir,
          });
          if (alone.results.some((r) => r.id === task.id && r.status === 'fail'))
            tasks[i] = {
              ...task,
              executedByTest: await executedIn(ws.dir, coverageDirOf(dir, task.testFile), task.relatedFiles),
            };
        }
      };
      await Promise.all([own(), own()]);
    }
    return { tasks, run, flaky };
  } finally {
    await rm(coverageDir, { recursive: true, force: true });
  }
}

/**
 * The refusal of a workspace whose baseline leaves nothing to fix (no test fails, or only flaky ones
 * do): scored, it would read `0/0 fixed` and count as a wrong answer.
 */
export function nothingToFix(dir: string, run: TestRun, flaky: readonly string[] = []): WorkloadFileError {
  const why =
    run.failed === 0
      ? run.passed > 0
        ? `every test passes (${run.passed} passed)`
        : 'its tests reported no failing test (none ran)'
      : `the only failing tests are flaky (their outcome changed between two runs): ${flaky.join(', ')}`;
  return new WorkloadFileError(dir, `nothing to fix: ${why}; delm run fixes a project's failing tests`);
}

/** Per JavaScript file of `files` that the coverage in `dir` covers, its executed lines. */
async function executedIn(root: string, dir: string, files: readonly string[]): Promise<Record<string, string>> {
  const coverage = await readCoverage(dir, root);
  const out: Record<string, string> = {};
  for (const file of files) {
    const loads = coverage.get(file);
    if (!loads || !/\.[cm]?js$/.test(file)) continue;
    const source = await readFile(path.join(root, file), 'utf8').catch(() => undefined);
    if (source !== undefined) out[file] = formatLines(executedByAny(source, loads));
  }
  return out;
}

const SPECIFIER = /(?:from\s+|import\s*\(\s*|import\s+|require\s*\(\s*)['"](\.{1,2}(?:\/[^'"]*)?)['"]/g;

/** The workspace file a relative specifier names, as node would resolve it (extension, index file, package main). */
async function resolveSpecifier(
  root: string,
  from: string,
  spec: string,
  known: ReadonlySet<string>,
): Promise<string | undefined> {
  // `require('../')` names the folder: drop the trailing slash normalize leaves (`./` → `.`).
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec)).replace(/(.)\/+$/, '$1');
  const candidates = [
    base,
    `${base}.js`,
    `${base}.cjs`,
    `${base}.mjs`,
    `${base}/index.js`,
    `${base}/index.cjs`,
    `${base}/index.mjs`,
  ];
  const main = await readFile(path.join(root, base === '.' ? '' : base, 'package.json'), 'utf8')
    .then((t) => (JSON.parse(t) as { main?: unknown }).main)
    .catch(() => undefined);
  if (typeof main === 'string') {
    const m = path.posix.normalize(path.posix.join(base, main));
    candidates.unshift(m, `${m}.js`, `${m}/index.js`);
  }
  return candidates.map((c) => c.replace(/^\.\//, '')).find((c) => known.has(c));
}

/** Workspace source files that `testFile` imports or requires with a relative specifier, followed two levels deep. */
async function importedFiles(root: string, testFile: string, sources: readonly string[]): Promise<string[]> {
  const known = new Set(sources);
  const out = new Set<string>();
  let frontier = [testFile];
  for (let depth = 0; depth < 2 && frontier.length; depth++) {
    const next: string[] = [];
    for (const file of frontier) {
      const text = await readFile(path.join(root, file), 'utf8').catch(() => '');
      for (const m of text.matchAll(SPECIFIER)) {
        const hit = await resolveSpecifier(root, file, m[1] ?? '', known);
        if (hit && !out.has(hit)) {
          out.add(hit);
          next.push(hit);
        }
      }
    }
    frontier = next;
  }
  return [...out].sort();
}

/**
 * Applies `patch` to an isolated copy of the workspace and runs the whole suite there. The patch
 * is verified when the target test passes and no test that passed before fails (or vanishes) after.
 * A patch that edits a test file (see `isTestFile`: the runner's files, those the baseline reported
 * tests from, or a test-like name) is refused unrun.
 */
export async function verifyPatch(
  workspace: string,
  patch: Patch,
  target: TestRef,
  options: VerifyOptions = {},
): Promise<PatchVerification> {
  const ws = await loadWorkspace(workspace, { testCommand: options.testCommand });
  const baseline = options.baseline ?? (await runTests(ws.dir, { ...options, plan: ws.plan }));
  const targetId = refId(target);
  const tests = editedTestFiles(parsePatchOrEmpty(patch), knownTestFiles(ws.testFiles, baseline.results));
  if (tests.length) {
    const rejection = testEditRefusal(tests);
    return {
      applied: false,
      rejection,
      targetPasses: false,
      regressions: [],
      verified: false,
      output: `patch rejected: ${rejection}`,
    };
  }
  return withWorkspaceCopy(ws.dir, async (copy) => {
    try {
      await applyPatch(copy, parsePatch(patch));
    } catch (err) {
      if (!(err instanceof PatchError)) throw err;
      return {
        applied: false,
        rejection: err.message,
        targetPasses: false,
        regressions: [],
        verified: false,
        output: `patch rejected: ${err.message}`,
      };
    }
    const run = await runTests(copy, { ...options, plan: ws.plan });
    const after = new Map(run.results.map((r) => [r.id, r.status]));
    const targetPasses = targetStatus(targetId, run.results) === 'pass';
    const regressions = baseline.results
      .filter((r) => r.status === 'pass' && after.get(r.id) !== 'pass')
      .map((r) => r.id);
    return {
      applied: true,
      targetPasses,
      regressions,
      verified: targetPasses && regressions.length === 0,
      run,
      output: run.output,
    };
  });
}

/** The edits of `patch`, or none when it is not a valid patch (applying it reports why). */
function parsePatchOrEmpty(patch: unknown): Patch {
  try {
    return parsePatch(patch);
  } catch (err) {
    if (err instanceof PatchError) return [];
    throw err;
  }
}

/**
 * Applies the candidates in order on one isolated copy, skipping any that edit a test file, that no
 * longer apply cleanly after the earlier ones (a conflict) or that duplicate an applied one, then
 * runs the whole suite.
 * The real workspace is not touched; `combined` is the merged patch.
 */
export async function mergePatches(
  workspace: string,
  candidates: readonly MergeCandidate[],
  options: RunTestsOptions = {},
): Promise<MergeResult> {
  const ws = await loadWorkspace(workspace, { testCommand: options.testCommand });
  return withWorkspaceCopy(ws.dir, async (copy) => {
    const applied: string[] = [];
    const skipped: { id: string; reason: string }[] = [];
    const combined: Patch[number][] = [];
    const seen = new Set<string>();
    for (const candidate of candidates) {
      const key = JSON.stringify(candidate.patch);
      const tests = editedTestFiles(parsePatchOrEmpty(candidate.patch), ws.testFiles);
      if (tests.length) {
        skipped.push({ id: candidate.id, reason: testEditRefusal(tests) });
        continue;
      }
      if (seen.has(key)) {
        skipped.push({ id: candidate.id, reason: 'duplicate of a patch already applied' });
        continue;
      }
      try {
        await applyPatch(copy, parsePatch(candidate.patch));
      } catch (err) {
        if (!(err instanceof PatchError)) throw err;
        skipped.push({ id: candidate.id, reason: `conflicts with the patches applied before it: ${err.message}` });
        continue;
      }
      seen.add(key);
      applied.push(candidate.id);
      combined.push(...candidate.patch);
    }
    const run = await runTests(copy, { ...options, plan: ws.plan });
    const files = [...new Set(combined.map((e) => e.file.replace(/\\/g, '/')))];
    const changes = await Promise.all(
      files.map(async (file) => ({
        file,
        before: await readFile(resolveInside(ws.dir, file), 'utf8'),
        after: await readFile(resolveInside(copy, file), 'utf8'),
      })),
    );
    return {
      applied,
      skipped,
      combined,
      run,
      allPass: run.failed === 0 && !run.timedOut && run.passed > 0,
      diff: unifiedDiff(changes),
    };
  });
}
