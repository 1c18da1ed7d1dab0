/** One test process, bounded: its own process group, a wall-clock limit, a heap cap, and no secrets in its environment. */
import { spawn } from 'node:child_process';

/** Options of {@link runBounded}. */
export interface BoundedOptions {
  readonly cwd: string;
  /** Kill the whole process group after this long. */
  readonly timeoutMs: number;
  /** V8 old-space cap for every node process it starts (inherited through NODE_OPTIONS). */
  readonly memoryMb: number;
  /** Run through `sh -c` (a user's `--test-command`). */
  readonly shell?: boolean;
  readonly signal?: AbortSignal;
  /** Variables added to the child's environment (e.g. `NODE_V8_COVERAGE`). */
  readonly env?: Readonly<Record<string, string>>;
}

/** What a bounded process left behind. */
export interface BoundedOutcome {
  readonly stdout: string;
  readonly stderr: string;
  /** Lines the process wrote to file descriptor 3 (the preload's synchronous test markers). */
  readonly marks: string;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
}

const MAX_STDERR = 64_000;
const MAX_STDOUT = 16 << 20;

/** Environment for test subprocesses: enough to run node, none of the parent's secrets or test-runner state. */
export function childEnv(memoryMb: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'TEMP', 'TMP', 'LANG', 'LC_ALL', 'SYSTEMROOT']) {
    const v = process.env[key];
    if (v !== undefined) env[key] = v;
  }
  env['NODE_ENV'] = 'test';
  env['NODE_OPTIONS'] = `--max-old-space-size=${memoryMb}`;
  env['CI'] = 'true';
  env['NO_COLOR'] = '1';
  env['FORCE_COLOR'] = '0';
  return env;
}

/** Runs `command args` detached and kills its whole group (`process.kill(-pid)`) at the time limit or on abort. */
export async function runBounded(
  command: string,
  args: readonly string[],
  options: BoundedOptions,
): Promise<BoundedOutcome> {
  const started = Date.now();
  const child = options.shell
    ? spawn('sh', ['-c', command], {
        cwd: options.cwd,
        env: { ...childEnv(options.memoryMb), ...options.env },
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        detached: true,
      })
    : spawn(command, [...args], {
        cwd: options.cwd,
        env: { ...childEnv(options.memoryMb), ...options.env },
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        detached: true,
      });
  let stdout = '';
  let stderr = '';
  let marks = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    if (stdout.length < MAX_STDOUT) stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < MAX_STDERR) stderr += chunk;
  });
  const fd3 = child.stdio[3];
  if (fd3 && 'setEncoding' in fd3)
    (fd3 as NodeJS.ReadableStream).setEncoding('utf8').on('data', (chunk: string) => (marks += chunk));

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
  }, options.timeoutMs);
  const onAbort = () => killGroup();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const exitCode = await new Promise<number | null>((resolve) => {
    child.on('error', (err) => {
      stderr += `\n${err.message}`;
      resolve(null);
    });
    child.on('close', (code) => resolve(code));
  });
  clearTimeout(timer);
  options.signal?.removeEventListener('abort', onAbort);
  // A grandchild that kept the pipes open is gone with the group; make sure nothing outlives the run.
  killGroup();
  return { stdout, stderr, marks, exitCode, timedOut, durationMs: Date.now() - started };
}
