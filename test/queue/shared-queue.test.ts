import { describe, expect, it } from 'vitest';
import { SharedTaskQueue } from '../../src/queue/shared-queue.js';
import { DelmError, LeaseLostError, QueueFullError, InvalidConfigError } from '../../src/errors.js';
import { ManualClock } from '../../src/internal/clock.js';
import { pending } from '../helpers/clock.js';

describe('SharedTaskQueue', () => {
  it('hands out tasks by priority, then in FIFO order', () => {
    const q = SharedTaskQueue.create();
    const low = q.enqueue({ payload: 'low', priority: 0 });
    const a = q.enqueue('a');
    const b = q.enqueue('b');
    const urgent = q.enqueue({ payload: 'urgent', priority: 3 });
    const order = [q.tryClaim(1), q.tryClaim(1), q.tryClaim(1), q.tryClaim(1)].map((l) => l?.taskId);
    expect(order).toEqual([urgent, a, b, low]);
    expect(q.tryClaim(1)).toBeUndefined();
  });

  it('completes a task with its result and then reports it drained', () => {
    const q = SharedTaskQueue.create();
    const id = q.enqueue({ payload: '{"doc":"D1"}', parentId: 7 });
    expect(q.isDrained()).toBe(false);
    const lease = q.tryClaim(42)!;
    expect(lease.payload).toBe('{"doc":"D1"}');
    expect(lease).toMatchObject({ taskId: id, attempt: 1, agentId: 42, parentId: 7, priority: 1 });
    expect(q.stats()).toMatchObject({ pending: 0, claimed: 1, open: 1 });
    q.complete(lease, 'found 3 quotes ✓');
    expect(q.get(id)).toMatchObject({ state: 'done', result: 'found 3 quotes ✓', attempts: 1 });
    expect(q.isDrained()).toBe(true);
    expect(q.stats()).toEqual({ total: 1, pending: 0, claimed: 0, done: 1, failed: 0, open: 0 });
  });

  it('refuses a second completion and operations on a stale lease', () => {
    const q = SharedTaskQueue.create();
    q.enqueue('x');
    const lease = q.tryClaim(1)!;
    q.complete(lease);
    expect(() => q.complete(lease)).toThrow(LeaseLostError);
    expect(() => q.extend(lease)).toThrow(/already done/);
    expect(() => q.release(lease)).toThrow(LeaseLostError);
  });

  it('fails a task with its reason, or retries it while attempts remain', () => {
    const q = SharedTaskQueue.create({ maxAttempts: 2 });
    const id = q.enqueue('flaky');
    const first = q.tryClaim(1)!;
    q.fail(first, 'model returned garbage', { retry: true });
    expect(q.get(id).state).toBe('pending');
    const second = q.tryClaim(2)!;
    expect(second.attempt).toBe(2);
    q.fail(second, 'model returned garbage again', { retry: true });
    expect(q.get(id)).toMatchObject({ state: 'failed', failureReason: 'model returned garbage again', attempts: 2 });
    expect(q.isDrained()).toBe(true);
  });

  it('releases a task without counting an attempt', () => {
    const q = SharedTaskQueue.create({ maxAttempts: 1 });
    const id = q.enqueue('x');
    q.release(q.tryClaim(1)!);
    const again = q.tryClaim(2)!;
    expect(again.taskId).toBe(id);
    expect(again.attempt).toBe(1);
  });

  it('makes a task with an expired lease claimable again, and the old lease stale', () => {
    const clock = ManualClock.create();
    const q = SharedTaskQueue.create({ leaseMs: 30, clock });
    const id = q.enqueue('x');
    const stale = q.tryClaim(1)!;
    expect(stale.deadline).toBe(30);
    clock.advance(29);
    expect(q.tryClaim(2)).toBeUndefined(); // live until its deadline
    clock.advance(1);
    const fresh = q.tryClaim(2)!;
    expect(fresh.taskId).toBe(id);
    expect(fresh.attempt).toBe(2);
    expect(() => q.complete(stale)).toThrow(/expired and was claimed again/);
    q.complete(fresh, 'ok');
    expect(q.get(id).result).toBe('ok');
  });

  it('keeps a lease alive with extend', () => {
    const clock = ManualClock.create();
    const q = SharedTaskQueue.create({ leaseMs: 40, clock });
    q.enqueue('x');
    let lease = q.tryClaim(1)!;
    for (let i = 0; i < 4; i++) {
      clock.advance(30);
      lease = q.extend(lease, 40);
      expect(lease.deadline).toBe(clock.now() + 40);
    }
    clock.advance(39); // 159 ms after the claim: four times its first deadline
    expect(q.tryClaim(2)).toBeUndefined();
    clock.advance(1);
    expect(q.tryClaim(2)?.attempt).toBe(2);
  });

  it('fails a task whose leases keep expiring, keeping the reason', () => {
    const clock = ManualClock.create();
    const q = SharedTaskQueue.create({ leaseMs: 10, maxAttempts: 2, clock });
    const id = q.enqueue('poison');
    q.tryClaim(1);
    clock.advance(10);
    q.tryClaim(2);
    clock.advance(10);
    expect(q.tryClaim(3)).toBeUndefined();
    expect(q.get(id)).toMatchObject({ state: 'failed', attempts: 2 });
    expect(q.get(id).failureReason).toMatch(/lease expired/);
    expect(q.isDrained()).toBe(true);
  });

  it('wakes a claimer sleeping in claimAsync when a held lease expires on the clock', async () => {
    const clock = ManualClock.create();
    const q = SharedTaskQueue.create({ leaseMs: 50, clock });
    q.enqueue('x');
    q.tryClaim(1);
    const waiting = q.claimAsync(2, { timeoutMs: 10_000 });
    clock.advance(49);
    expect(await pending(waiting)).toBe(true);
    clock.advance(1);
    expect((await waiting)?.attempt).toBe(2);
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

  it('round-trips payloads of any Unicode', () => {
    const q = SharedTaskQueue.create();
    const text = 'Ünïcødé — 漢字 — 🧪🚀 — \u0000 nul';
    q.enqueue(text);
    expect(q.tryClaim(1)!.payload).toBe(text);
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

  it('wakes an async claimer when a task arrives, and returns undefined once drained', async () => {
    // On a clock that never moves, neither the timeouts nor a lease expiry can end these waits.
    const q = SharedTaskQueue.create({ clock: ManualClock.create() });
    q.enqueue('first');
    const held = q.tryClaim(1)!;
    const waiting = q.claimAsync(2, { timeoutMs: 5_000 });
    setTimeout(() => q.enqueue('second'), 20);
    const got = await waiting;
    expect(got?.payload).toBe('second');
    q.complete(got!);
    const drainedWait = q.claimAsync(3, { timeoutMs: 5_000 });
    expect(await pending(drainedWait)).toBe(true);
    q.complete(held);
    expect(await drainedWait).toBeUndefined();
  });

  it('stops waiting on abort and on close', async () => {
    const q = SharedTaskQueue.create({ clock: ManualClock.create() });
    q.enqueue('x');
    q.tryClaim(1);
    const ac = new AbortController();
    const aborted = q.claimAsync(2, { timeoutMs: 10_000, signal: ac.signal });
    expect(await pending(aborted)).toBe(true);
    ac.abort();
    expect(await aborted).toBeUndefined();
    const closed = q.claimAsync(2, { timeoutMs: 10_000 });
    expect(await pending(closed)).toBe(true);
    q.close();
    expect(await closed).toBeUndefined();
    expect(() => q.enqueue('late')).toThrow(expect.objectContaining({ code: 'CLOSED' }));
  });

  it('times out a claim when nothing arrives, on the queue clock', async () => {
    const clock = ManualClock.create();
    const q = SharedTaskQueue.create({ clock, leaseMs: 10_000 });
    q.enqueue('x');
    q.tryClaim(1);
    const waiting = q.claimAsync(2, { timeoutMs: 50 });
    clock.advance(49);
    expect(await pending(waiting)).toBe(true);
    clock.advance(1);
    expect(await waiting).toBeUndefined();
  });

  it('times out a claim on the real clock by default', async () => {
    const q = SharedTaskQueue.create();
    q.enqueue('x');
    q.tryClaim(1);
    const started = Date.now();
    expect(await q.claimAsync(2, { timeoutMs: 50 })).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});
