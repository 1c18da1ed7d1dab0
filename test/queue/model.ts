/**
 * The task queue against a reference model (a plain array and the rules of the queue, with no
 * concurrency and no cleverness), on any backend through the {@link AsyncTaskQueue} contract.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { LeaseLostError } from '../../src/errors.js';
import type { AsyncTaskQueue, Lease, TaskState } from '../../src/queue/types.js';

interface RefTask {
  id: number;
  payload: string;
  priority: number;
  state: TaskState;
  attempts: number;
  generation: number;
  result?: string;
}
interface World {
  queue: AsyncTaskQueue;
  ref: RefTask[];
  leases: Array<{ lease: Lease; generation: number }>;
}
/** Attempts per task of the queue under test. */
export const MODEL_MAX_ATTEMPTS = 3;

const refClaim = (ref: RefTask[]): RefTask | undefined =>
  ref.filter((t) => t.state === 'pending').sort((a, b) => b.priority - a.priority || a.id - b.id)[0];

const holds = (w: World, i: number) => {
  const held = w.leases[i % w.leases.length]!;
  const task = w.ref[held.lease.taskId]!;
  return { held, task, live: task.state === 'claimed' && task.generation === held.generation };
};

type Cmd = fc.AsyncCommand<World, World>;

class Enqueue implements Cmd {
  constructor(
    readonly payload: string,
    readonly priority: number,
  ) {}
  check = () => true;
  async run(_: World, w: World) {
    const id = await w.queue.enqueue({ payload: this.payload, priority: this.priority });
    expect(id).toBe(w.ref.length);
    w.ref.push({ id, payload: this.payload, priority: this.priority, state: 'pending', attempts: 0, generation: 0 });
  }
  toString = () => `enqueue(${JSON.stringify(this.payload)}, p${this.priority})`;
}

class Claim implements Cmd {
  constructor(
    readonly agent: number,
    readonly next: boolean,
  ) {}
  check = () => true;
  async run(_: World, w: World) {
    const expected = refClaim(w.ref);
    const lease = await w.queue.tryClaim(this.agent, 3_600_000);
    expect(lease?.taskId).toBe(expected?.id);
    if (!lease || !expected) return;
    expected.state = 'claimed';
    expected.attempts++;
    expected.generation++;
    expect(lease.payload).toBe(expected.payload);
    expect(lease.attempt).toBe(expected.attempts);
    w.leases.push({ lease, generation: expected.generation });
  }
  toString = () => `claim(${this.agent})`;
}

class Finish implements Cmd {
  constructor(
    readonly pick: number,
    readonly how: 'complete' | 'fail' | 'retry' | 'release' | 'completeAndClaim',
    readonly text: string,
  ) {}
  check = (w: World) => w.leases.length > 0;
  async run(_: World, w: World) {
    const { held, task, live } = holds(w, this.pick);
    const act = async () => {
      if (this.how === 'complete') await w.queue.complete(held.lease, this.text);
      else if (this.how === 'completeAndClaim') return w.queue.completeAndClaim(held.lease, this.text, 9, 3_600_000);
      else if (this.how === 'release') await w.queue.release(held.lease);
      else await w.queue.fail(held.lease, this.text, { retry: this.how === 'retry' });
      return undefined;
    };
    if (!live) {
      await expect(act()).rejects.toThrow(LeaseLostError);
      return;
    }
    const next = await act();
    if (this.how === 'complete' || this.how === 'completeAndClaim')
      Object.assign(task, { state: 'done', result: this.text });
    else if (this.how === 'release') Object.assign(task, { state: 'pending', attempts: task.attempts - 1 });
    else if (this.how === 'retry' && task.attempts < MODEL_MAX_ATTEMPTS) task.state = 'pending';
    else Object.assign(task, { state: 'failed', result: this.text });
    if (this.how !== 'completeAndClaim') return;
    const expected = refClaim(w.ref);
    expect(next?.taskId).toBe(expected?.id);
    if (!next || !expected) return;
    expected.state = 'claimed';
    expected.attempts++;
    expected.generation++;
    expect(next.attempt).toBe(expected.attempts);
    w.leases.push({ lease: next, generation: expected.generation });
  }
  toString = () => `${this.how}(lease#${this.pick})`;
}

class Observe implements Cmd {
  check = () => true;
  async run(_: World, w: World) {
    const count = (s: TaskState) => w.ref.filter((t) => t.state === s).length;
    expect(await w.queue.stats()).toEqual({
      total: w.ref.length,
      pending: count('pending'),
      claimed: count('claimed'),
      done: count('done'),
      failed: count('failed'),
      open: count('pending') + count('claimed'),
    });
    expect(await w.queue.isDrained()).toBe(count('pending') + count('claimed') === 0);
    for (const t of w.ref) {
      const got = await w.queue.get(t.id);
      expect(got.state).toBe(t.state);
      expect(got.attempts).toBe(t.attempts);
      if (t.state === 'done') expect(got.result).toBe(t.result);
      if (t.state === 'failed') expect(got.failureReason).toBe(t.result);
    }
  }
  toString = () => 'observe';
}

/** Checks `numRuns` random command sequences; `make` returns a new, empty queue with MODEL_MAX_ATTEMPTS. */
export async function checkAgainstModel(make: () => Promise<AsyncTaskQueue>, numRuns: number): Promise<void> {
  const commands = [
    fc.tuple(fc.string({ maxLength: 12 }), fc.integer({ min: 0, max: 3 })).map(([p, prio]) => new Enqueue(p, prio)),
    fc.integer({ min: 1, max: 4 }).map((a) => new Claim(a, false)),
    fc
      .tuple(
        fc.nat(),
        fc.constantFrom('complete', 'fail', 'retry', 'release', 'completeAndClaim' as const),
        fc.string({ maxLength: 8 }),
      )
      .map(([i, how, text]) => new Finish(i, how, text)),
    fc.constant(new Observe()),
  ];
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 80 }), async (cmds) => {
      const world: World = { queue: await make(), ref: [], leases: [] };
      await fc.asyncModelRun(() => ({ model: world, real: world }), cmds);
      await new Observe().run(world, world);
    }),
    { numRuns },
  );
}
