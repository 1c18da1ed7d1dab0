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
 * The parent's Node flags minus tsx's loader flags. Workers inherit `process.execArgv`; under `tsx`
 * that would load tsx's module hooks (and their own hooks thread) into every worker, even ones that
 * run compiled JavaScript. Worker bootstraps register tsx themselves when they need it.
 */
export function workerExecArgv(parent: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const flag = parent[i]!;
    const [name, inline] = flag.split('=', 2) as [string, string | undefined];
    const takesValue = ['--require', '-r', '--import', '--loader', '--experimental-loader'].includes(name);
    const value = takesValue ? (inline ?? parent[i + 1]) : undefined;
    if (takesValue && inline === undefined) i++;
    if (takesValue && value !== undefined && TSX_LOADER.test(value)) continue;
    out.push(flag);
    if (takesValue && inline === undefined && value !== undefined) out.push(value);
  }
  return out;
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
