import { Worker, type WorkerOptions } from 'node:worker_threads';
import { compiledModuleUrl } from './compiled-sources.js';

/** What to hand `new Worker` or piscina to run `moduleUrl` in a worker: compiled JavaScript, or `.ts` through tsx. */
export interface WorkerEntry {
  filename: string;
  workerData: { delmEntry: string; [key: string]: unknown };
}

const bootstrap = new URL('../../actors/worker-entry.mjs', import.meta.url);

/** Extension of delm's own modules where this copy runs: `.ts` from the sources (under tsx), `.js` from the build. */
export const MODULE_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/**
 * URL of one of delm's own modules, `path` written without its extension and resolved against `base`.
 * Only what must be a URL goes through here: the module a worker thread starts from.
 */
export function ownModuleUrl(path: string, base: string | URL): URL {
  return new URL(`${path}${MODULE_EXTENSION}`, base);
}

/**
 * Resolves how to start a worker for `moduleUrl`. Compiled `.js` modules run directly, and so does the
 * compiled mirror of a checkout's `.ts` module (see compiled-sources.ts); other TypeScript goes through
 * a small `.mjs` bootstrap that registers tsx inside the worker.
 */
export function resolveWorkerEntry(moduleUrl: URL | string, data: Record<string, unknown> = {}): WorkerEntry {
  const requested = typeof moduleUrl === 'string' ? moduleUrl : moduleUrl.href;
  const href = compiledModuleUrl(requested) ?? requested;
  const filename = href.endsWith('.ts') ? bootstrap.href : href;
  return { filename, workerData: { ...data, delmEntry: href } };
}

/** A loader flag's value that loads tsx: a path inside its package, or the bare specifier (`--import tsx`, `tsx/esm`). */
const TSX_LOADER = /[\\/]tsx[\\/]|^tsx(?:\/|$)/;

/**
 * The parent's Node flags minus tsx's loader flags and minus the flags a worker refuses. Workers
 * inherit `process.execArgv`; under `tsx` that would load tsx's module hooks (and their own hooks
 * thread) into every worker, even ones that run compiled JavaScript. Worker bootstraps register tsx
 * themselves when they need it. Flags given to a worker explicitly may not set what is the process's
 * alone (V8's, such as `--max-old-space-size`, and a few of Node's): the process has them already,
 * and passing them on would make every worker fail to start (see {@link acceptedByWorkers}).
 */
export function workerExecArgv(parent: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const flag = parent[i]!;
    const [name, inline] = flag.split('=', 2) as [string, string | undefined];
    const takesValue = LOADER_FLAGS.includes(name);
    const value = takesValue ? (inline ?? parent[i + 1]) : undefined;
    if (takesValue && inline === undefined) i++;
    if (takesValue && value !== undefined && TSX_LOADER.test(value)) continue;
    out.push(flag);
    if (takesValue && inline === undefined && value !== undefined) out.push(value);
  }
  return acceptedByWorkers(out);
}

const LOADER_FLAGS = ['--require', '-r', '--import', '--loader', '--experimental-loader'];
const accepted = new Map<string, string[]>();

/**
 * `flags` without those Node refuses in a worker's `execArgv` (ERR_WORKER_INVALID_EXEC_ARGV). Node
 * publishes no list of them, so the first call for a set of flags asks Node: it starts a worker with
 * them (one empty thread, stopped at once) and drops what the refusal names. Preloads (`--import`,
 * `--require`, loaders) are always accepted and are left out of that worker, so none of them runs
 * there. Once per set of flags per process, and never for none.
 */
export function acceptedByWorkers(flags: readonly string[]): string[] {
  const probed: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i]!;
    if (LOADER_FLAGS.includes(flag)) i++;
    else if (!LOADER_FLAGS.includes(flag.split('=', 1)[0]!)) probed.push(flag);
  }
  if (probed.length === 0) return [...flags];
  const key = probed.join('\0');
  let refused = accepted.get(key);
  if (refused === undefined) {
    refused = [];
    try {
      const probe = new Worker('', { eval: true, execArgv: probed, stdout: true, stderr: true });
      probe.on('error', () => undefined);
      void probe.terminate();
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
      // "Initiated Worker with invalid execArgv flags: --a=1, --b"
      refused = String((error as Error).message)
        .replace(/^[^:]*:\s*/, '')
        .split(', ');
    }
    accepted.set(key, refused);
  }
  const drop = new Set(refused);
  return flags.filter((flag) => !drop.has(flag));
}

/**
 * Node flags for piscina's threads: {@link workerExecArgv}, with `require(esm)` turned off where Node
 * has it. Piscina loads a task module with `require()` first and `import()` when that throws; on
 * Node 20.19+ `require()` of our ESM entry goes through `require(esm)`, which aborted a whole test
 * process once with a V8 fatal error (`v8::Module::IsGraphAsync must be used on an instantiated
 * module`, from piscina's `require`). Off, `require()` throws `ERR_REQUIRE_ESM` at once and the
 * entry is imported, as on Node before 20.19.
 */
export function poolExecArgv(parent: readonly string[] = process.execArgv): string[] {
  const flag = '--no-experimental-require-module';
  return process.allowedNodeEnvironmentFlags.has(flag) ? [...workerExecArgv(parent), flag] : workerExecArgv(parent);
}

/** Starts a plain worker thread for `moduleUrl` (a `.ts` or `.js` module), passing `data` as workerData. */
export function startWorker(
  moduleUrl: URL | string,
  data: Record<string, unknown> = {},
  options: WorkerOptions = {},
): Worker {
  const entry = resolveWorkerEntry(moduleUrl, data);
  return new Worker(new URL(entry.filename), { execArgv: workerExecArgv(), ...options, workerData: entry.workerData });
}
