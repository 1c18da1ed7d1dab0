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
