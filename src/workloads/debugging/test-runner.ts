/**
 * Runs a workspace's tests with its own runner (node:test, mocha, jest, vitest, tape, or a
 * `--test-command` printing TAP), one bounded process per test file so a hang or a blow-up in one
 * file hides nothing in the others, and reads per-test outcomes from machine-readable output.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBounded, type BoundedOutcome } from './runners/bounded-process.js';
import { detectTestPlan, type TestPlan } from './runners/detect.js';
import { parseJestJson } from './runners/json-report.js';
import { mochaArgs, mochaReporterPath, parseMochaOutput } from './runners/mocha.js';
import { nodeTestArgs, parseNodeTestOutput, readMarks, type RawResult } from './runners/node-test.js';
import { parseTap } from './runners/tap.js';

/** Outcome of one test in a run. */
export type TestStatus = 'pass' | 'fail' | 'skip';

/** One test's result; `name` joins nested suite names with " > ". */
export interface TestResult {
  /** Workspace-relative test file, `/`-separated (`(command)` for a `--test-command`). */
  readonly file: string;
  readonly name: string;
  /** `file > name`: stable across copies of the workspace. */
  readonly id: string;
  readonly status: TestStatus;
  /** True when the whole file failed outside any test (syntax error, failed import, crash, hang before any test). */
  readonly fileLevel: boolean;
  /** `timeout`: the test (or its file) ran past its time limit and was failed for it. */
  readonly reason?: 'timeout';
  /** The failure message, truncated. */
  readonly error?: string;
}

/** A whole run over every test file. */
export interface TestRun {
  readonly results: readonly TestResult[];
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Some file's process was killed at its time limit. */
  readonly timedOut: boolean;
  readonly exitCode: number | null;
  readonly durationMs: number;
  /** Human-readable digest: failures with their messages, then stderr; truncated. */
  readonly output: string;
}

/** Options of {@link runTests}. */
export interface RunTestsOptions {
  /** Run only these workspace-relative test files (default: every file the runner would run). */
  readonly files?: readonly string[];
  /** Kill one test file's process after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** The runner's own per-test timeout (default: a third of `timeoutMs`, at most 10 s). */
  readonly testTimeoutMs?: number;
  /** V8 heap cap of every test process, MiB (default 512). */
  readonly memoryMb?: number;
  /** A shell command whose stdout is TAP, instead of the detected runner. */
  readonly testCommand?: string;
  /** A plan detected before (saves reading the project again). */
  readonly plan?: TestPlan;
  /** Test files run at once (default 2). */
  readonly concurrency?: number;
  /** Cap on `output` (default 8,000 characters). */
  readonly maxOutputChars?: number;
  readonly signal?: AbortSignal;
  /**
   * Run only the tests whose name contains this text (mocha `--fgrep`, node:test
   * `--test-name-pattern`, jest/vitest `-t`); see {@link canRunOne}. Hooks and the file's top level
   * still run, and a test whose name contains another's runs too.
   */
  readonly only?: string;
  /** Have V8 write each test file's block coverage into `<coverageDir>/<encoded file>/` (see {@link coverageDirOf}). */
  readonly coverageDir?: string;
}

/** Whether runs with the plan's runner can be narrowed to one test ({@link RunTestsOptions.only}). */
export function canRunOne(plan: TestPlan): boolean {
  return plan.kind === 'node-test' || plan.kind === 'mocha' || plan.kind === 'jest' || plan.kind === 'vitest';
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The folder a run with `coverageDir` gave `file`'s coverage. */
export function coverageDirOf(coverageDir: string, file: string): string {
  return path.join(coverageDir, encodeURIComponent(file));
}

/** The stable id of a test: `file > name`. */
export function testId(file: string, name: string): string {
  return `${file} > ${name}`;
}

/** Runs the tests (see the module comment). */
export async function runTests(dir: string, options: RunTestsOptions = {}): Promise<TestRun> {
  const root = path.resolve(dir);
  const plan = options.plan ?? (await detectTestPlan(root, { testCommand: options.testCommand }));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const settings = {
    timeoutMs,
    testTimeoutMs: options.testTimeoutMs ?? Math.min(10_000, Math.max(1_000, Math.floor(timeoutMs / 3))),
    memoryMb: options.memoryMb ?? 512,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.coverageDir ? { coverageDir: options.coverageDir } : {}),
    ...(options.only !== undefined && canRunOne(plan) ? { only: options.only } : {}),
  };
  const started = Date.now();
  const files = plan.kind === 'command' ? ['(command)'] : [...(options.files ?? plan.files)];
  const outcomes: FileOutcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      outcomes[i] = await runFile(root, plan, files[i]!, settings);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 2, files.length)) }, worker));

  const results = outcomes.flatMap((o) => o.results);
  const count = (s: TestStatus) => results.filter((r) => r.status === s).length;
  const timedOut = outcomes.some((o) => o.timedOut);
  const stderr = outcomes
    .filter((o) => o.stderr.trim())
    .map((o) => `[${o.file}] ${o.stderr.trim()}`)
    .join('\n');
  return {
    results,
    passed: count('pass'),
    failed: count('fail'),
    skipped: count('skip'),
    timedOut,
    exitCode: outcomes.reduce<number | null>((code, o) => (o.exitCode === 0 ? code : o.exitCode), 0),
    durationMs: Date.now() - started,
    output: digest(results, stderr, timedOut, timeoutMs, options.maxOutputChars ?? 8_000),
  };
}

