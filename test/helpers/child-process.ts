/**
 * Child processes for multi-process tests: stdout lines kept and waited for, stderr kept, and every
 * process a test file started SIGKILLed after each test (by its pid) if it is still running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A started child process. */
export interface Child {
  readonly child: ChildProcess;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** The first stdout line (so far or to come) that passes `test`; rejects after `ms` or when the process exits. */
  waitFor(test: (line: string) => boolean, ms: number): Promise<string>;
  /** The exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** All of stdout, a newline after each line, once the process has closed it. */
  output(): Promise<string>;
  stderr(): string;
  /** Sends `sig`; throws, with the process's exit and output, when it has already ended. */
  signal(sig: NodeJS.Signals): void;
}

/** Starts and tracks children; call {@link killAll} from `afterEach`. */
export function childProcesses(): {
  start(args: string[], env?: Record<string, string>, cwd?: string): Child;
  killAll(): void;
} {
  const children: ChildProcess[] = [];
  return {
    start(args, env, cwd) {
      const child = spawn(process.execPath, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(env ? { env: { ...process.env, ...env } } : {}),
        ...(cwd ? { cwd } : {}),
      });
      children.push(child);
      const lines: string[] = [];
      let stderr = '';
      const waiters: Array<() => void> = [];
      const stdout = createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(line);
        for (const w of waiters.splice(0)) w();
      });
      const closed = new Promise<void>((resolve) => stdout.once('close', resolve));
      const output = () => closed.then(() => lines.map((l) => `${l}\n`).join(''));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const waitFor = async (test: (line: string) => boolean, ms: number): Promise<string> => {
        const until = Date.now() + ms;
        for (;;) {
          const found = lines.find(test);
          if (found !== undefined) return found;
          if (Date.now() > until || child.exitCode !== null || child.signalCode !== null)
            throw new Error(
              `no such line from ${args.join(' ')} (exit ${child.exitCode ?? child.signalCode}):\n${lines.join('\n')}\n${stderr}`,
            );
          await new Promise<void>((resolve) => {
            waiters.push(resolve);
            setTimeout(resolve, 100);
          });
        }
      };
      const signal = (sig: NodeJS.Signals) => {
        if (child.exitCode === null && child.signalCode === null && child.kill(sig)) return;
        throw new Error(
          `cannot send ${sig} to ${args.join(' ')}: it ended (exit ${child.exitCode ?? child.signalCode}):\n${lines.join('\n')}\n${stderr}`,
        );
      };
      return { child, lines, waitFor, exited, output, stderr: () => stderr, signal };
    },
    killAll() {
      for (const child of children.splice(0))
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGCONT');
          child.kill('SIGKILL');
        }
    },
  };
}

/** Polls `probe` every `everyMs` until it returns a value other than undefined; rejects after `ms` naming `what`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms: number,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
