// Expired leases are found by every claimer, whichever instance swept last: each instance skips
// sweeps while no lease can have expired, and that must never hide a task that is claimable.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/internal/clock.js';
import { SharedTaskQueue } from '../../src/queue/shared-queue.js';
import type { Lease } from '../../src/queue/types.js';

type Op =
  | { kind: 'enqueue' }
  | { kind: 'claim'; by: number; leaseMs: number }
  | { kind: 'complete'; pick: number }
  | { kind: 'release'; pick: number }
  | { kind: 'advance'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant({ kind: 'enqueue' as const }),
  fc.record({
    kind: fc.constant('claim' as const),
    by: fc.integer({ min: 0, max: 2 }),
    leaseMs: fc.constantFrom(5, 50, 500),
  }),
  fc.record({ kind: fc.constant('complete' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(1, 4, 10, 60, 600) }),
);

describe('SharedTaskQueue lease expiry across claimers (three instances on one queue, a manual clock)', () => {
  it('finds a lease that expired after its last sweep, taken with a shorter lease by another claimer', () => {
    const clock = ManualClock.create();
    const a = SharedTaskQueue.create({ clock, leaseMs: 500 });
    const b = SharedTaskQueue.attach(a.handle);
    expect(a.tryClaim(1)).toBeUndefined(); // a sweeps an empty queue
    a.enqueue('t');
    expect(b.tryClaim(2, 5)?.taskId).toBe(0);
    clock.advance(10);
    expect(a.tryClaim(1)?.attempt).toBe(2);
  });
  it('claims a task exactly when one is pending or its lease has expired, never a live lease', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        const clock = ManualClock.create();
        const first = SharedTaskQueue.create({ clock, initialTasks: 2, maxAttempts: 1000, leaseMs: 500 });
        const claimers = [first, SharedTaskQueue.attach(first.handle), SharedTaskQueue.attach(first.handle)];
        // The reference: each task pending, done, or claimed until a deadline on the clock.
        const tasks: Array<{ state: 'pending' | 'claimed' | 'done'; deadline: number; lease?: Lease }> = [];
        const held: Lease[] = [];
        for (const o of ops) {
          const now = clock.now();
          if (o.kind === 'enqueue') {
            first.enqueue(`t${tasks.length}`);
            tasks.push({ state: 'pending', deadline: 0 });
          } else if (o.kind === 'advance') clock.advance(o.ms);
          else if (o.kind === 'claim') {
            const claimable = tasks.filter(
              (t) => t.state === 'pending' || (t.state === 'claimed' && t.deadline <= now),
            );
            const lease = claimers[o.by]!.tryClaim(o.by + 1, o.leaseMs);
            if (claimable.length === 0) expect(lease).toBeUndefined();
            else {
              expect(lease, `${claimable.length} claimable at ${now}`).toBeDefined();
              const task = tasks[lease!.taskId]!;
              expect(task.state === 'pending' || task.deadline <= now).toBe(true);
              Object.assign(task, { state: 'claimed', deadline: now + o.leaseMs, lease });
              held.push(lease!);
            }
          } else if (held.length > 0) {
            const lease = held.splice(o.pick % held.length, 1)[0]!;
            const task = tasks[lease.taskId]!;
            // A lease taken over since is refused (fenced); the reference is unchanged then.
            const current = task.state === 'claimed' && task.lease === lease;
            try {
              if (o.kind === 'complete') claimers[0]!.complete(lease);
              else claimers[1]!.release(lease);
              expect(current).toBe(true);
              task.state = o.kind === 'complete' ? 'done' : 'pending';
            } catch (error) {
              expect(current, String(error)).toBe(false);
            }
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
