import { describe, expect, it } from 'vitest';
import { SharedTaskQueue } from '../../src/queue/shared-queue.js';
import { PHASE, RunControl } from '../../src/runtime/run-control.js';

describe('RunControl election (shared memory)', () => {
  it('makes the first agent to see the drain the finalizer and releases the others at once', async () => {
    const queue = SharedTaskQueue.create({ leaseMs: 1_000 });
    const control = new RunControl();
    expect(await control.elect(3, queue)).toEqual({ role: 'finalize', round: 1 });
    expect(control.finalizer).toBe(3);
    // Not held until the decision: the losers are told at once.
    expect(await Promise.all([control.elect(1, queue), control.elect(2, queue)])).toEqual([
      { role: 'release' },
      { role: 'release' },
    ]);

    // The decision enqueued work: an agent started again claims; the next drain elects afresh.
    const id = queue.enqueue('more');
    control.resume();
    expect(control.phase).toBe(PHASE.RUNNING);
    expect(await control.elect(1, queue)).toEqual({ role: 'claim' });
    const lease = queue.tryClaim(1)!;
    expect(lease.taskId).toBe(id);
    queue.complete(lease);
    expect(await control.elect(1, queue)).toEqual({ role: 'finalize', round: 2 });
    expect(await control.elect(3, queue)).toEqual({ role: 'release' });

    control.finish();
    expect(await control.elect(2, queue)).toEqual({ role: 'exit' });
  });

  it('tells a stopped agent, or any agent of a stopped run, to exit', async () => {
    const queue = SharedTaskQueue.create({ leaseMs: 1_000 });
    const control = new RunControl();
    expect(await control.elect(1, queue, AbortSignal.abort())).toEqual({ role: 'exit' });
    control.stop('aborted');
    expect(await control.elect(1, queue)).toEqual({ role: 'exit' });
  });

  it('reopens the election when the finalizer dies while deciding', async () => {
    const queue = SharedTaskQueue.create({ leaseMs: 1_000 });
    const control = new RunControl();
    expect(await control.elect(1, queue)).toEqual({ role: 'finalize', round: 1 });
    expect(control.releaseFinalizer(2)).toBe(false);
    expect(control.releaseFinalizer(1)).toBe(true);
    expect(await control.elect(2, queue)).toEqual({ role: 'finalize', round: 2 });
  });
});