interface FileOutcome {
  readonly file: string;
  readonly results: TestResult[];
  readonly timedOut: boolean;
  readonly exitCode: number | null;
  readonly stderr: string;
}

interface Settings {
  readonly timeoutMs: number;
  readonly testTimeoutMs: number;
  readonly memoryMb: number;
  readonly signal?: AbortSignal;
  readonly coverageDir?: string;
  readonly only?: string;
}

const bin = (root: string, name: string) => path.join(root, 'node_modules', '.bin', name);

async function runFile(root: string, plan: TestPlan, file: string, s: Settings): Promise<FileOutcome> {
  const bounded = {
    cwd: root,
    timeoutMs: s.timeoutMs,
    memoryMb: s.memoryMb,
    ...(s.signal ? { signal: s.signal } : {}),
    ...(s.coverageDir ? { env: { NODE_V8_COVERAGE: coverageDirOf(s.coverageDir, file) } } : {}),
  };
  let raw: RawResult[] = [];
  let unfinished: string[] = [];
  let fileError: string | undefined;
  let out: BoundedOutcome;
  switch (plan.kind) {
    case 'node-test': {
      const args = nodeTestArgs(file, s.testTimeoutMs);
      if (s.only !== undefined) args.splice(-1, 0, `--test-name-pattern=${escapeRegExp(s.only)}`);
      out = await runBounded(process.execPath, args, bounded);
      raw = parseNodeTestOutput(out.stdout);
      if (out.timedOut || raw.length === 0) {
        // The reporter never ran again after a test blocked the loop: the preload's marks say what happened.
        const marks = readMarks(out.marks);
        const known = new Set(raw.map((r) => r.name));
        raw = [...raw, ...marks.ended.filter((r) => !known.has(r.name))];
        unfinished = marks.unfinished;
      }
      break;
    }
    case 'mocha': {
      const args = mochaArgs(file, await mochaReporterPath(), plan, s.testTimeoutMs);
      if (s.only !== undefined) args.splice(-1, 0, '--fgrep', s.only);
      out = await runBounded(bin(root, 'mocha'), args, bounded);
      const parsed = parseMochaOutput(out.stdout);
      raw = parsed.results;
      unfinished = parsed.unfinished;
      break;
    }
    case 'jest':
    case 'vitest': {
      const tmp = await mkdtemp(path.join(tmpdir(), 'delm-report-'));
      try {
        const report = path.join(tmp, 'report.json');
        const args =
          plan.kind === 'jest'
            ? ['--ci', '--json', `--outputFile=${report}`, `--testTimeout=${s.testTimeoutMs}`, '--runTestsByPath', file]
            : ['run', '--reporter=json', `--outputFile=${report}`, `--testTimeout=${s.testTimeoutMs}`, file];
        if (s.only !== undefined) args.splice(-1, 0, '-t', escapeRegExp(s.only));
        out = await runBounded(bin(root, plan.kind), args, bounded);
        const parsed = parseJestJson(await readFile(report, 'utf8').catch(() => ''));
        raw = parsed.results;
        fileError = parsed.fileError;
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
      break;
    }
    case 'tape':
      out = await runBounded(process.execPath, [file], bounded);
      raw = parseTap(out.stdout);
      break;
    case 'command':
      out = await runBounded(plan.command ?? 'false', [], { ...bounded, shell: true });
      raw = parseTap(out.stdout);
      break;
  }
  const results: TestResult[] = raw
    .filter((r) => !unfinished.includes(r.name))
    .map((r) => ({
      file,
      name: r.name,
      id: testId(file, r.name),
      status: r.status,
      fileLevel: false,
      ...(r.reason ? { reason: r.reason } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
    }));
  const stderrTail = out.stderr.trim().split('\n').slice(-20).join('\n');
  if (out.timedOut) {
    // A hang is a failure of the test that hung; if no test was running, of the file.
    const stuck = unfinished.length ? unfinished : [file];
    for (const name of stuck)
      results.push({
        file,
        name,
        id: testId(file, name),
        status: 'fail',
        fileLevel: !unfinished.length,
        reason: 'timeout',
        error: `timeout: still running after ${s.timeoutMs} ms; the process group was killed`,
      });
  } else if (out.exitCode !== 0 && !results.some((r) => r.status === 'fail')) {
    // The file failed outside any test (does not load, crashed, ran out of memory): keep the cause.
    results.push({
      file,
      name: file,
      id: testId(file, file),
      status: 'fail',
      fileLevel: true,
      error: (fileError ?? (stderrTail || `exited with code ${out.exitCode}`)).slice(0, 2000),
    });
  }
  return {
    file,
    results,
    timedOut: out.timedOut,
    exitCode: out.exitCode,
    stderr: out.exitCode === 0 ? '' : stderrTail,
  };
}

function digest(
  results: readonly TestResult[],
  stderr: string,
  timedOut: boolean,
  timeoutMs: number,
  max: number,
): string {
  const lines: string[] = [];
  if (timedOut) lines.push(`a test file was killed after ${timeoutMs} ms`);
  const failures = results.filter((r) => r.status === 'fail');
  lines.push(`${results.filter((r) => r.status === 'pass').length} passed, ${failures.length} failed`);
  for (const f of failures) lines.push(`✗ ${f.id}\n  ${(f.error ?? '').split('\n').slice(0, 8).join('\n  ')}`);
  if (stderr.trim()) lines.push(`stderr:\n${stderr.trim()}`);
  const text = lines.join('\n');
  return text.length > max ? `${text.slice(0, max - 15)}\n…[truncated]` : text;
}
