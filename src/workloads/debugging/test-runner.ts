import { spawn } from 'node:child_process';
import path from 'node:path';
import { z } from 'zod';

/** Outcome of one test in a run. */
export type TestStatus = 'pass' | 'fail' | 'skip';

/** One test's result; `name` joins nested suite names with " > ". */
export interface TestResult {
  /** Workspace-relative test file, `/`-separated. */
  readonly file: string;
  readonly name: string;
  /** `file > name`: stable across copies of the workspace. */
  readonly id: string;
  readonly status: TestStatus;
  /** True when the whole file failed outside any test (syntax error, failed import, crash). */
  readonly fileLevel: boolean;
  /** The failure message, truncated. */
  readonly error?: string;
}

/** A whole `node --test` run. */
export interface TestRun {
  readonly results: readonly TestResult[];
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly timedOut: boolean;
  readonly exitCode: number | null;
  readonly durationMs: number;
  /** Human-readable digest: failures with their messages, then stderr; truncated. */
  readonly output: string;
}

/** Options of {@link runTests}. */
export interface RunTestsOptions {
  /** Run only these workspace-relative test files (default: let `node --test` discover them). */
  readonly files?: readonly string[];
  /** Kill the whole run after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** Per-test timeout passed to `node --test` (default 10 s). */
  readonly testTimeoutMs?: number;
  /** Cap on `output` (default 8,000 characters). */
  readonly maxOutputChars?: number;
}

/** The stable id of a test: `file > name`. */
export function testId(file: string, name: string): string {
  return `${file} > ${name}`;
}

// A node:test reporter that prints one JSON line per test start/pass/fail, marked so stray output can't be mistaken for it.
const REPORTER_SOURCE = `
export default async function* delmReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:start' && event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const d = event.data;
    let err;
    if (event.type === 'test:fail') {
      const e = d.details && d.details.error;
      const inner = e && e.cause && typeof e.cause === 'object' ? e.cause : e;
      err = String((inner && (inner.stack || inner.message)) || (e && e.message) || 'failed').slice(0, 2000);
    }
    yield '@@delm ' + JSON.stringify({
      t: event.type.slice(5), f: d.file ?? null, n: d.name, l: d.nesting,
      s: Boolean(d.skip || d.todo), suite: Boolean(d.details && d.details.type === 'suite'), e: err,
    }) + '\\n';
  }
}`;
const REPORTER_URL = `data:text/javascript;base64,${Buffer.from(REPORTER_SOURCE).toString('base64')}`;

const eventSchema = z.object({
  t: z.enum(['start', 'pass', 'fail']),
  f: z.string().nullable(),
  n: z.string(),
  l: z.number().int().nonnegative(),
  s: z.boolean(),
  suite: z.boolean(),
  e: z.string().optional(),
});

/** Environment for test subprocesses: enough to run node, and none of the parent's secrets or test-runner state. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'TEMP', 'TMP', 'LANG', 'LC_ALL', 'SYSTEMROOT']) {
    const v = process.env[key];
    if (v !== undefined) env[key] = v;
  }
  env['NODE_ENV'] = 'test';
  return env;
}

/** Runs a workspace's tests with `node --test` in a child process group, bounded by `timeoutMs`, and reports each test. */
export async function runTests(dir: string, options: RunTestsOptions = {}): Promise<TestRun> {
  const root = path.resolve(dir);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const args = [
    '--test',
    `--test-reporter=${REPORTER_URL}`,
    `--test-timeout=${options.testTimeoutMs ?? 10_000}`,
    ...(options.files ?? []),
  ];
  const started = Date.now();
  const child = spawn(process.execPath, args, { cwd: root, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });

  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 64_000) stderr += chunk;
  });

  let timedOut = false;
  const killGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, timeoutMs);

  const exitCode = await new Promise<number | null>((resolve) => {
    child.on('error', (err) => {
      stderr += `\n${err.message}`;
      resolve(null);
    });
    child.on('close', (code) => resolve(code));
  });
  clearTimeout(timer);

  const results = parseReporterOutput(stdout, root);
  const count = (s: TestStatus) => results.filter((r) => r.status === s).length;
  return {
    results,
    passed: count('pass'),
    failed: count('fail'),
    skipped: count('skip'),
    timedOut,
    exitCode,
    durationMs: Date.now() - started,
    output: digest(results, stderr, timedOut, timeoutMs, options.maxOutputChars ?? 8_000),
  };
}

/** Turns the reporter's JSON lines into per-test results (leaf tests and file-level failures; suites are dropped). */
export function parseReporterOutput(stdout: string, root: string): TestResult[] {
  const stacks = new Map<string, string[]>();
  const results: TestResult[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('@@delm ')) continue;
    let parsed;
    try {
      parsed = eventSchema.safeParse(JSON.parse(line.slice(7)));
    } catch {
      continue;
    }
    if (!parsed.success) continue;
    const ev = parsed.data;
    const absFile = ev.f ?? '';
    const file = absFile ? path.relative(root, absFile).split(path.sep).join('/') : '(unknown)';
    const stack = stacks.get(file) ?? [];
    stacks.set(file, stack);
    if (ev.t === 'start') {
      stack.length = ev.l;
      stack.push(ev.n);
      continue;
    }
    if (ev.suite) continue;
    const fileLevel = ev.l === 0 && absFile !== '' && ev.n === absFile;
    const name = fileLevel ? file : [...stack.slice(0, ev.l), ev.n].join(' > ');
    const status: TestStatus = ev.s ? 'skip' : ev.t === 'pass' ? 'pass' : 'fail';
    results.push({
      file,
      name,
      id: testId(file, name),
      status,
      fileLevel,
      ...(ev.e !== undefined ? { error: ev.e } : {}),
    });
  }
  return results;
}

function digest(results: readonly TestResult[], stderr: string, timedOut: boolean, timeoutMs: number, max: number): string {
  const lines: string[] = [];
  if (timedOut) lines.push(`test run killed after ${timeoutMs} ms`);
  const failures = results.filter((r) => r.status === 'fail');
  lines.push(`${results.filter((r) => r.status === 'pass').length} passed, ${failures.length} failed`);
  for (const f of failures) lines.push(`✗ ${f.id}\n  ${(f.error ?? '').split('\n').slice(0, 8).join('\n  ')}`);
  if (stderr.trim()) lines.push(`stderr:\n${stderr.trim()}`);
  const text = lines.join('\n');
  return text.length > max ? `${text.slice(0, max - 15)}\n…[truncated]` : text;
}
