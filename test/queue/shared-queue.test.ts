import { describe, expect, it, vi } from 'vitest';
import { asyncQueue } from '../../src/queue/async-queue.js';
import { queueContract } from './contract.js';
import { SharedTaskQueue } from '../../src/queue/shared-queue.js';
import { DelmError, QueueFullError, InvalidConfigError } from '../../src/errors.js';
import { ManualClock } from '../../src/internal/clock.js';

queueContract('SharedTaskQueue', ({ leaseMs, maxAttempts, realClock }) => {
  const clock = realClock ? undefined : ManualClock.create();
  const queue = SharedTaskQueue.create({
    ...(leaseMs !== undefined ? { leaseMs } : {}),
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
    ...(clock ? { clock } : {}),
  });
  return Promise.resolve({
    queue: asyncQueue(queue),
    advance: (ms: number) => Promise.resolve(clock?.advance(ms)),
    now: () => Promise.resolve(clock ? clock.now() : Date.now()),
  });
});

describe('SharedTaskQueue', () => {
  it('spins on an empty queue only when asked to: with spinMicros 0 a claim tries once, then waits', () => {
    const q = SharedTaskQueue.create();
    q.enqueue('held');
    expect(q.tryClaim(1)).toBeDefined(); // not drained: agent 1 holds the only task
    const loads = vi.spyOn(Atomics, 'load');
    try {
      expect(q.claim(2, { timeoutMs: 0 })).toBeUndefined();
      const spinning = loads.mock.calls.length;
      loads.mockClear();
      expect(q.claim(2, { timeoutMs: 0, spinMicros: 0 })).toBeUndefined();
      // The spin polls the tail 256 times per round, at least 8 rounds; one attempt reads a few words.
      expect(spinning).toBeGreaterThan(8 * 256);
      expect(loads.mock.calls.length).toBeLessThan(64);
    } finally {
      loads.mockRestore();
    }
  });

  it('grows past its initial size and refuses at the task limit without losing anything', () => {
    const q = SharedTaskQueue.create({ initialTasks: 2, maxTasks: 100 });
    for (let i = 0; i < 100; i++) q.enqueue(`task ${i}`);
    expect(() => q.enqueue('one too many')).toThrow(QueueFullError);
    const seen = new Set<string>();
    for (let lease = q.tryClaim(1); lease; lease = q.tryClaim(1)) {
      seen.add(lease.payload);
      q.complete(lease);
    }
    expect(seen.size).toBe(100);
  });
  it('refuses a payload beyond the arena limit with a typed error and stays usable', () => {
    const q = SharedTaskQueue.create({ initialArenaBytes: 64, maxArenaBytes: 1024 });
    expect(() => q.enqueue('x'.repeat(2000))).toThrow(expect.objectContaining({ code: 'QUEUE_FULL' }));
    expect(q.stats().total).toBe(0);
    q.enqueue('small');
    expect(q.tryClaim(1)?.payload).toBe('small');
  });
  it('validates options and arguments', () => {
    expect(() => SharedTaskQueue.create({ maxTasks: 0 })).toThrow(InvalidConfigError);
    expect(() => SharedTaskQueue.create({ bogus: 1 } as never)).toThrow(/bogus|Unrecognized/);
    const q = SharedTaskQueue.create();
    expect(() => q.enqueue({ payload: 'x', maxAttempts: 0 })).toThrow(DelmError);
    expect(() => q.get(5)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => SharedTaskQueue.attach({ ...q.handle, control: new SharedArrayBuffer(1024) })).toThrow(
      /not a delm task queue/,
    );
  });
});
