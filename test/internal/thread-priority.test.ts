/**
 * A worker lowers its own thread's scheduling priority and nobody else's: the main thread (the
 * process) keeps its nice value, and a thread only ever moves down (an unprivileged thread could not
 * come back up). Linux only: elsewhere threads have no priority of their own and nothing changes.
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { lowerThreadPriority, threadPriority } from '../../src/internal/thread-priority.js';
import { resolveWorkerEntry } from '../../src/internal/worker-entry.js';
import { terminatedAfterEach } from '../helpers/workers.js';

const workers = terminatedAfterEach();
const linux = existsSync('/proc/thread-self');

async function priorityWorker() {
  const entry = resolveWorkerEntry(new URL('./fixtures/priority-worker.ts', import.meta.url).href);
  const worker = new Worker(new URL(entry.filename), { workerData: entry.workerData });
  workers.push(worker);
  return async (by: number) => {
    worker.postMessage(by);
    const [answer] = (await once(worker, 'message')) as [{ after: number | undefined; now: number | undefined }];
    return answer;
  };
}

describe.runIf(linux)('lowerThreadPriority', () => {
  it("lowers the calling worker's thread only, and never raises it back", async () => {
    const base = getPriority(process.pid);
    const lower = await priorityWorker();
    expect(await lower(3)).toEqual({ after: Math.min(19, base + 3), now: Math.min(19, base + 3) });
    expect(getPriority(process.pid)).toBe(base);
    expect(threadPriority()).toBe(base);
    // A smaller step (a pooled thread's next task) leaves it where it is; a larger one goes further down.
    expect(await lower(1)).toEqual({ after: Math.min(19, base + 3), now: Math.min(19, base + 3) });
    expect(await lower(5)).toEqual({ after: Math.min(19, base + 5), now: Math.min(19, base + 5) });
    // Another worker starts at the process's priority.
    const other = await priorityWorker();
    expect(await other(0)).toEqual({ after: base, now: base });
  });

  it('stops at the least favoured value', async () => {
    const lower = await priorityWorker();
    expect((await lower(100)).now).toBe(19);
  });
});

describe.runIf(!linux)('lowerThreadPriority without per-thread priorities', () => {
  it('changes nothing and says so', () => {
    expect(lowerThreadPriority(5)).toBeUndefined();
  });
});
