/**
 * The task queue's contract, written once against {@link AsyncTaskQueue} and run against every backend
 * (the shared-memory queue through `asyncQueue`, the Redis queue directly). Time is a manual clock
 * the test moves, so a lease expires when the test says so, however slow the machine.
 */
import { describe, expect, it } from 'vitest';
import { LeaseLostError } from '../../src/errors.js';
import type { AsyncTaskQueue } from '../../src/queue/types.js';
import { pending } from '../helpers/clock.js';

/** A queue made for one test, with the clock it runs on. */
export interface ContractQueue {
  queue: AsyncTaskQueue;
  /** Moves the manual clock forward (no-op for a queue on the real clock). */
  advance: (ms: number) => Promise<void>;
  /** The manual clock's time (the real one: Date.now-like, for `realClock`). */
  now: () => Promise<number>;
}

/** Options a contract test asks for. */
export interface ContractOptions {
  leaseMs?: number;
  maxAttempts?: number;
  /** Real time instead of a manual clock. */
  realClock?: boolean;
}

/** Registers the contract tests for one backend. */
export function queueContract(name: string, make: (options: ContractOptions) => Promise<ContractQueue>): void {
  describe(`${name}: task queue contract`, () => {
    it('hands out tasks by priority, then in FIFO order', async () => {
      const { queue: q } = await make({});
      const low = await q.enqueue({ payload: 'low', priority: 0 });
      const a = await q.enqueue('a');
      const b = await q.enqueue('b');
      const urgent = await q.enqueue({ payload: 'urgent', priority: 3 });
      const order = [];
      for (let i = 0; i < 4; i++) order.push((await q.tryClaim(1))?.taskId);
      expect(order).toEqual([urgent, a, b, low]);
      expect(await q.tryClaim(1)).toBeUndefined();
    });

    it('completes a task with its result and then reports it drained', async () => {
      const { queue: q } = await make({});
      const id = await q.enqueue({ payload: '{"doc":"D1"}', parentId: 7 });
      expect(await q.isDrained()).toBe(false);
      const lease = (await q.tryClaim(42))!;
      expect(lease.payload).toBe('{"doc":"D1"}');
      expect(lease).toMatchObject({ taskId: id, attempt: 1, agentId: 42, parentId: 7, priority: 1 });
      expect(await q.stats()).toMatchObject({ pending: 0, claimed: 1, open: 1 });
      await q.complete(lease, 'found 3 quotes ✓');
      expect(await q.get(id)).toMatchObject({ state: 'done', result: 'found 3 quotes ✓', attempts: 1 });
      expect(await q.isDrained()).toBe(true);
      expect(await q.stats()).toEqual({ total: 1, pending: 0, claimed: 0, done: 1, failed: 0, open: 0 });
    });

    it('refuses a second completion and operations on a stale lease', async () => {
      const { queue: q } = await make({});
      await q.enqueue('x');
      const lease = (await q.tryClaim(1))!;
      await q.complete(lease);
      await expect(q.complete(lease)).rejects.toThrow(LeaseLostError);
      await expect(q.extend(lease)).rejects.toThrow(/already done/);
      await expect(q.release(lease)).rejects.toThrow(LeaseLostError);
    });

    it('fails a task with its reason, or retries it while attempts remain', async () => {
      const { queue: q } = await make({ maxAttempts: 2 });
      const id = await q.enqueue('flaky');
      const first = (await q.tryClaim(1))!;
      await q.fail(first, 'model returned garbage', { retry: true });
      expect((await q.get(id)).state).toBe('pending');
      const second = (await q.tryClaim(2))!;
      expect(second.attempt).toBe(2);
      await q.fail(second, 'model returned garbage again', { retry: true });
      expect(await q.get(id)).toMatchObject({
        state: 'failed',
        failureReason: 'model returned garbage again',
        attempts: 2,
      });
      expect(await q.isDrained()).toBe(true);
    });

    it('releases a task without counting an attempt', async () => {
      const { queue: q } = await make({ maxAttempts: 1 });
      const id = await q.enqueue('x');
      await q.release((await q.tryClaim(1))!);
      const again = (await q.tryClaim(2))!;
      expect(again.taskId).toBe(id);
      expect(again.attempt).toBe(1);
    });

    it('times a task claimed again by its new lease, even one shorter than its previous holder had', async () => {
      const { queue: q, advance } = await make({ leaseMs: 500 });
      const id = await q.enqueue('x');
      await q.release((await q.tryClaim(1, 500))!);
      const short = (await q.tryClaim(2, 5))!;
      expect(short.taskId).toBe(id);
      await advance(4);
      expect(await q.tryClaim(3)).toBeUndefined();
      await advance(1);
      expect((await q.tryClaim(3))?.taskId).toBe(id);
      await expect(q.complete(short)).rejects.toThrow(LeaseLostError);
    });

    it('tells which leases an agent holds, so they can be released for a dead holder', async () => {
      const { queue: q, advance } = await make({ leaseMs: 30, maxAttempts: 1 });
      const [a, b, c] = [
        await q.enqueue('a'),
        await q.enqueue({ payload: 'b', priority: 2, parentId: 0 }),
        await q.enqueue('c'),
      ];
      const first = (await q.tryClaim(7))!;
      const second = (await q.tryClaim(7))!;
      const other = (await q.tryClaim(8))!;
      expect([first.taskId, second.taskId, other.taskId]).toEqual([b, a, c]);
      await q.complete(first);
      const held = await q.heldBy(7);
      expect(held).toHaveLength(1);
      expect(held[0]).toMatchObject({
        taskId: a,
        generation: second.generation,
        deadline: second.deadline,
        attempt: 1,
        agentId: 7,
        payload: 'a',
        priority: 1,
        parentId: -1,
      });
      expect(await q.heldBy(9)).toEqual([]);
      // Released for the holder: back to pending, the attempt not counted (maxAttempts is 1).
      await q.release(held[0]!);
      expect(await q.get(a)).toMatchObject({ state: 'pending', attempts: 0 });
      await expect(q.complete(second)).rejects.toThrow(LeaseLostError);
      // A lease that expired is no longer held once swept (c, out of attempts, fails).
      await advance(30);
      expect((await q.tryClaim(9))?.taskId).toBe(a);
      expect(await q.tryClaim(9)).toBeUndefined();
      expect((await q.get(c)).state).toBe('failed');
      expect((await q.heldBy(9)).map((l) => l.taskId)).toEqual([a]);
      expect(await q.heldBy(8)).toEqual([]);
      expect(await q.heldBy(7)).toEqual([]);
    });

    it('makes a task with an expired lease claimable again, and the old lease stale', async () => {
      const { queue: q, advance } = await make({ leaseMs: 30 });
      const id = await q.enqueue('x');
      const stale = (await q.tryClaim(1))!;
      expect(stale.deadline).toBe(30);
      await advance(29);
      expect(await q.tryClaim(2)).toBeUndefined(); // live until its deadline
      await advance(1);
      const fresh = (await q.tryClaim(2))!;
      expect(fresh.taskId).toBe(id);
      expect(fresh.attempt).toBe(2);
      await expect(q.complete(stale)).rejects.toThrow(/expired and was claimed again/);
      await q.complete(fresh, 'ok');
      expect((await q.get(id)).result).toBe('ok');
    });

    it('keeps a lease alive with extend', async () => {
      const { queue: q, advance, now } = await make({ leaseMs: 40 });
      await q.enqueue('x');
      let lease = (await q.tryClaim(1))!;
      for (let i = 0; i < 4; i++) {
        await advance(30);
        lease = await q.extend(lease, 40);
        expect(lease.deadline).toBe((await now()) + 40);
      }
      await advance(39); // 159 ms after the claim: four times its first deadline
      expect(await q.tryClaim(2)).toBeUndefined();
      await advance(1);
      expect((await q.tryClaim(2))?.attempt).toBe(2);
    });

    it('fails a task whose leases keep expiring, keeping the reason', async () => {
      const { queue: q, advance } = await make({ leaseMs: 10, maxAttempts: 2 });
      const id = await q.enqueue('poison');
      await q.tryClaim(1);
      await advance(10);
      await q.tryClaim(2);
      await advance(10);
      expect(await q.tryClaim(3)).toBeUndefined();
      expect(await q.get(id)).toMatchObject({ state: 'failed', attempts: 2 });
      expect((await q.get(id)).failureReason).toMatch(/lease expired/);
      expect(await q.isDrained()).toBe(true);
    });

    it('wakes a waiting claimer when a held lease expires on the clock', async () => {
      const { queue: q, advance } = await make({ leaseMs: 50 });
      await q.enqueue('x');
      await q.tryClaim(1);
      const waiting = q.claim(2, { timeoutMs: 10_000 });
      await advance(49);
      expect(await pending(waiting)).toBe(true);
      await advance(1);
      expect((await waiting)?.attempt).toBe(2);
    });

    it('round-trips payloads of any Unicode', async () => {
      const { queue: q } = await make({});
      const text = 'Ünïcødé — 漢字 — 🧪🚀 — \u0000 nul';
      await q.enqueue(text);
      expect((await q.tryClaim(1))!.payload).toBe(text);
    });

    it('completes and claims the next task in one step', async () => {
      const { queue: q } = await make({});
      const a = await q.enqueue('a');
      const b = await q.enqueue('b');
      const first = (await q.tryClaim(5))!;
      const next = await q.completeAndClaim(first, 'done a', 5);
      expect(next).toMatchObject({ taskId: b, agentId: 5, attempt: 1, payload: 'b' });
      expect(await q.get(a)).toMatchObject({ state: 'done', result: 'done a' });
      expect(await q.completeAndClaim(next!, 'done b', 5)).toBeUndefined();
      expect(await q.isDrained()).toBe(true);
      await expect(q.completeAndClaim(next!, 'again', 5)).rejects.toThrow(LeaseLostError);
    });

    it('wakes a waiting claimer when a task arrives, and returns undefined once drained', async () => {
      // On a clock that never moves, neither the timeouts nor a lease expiry can end these waits.
      const { queue: q } = await make({});
      await q.enqueue('first');
      const held = (await q.tryClaim(1))!;
      const waiting = q.claim(2, { timeoutMs: 5_000 });
      setTimeout(() => void q.enqueue('second'), 20);
      const got = await waiting;
      expect(got?.payload).toBe('second');
      await q.complete(got!);
      const drainedWait = q.claim(3, { timeoutMs: 5_000 });
      expect(await pending(drainedWait)).toBe(true);
      await q.complete(held);
      expect(await drainedWait).toBeUndefined();
    });

    it('stops waiting on abort and on close', async () => {
      const { queue: q } = await make({});
      await q.enqueue('x');
      await q.tryClaim(1);
      const ac = new AbortController();
      const aborted = q.claim(2, { timeoutMs: 10_000, signal: ac.signal });
      expect(await pending(aborted)).toBe(true);
      ac.abort();
      expect(await aborted).toBeUndefined();
      const closed = q.claim(2, { timeoutMs: 10_000 });
      expect(await pending(closed)).toBe(true);
      await q.close();
      expect(await closed).toBeUndefined();
      expect(await q.isClosed()).toBe(true);
      await expect(q.enqueue('late')).rejects.toThrow(expect.objectContaining({ code: 'CLOSED' }));
    });

    it('times out a claim when nothing arrives, on the queue clock', async () => {
      const { queue: q, advance } = await make({ leaseMs: 10_000 });
      await q.enqueue('x');
      await q.tryClaim(1);
      const waiting = q.claim(2, { timeoutMs: 50 });
      await advance(49);
      expect(await pending(waiting)).toBe(true);
      await advance(1);
      expect(await waiting).toBeUndefined();
    });

    it('times out a claim on the real clock by default', async () => {
      const { queue: q } = await make({ realClock: true });
      await q.enqueue('x');
      await q.tryClaim(1);
      const started = Date.now();
      expect(await q.claim(2, { timeoutMs: 50 })).toBeUndefined();
      expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    });

    it('refuses a bad maxAttempts and an unknown task id', async () => {
      const { queue: q } = await make({});
      await expect(q.enqueue({ payload: 'x', maxAttempts: 0 })).rejects.toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
      await expect(q.get(5)).rejects.toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    });
  });
}
