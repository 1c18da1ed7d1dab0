/** What every `delm` sub-command is: a name, its help text, and a `run` that resolves to an exit code. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DelmError } from '../errors.js';

/** Exit codes scripts can rely on. */
export const EXIT = {
  ok: 0,
  /** The command ran and failed (a run that errored, a failed bench). */
  failure: 1,
  /** Bad arguments or input files: nothing was run. */
  usage: 2,
  /** Interrupted (SIGINT/SIGTERM). */
  interrupted: 130,
} as const;

/** Where a command writes and what it may read of its process. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** Whether stdout is a terminal (live progress display) or a pipe (plain lines). */
  isTTY: boolean;
}

/** A sub-command. */
export interface Command {
  readonly name: string;
  /** One line for `delm --help`. */
  readonly summary: string;
  /** `delm <name> --help`. */
  readonly usage: string;
  run(args: string[], io: CliIO): Promise<number>;
}

/** A bad argument or input file: printed with the command's usage, exit code 2. */
export class UsageError extends DelmError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
    this.name = 'UsageError';
  }
}

/** Where a command takes the Redis password from: unlike a URL on the command line, it stays out of process lists. */
export const REDIS_PASSWORD_ENV = 'DELM_REDIS_PASSWORD';

/**
 * The Redis URL of `--redis`, with the password of {@link REDIS_PASSWORD_ENV} when the URL carries
 * none; undefined when `--redis` was not given.
 */
export function redisUrlArg(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const password = env[REDIS_PASSWORD_ENV];
  if (flag === undefined || !password || !URL.canParse(flag)) return flag;
  const url = new URL(flag);
  if (url.password) return flag;
  // The setter leaves "%" as it is, and node-redis decodes what it finds: encode it all first.
  url.password = encodeURIComponent(password);
  return url.href;
}

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** What {@link parseCommandArgs} returns: typed option values (plus `help`) and positionals. */
export type ParsedCommandArgs<T extends NonNullable<ParseArgsConfig['options']>> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T & typeof HELP; strict: true; allowPositionals: true }>
>;

/** `parseArgs` with errors turned into {@link UsageError}s. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  allowPositionals = true,
): ParsedCommandArgs<T> {
  try {
    return parseArgs({ args, options: { ...options, ...HELP }, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Parses a positive integer option, naming it in the error. */
export function positiveIntArg(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

/** Parses a flag of milliseconds ≥ 0 (`--latency`). */
export function nonNegativeArg(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new UsageError(`--${name} must be a number of milliseconds ≥ 0, got "${value}"`);
  return n;
}

/** Parses `--port`: 0 (any free port) to 65535. */
export function portArg(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new UsageError(`--port must be an integer from 0 to 65535, got "${value}"`);
  return n;
}

/** Resolves when `signal` aborts (at once if it already has): a long-running command's main wait. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return signal.aborted
    ? Promise.resolve()
    : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
