/**
 * Built-in tool `run_command`: runs one allow-listed executable (no shell) in a fresh copy of the
 * workspace, with a time limit and an output cap, and removes the copy afterwards. Off by default:
 * it is offered only when named in `tools.use` with `tools.runCommand.allow` listing the
 * executables. It is not a sandbox — an allowed program runs with delm's rights — so the allow-list
 * is the control: allow programs whose every argument is harmless to you. The child gets a minimal
 * environment (PATH, HOME = the copy, LANG), never delm's own (API keys stay out).
 */
import { spawn } from 'node:child_process';
import { cp, lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ToolError } from '../errors.js';
import { capBytes } from '../toolbox.js';
import { defineTool, type Tool } from '../types.js';
import { needWorkspace } from './list-files.js';

/** `tools.runCommand`: what `run_command` may run, for how long, and how much output it keeps. */
export const RunCommandOptionsSchema = z
  .object({
    /** Executables it may run: bare names (looked up on PATH) or absolute paths, matched exactly. */
    allow: z
      .array(z.string().regex(/^(?:[A-Za-z0-9._+-]+|\/[^\0]+)$/, 'an executable name or an absolute path'))
      .min(1)
      .max(64),
    /** Time limit of one command, ms; the process (and its group) is killed past it. */
    timeoutMs: z.number().int().positive().max(600_000).default(10_000),
    /** Most bytes of output (stdout and stderr together) kept. */
    maxOutputBytes: z.number().int().min(256).max(1_048_576).default(16_384),
    /** Largest workspace it copies, in bytes. */
    maxCopyBytes: z
      .number()
      .int()
      .positive()
      .max(1024 ** 3)
      .default(64 * 1024 ** 2),
  })
  .strict();
/** Resolved `tools.runCommand`. */
export type RunCommandOptions = z.output<typeof RunCommandOptionsSchema>;

/** Input of `run_command`. */
export interface RunCommandInput {
  command: string;
  args?: string[] | undefined;
}

/** Copies the workspace root to a new temporary folder, refusing one over `maxBytes`. */
async function workingCopy(root: string, maxBytes: number): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'delm-run-'));
  let bytes = 0;
  try {
    await cp(root, dir, {
      recursive: true,
      verbatimSymlinks: true,
      filter: async (src) => {
        bytes += (await lstat(src)).size;
        if (bytes > maxBytes)
          throw new ToolError(
            'TOOL_FAILED',
            'run_command',
            `run_command: the workspace is over ${maxBytes} bytes (tools.runCommand.maxCopyBytes); not copied`,
          );
        return true;
      },
    });
    return dir;
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Runs `command` in `cwd`; resolves with its exit and capped output, or rejects on time-out, abort or spawn failure. */
function runIn(
  cwd: string,
  command: string,
  args: readonly string[],
  options: RunCommandOptions,
  signal: AbortSignal,
): Promise<{ code: number | null; signal: string | null; output: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      shell: false,
      detached: true, // its own process group, so a time-out kills what it started too
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, LANG: 'C.UTF-8' },
    });
    const chunks: Buffer[] = [];
    let kept = 0;
    let bytes = 0;
    const take = (chunk: Buffer) => {
      bytes += chunk.length;
      if (kept < options.maxOutputBytes) {
        chunks.push(chunk.subarray(0, options.maxOutputBytes - kept));
        kept += Math.min(chunk.length, options.maxOutputBytes - kept);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let stopped: ToolError | undefined;
    const kill = (why: ToolError) => {
      stopped ??= why;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* it ended meanwhile */
      }
    };
    const timer = setTimeout(
      () =>
        kill(
          new ToolError(
            'TOOL_TIMEOUT',
            'run_command',
            `run_command: ${command} ran past its ${options.timeoutMs} ms limit and was killed`,
          ),
        ),
      options.timeoutMs,
    );
    const onAbort = () =>
      kill(new ToolError('TOOL_TIMEOUT', 'run_command', `run_command: ${command} was stopped (the call ended)`));
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    child.on('error', (err) => {
      done();
      reject(new ToolError('TOOL_FAILED', 'run_command', `run_command: cannot run ${command}: ${err.message}`));
    });
    child.on('close', (code, sig) => {
      done();
      if (stopped) reject(stopped);
      else
        resolve({
          code,
          signal: sig,
          output: capBytes(Buffer.concat(chunks).toString('utf8'), options.maxOutputBytes).text,
          bytes,
        });
    });
  });
}

/** `run_command` with `options` (see the module comment). */
export function runCommandTool(options: RunCommandOptions): Tool<RunCommandInput> {
  const allowed = new Set(options.allow);
  return defineTool({
    name: 'run_command',
    description: `Runs one program (no shell: no pipes, globs or redirections) with arguments in a fresh copy of the workspace, removed afterwards; prints its exit status, then stdout and stderr (at most ${options.maxOutputBytes} bytes). Allowed programs: ${[...allowed].join(', ')}. Time limit ${options.timeoutMs} ms.`,
    input: z
      .object({
        command: z.string().min(1).max(500).describe('program to run, one of the allowed ones'),
        args: z.array(z.string().max(4_096)).max(100).optional().describe('its arguments, each a separate string'),
      })
      .strict(),
    async execute(input, { workspace, signal }) {
      const ws = needWorkspace(workspace, 'run_command');
      if (!allowed.has(input.command))
        throw new ToolError(
          'TOOL_NOT_ALLOWED',
          'run_command',
          `run_command: ${JSON.stringify(input.command)} is not an allowed program; allowed: ${[...allowed].join(', ')}`,
        );
      const dir = await workingCopy(ws.root, options.maxCopyBytes);
      try {
        const args = input.args ?? [];
        const r = await runIn(dir, input.command, args, options, signal);
        const status = r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
        const cut =
          r.bytes > options.maxOutputBytes ? `\n[output cut at ${options.maxOutputBytes} of ${r.bytes} bytes]` : '';
        return `$ ${[input.command, ...args].join(' ')}\n[${status}]\n${r.output}${cut}`;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  });
}
