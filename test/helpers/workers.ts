/** Helpers for tests that run real worker threads. */
import type { Worker } from 'node:worker_threads';
import { afterEach } from 'vitest';

/** Resolves with the worker's first message; rejects if it errors or exits first. */
export function firstMessage<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before reporting`)));
  });
}

/** A list that the calling test file fills with workers; each is terminated after every test. */
export function terminatedAfterEach(): Worker[] {
  const workers: Worker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.terminate()));
  });
  return workers;
}

/**
 * The package imports of a bundled worker module (`source`: its text), other than Node's built-ins and
 * its own chunks: what the bundle left external.
 */
export function packageImports(source: string): string[] {
  return [...source.matchAll(/^import\b[^;]*?["']([^"']+)["']/gm)]
    .map((m) => m[1]!)
    .filter((s) => !s.startsWith('node:') && !s.startsWith('./chunks/'));
}

/** What {@link packageImports} finds in the swarm's worker bundle: only comlink; delm's modules, zod and xstate are in it. */
export const WORKER_BUNDLE_IMPORTS = ['comlink/dist/esm/comlink.mjs', 'comlink/dist/esm/node-adapter.mjs'];
