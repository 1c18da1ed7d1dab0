import { Worker, type WorkerOptions } from 'node:worker_threads';

/** What to hand `new Worker` or piscina to run `moduleUrl` in a worker, from sources (.ts via tsx) or a build (.js). */
export interface WorkerEntry {
  filename: string;
  workerData: { delmEntry: string; [key: string]: unknown };
}

const bootstrap = new URL('../../actors/worker-entry.mjs', import.meta.url);

/**
 * Resolves how to start a worker for `moduleUrl`. TypeScript sources go through a small `.mjs`
 * bootstrap that registers tsx inside the worker; compiled `.js` modules run directly.
 */
export function resolveWorkerEntry(moduleUrl: URL | string, data: Record<string, unknown> = {}): WorkerEntry {
  const href = typeof moduleUrl === 'string' ? moduleUrl : moduleUrl.href;
  const filename = href.endsWith('.ts') ? bootstrap.href : href;
  return { filename, workerData: { ...data, delmEntry: href } };
}

/** Starts a plain worker thread for `moduleUrl` (a `.ts` or `.js` module), passing `data` as workerData. */
export function startWorker(moduleUrl: URL | string, data: Record<string, unknown> = {}, options: WorkerOptions = {}): Worker {
  const entry = resolveWorkerEntry(moduleUrl, data);
  return new Worker(new URL(entry.filename), { ...options, workerData: entry.workerData });
}
