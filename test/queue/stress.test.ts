import type { Worker } from 'node:worker_threads';
import { firstMessage, terminatedAfterEach } from '../helpers/workers.js';
import { describe, expect, it } from 'vitest';
import { startWorker } from '../../src/internal/worker-entry.js';
import { SharedTaskQueue } from '../../src/queue/shared-queue.js';

const fixture = new URL('./fixtures/queue-worker.ts', import.meta.url);
const workers = terminatedAfterEach();

const result = (worker: Worker) => firstMessage<unknown>(worker);

describe('SharedTaskQueue across real worker threads', () => {
  it('completes each of 100k tasks exactly once while workers are terminated mid-lease', async () => {
    const TASKS = 100_000;
    const AGENTS = 8;
    const VICTIMS = 3;
    const leaseMs = 150;
    const queue = SharedTaskQueue.create({ initialTasks: 1024, maxTasks: TASKS, leaseMs, maxAttempts: 5 });
    const completions = new SharedArrayBuffer(TASKS * 4);
    const control = new SharedArrayBuffer(16);
    const ctl = new Int32Array(control);
    // Producers race consumers: half the tasks are enqueued up front, half while agents run.
    for (let i = 0; i < TASKS / 2; i++) queue.enqueue({ payload: `t${i}`, priority: i % 4 });

    const spawn = (agentId: number, dieAfter: number) => {
      const w = startWorker(fixture, { queue: queue.handle, completions, control, agentId, dieAfter, leaseMs });
      workers.push(w);
      return w;
    };
    const finished: Array<Promise<unknown>> = [];
    for (let a = 0; a < AGENTS; a++) {
      const w = spawn(a + 1, a < VICTIMS ? 20 + a * 400 : -1);
      if (a >= VICTIMS) finished.push(result(w));
    }
    // Start every agent at once (worker start-up takes a while), so each victim reaches its park point.
    while (Atomics.load(ctl, 2) < AGENTS) await new Promise((r) => setTimeout(r, 5));
    Atomics.store(ctl, 3, 1);
    Atomics.notify(ctl, 3);
    for (let i = TASKS / 2; i < TASKS; i++) queue.enqueue({ payload: `t${i}`, priority: i % 4 });

    // Terminate each victim while it holds a lease, and replace it with a healthy agent.
    const victims = workers.slice(0, VICTIMS);
    for (let killed = 0; killed < VICTIMS;) {
      if (Atomics.load(ctl, 0) > killed) {
        await victims[killed]!.terminate();
        finished.push(result(spawn(100 + killed, -1)));
        killed++;
      } else {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    await Promise.all(finished);

    const counts = new Int32Array(completions);
    const stats = queue.stats();
    expect(stats).toMatchObject({ total: TASKS, done: TASKS, failed: 0, pending: 0, claimed: 0, open: 0 });
    let exactlyOnce = 0;
    for (let id = 0; id < TASKS; id++) if (counts[id] === 1) exactlyOnce++;
    expect(exactlyOnce).toBe(TASKS);
    for (const id of [0, 1, 4_999, 50_000, TASKS - 1]) expect(queue.get(id).result).toBe(`r${id}`);
    // The victims' tasks were taken over after their leases expired.
    const retried = Array.from({ length: TASKS }, (_, id) => id).filter((id) => queue.get(id).attempts > 1);
    expect(retried.length).toBeGreaterThanOrEqual(VICTIMS);
  }, 300_000);
});
