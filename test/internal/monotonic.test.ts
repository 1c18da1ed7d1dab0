import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { monotonicMs } from '../../src/internal/monotonic.js';
import { resolveWorkerEntry } from '../../src/internal/worker-entry.js';
import { terminatedAfterEach } from '../helpers/workers.js';

const workers = terminatedAfterEach();

describe('monotonicMs: one clock in every thread', () => {
  it("places a worker's readings between the main thread's readings before and after asking", async () => {
    // Started after the main thread has run a while, so a clock counted from each thread's own start would disagree.
    const entry = resolveWorkerEntry(new URL('./fixtures/monotonic-worker.ts', import.meta.url).href);
    const worker = new Worker(new URL(entry.filename), { workerData: entry.workerData });
    workers.push(worker);
    const ask = async () => {
      const before = monotonicMs();
      worker.postMessage(0);
      const [at] = (await once(worker, 'message')) as [number];
      return { before, at, after: monotonicMs() };
    };
    await ask(); // the worker is up
    for (let i = 0; i < 50; i++) {
      const { before, at, after } = await ask();
      expect(at).toBeGreaterThanOrEqual(before);
      expect(at).toBeLessThanOrEqual(after);
    }
  });

  it('never goes back', () => {
    let last = monotonicMs();
    for (let i = 0; i < 10_000; i++) {
      const now = monotonicMs();
      expect(now).toBeGreaterThanOrEqual(last);
      last = now;
    }
  });
});
