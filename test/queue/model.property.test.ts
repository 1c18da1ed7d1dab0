import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LeaseLostError } from '../../src/errors.js';
import { SharedTaskQueue } from '../../src/queue/shared-queue.js';
import type { Lease, TaskState } from '../../src/queue/types.js';

/** The reference: a plain array and the rules of the queue, with no concurrency and no cleverness. */
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
  queue: SharedTaskQueue;
  ref: RefTask[];
  leases: Array<{ lease: Lease; generation: number }>;
}
const MAX_ATTEMPTS = 3;

const refClaim = (ref: RefTask[]): RefTask | undefined =>
  ref.filter((t) => t.state === 'pending').sort((a, b) => b.priority - a.priority || a.id - b.id)[0];

const holds = (w: World, i: number) => {
  const held = w.leases[i % w.leases.length]!;
  const task = w.ref[held.lease.taskId]!;
  return { held, task, live: task.state === 'claimed' && task.generation === held.generation };
};

type Cmd = fc.Command<World, World>;

class Enqueue implements Cmd {
  constructor(
    readonly payload: string,
    readonly priority: number,
  ) {}
  check = () => true;
  run(_: World, w: World) {
    const id = w.queue.enqueue({ payload: this.payload, priority: this.priority });
    expect(id).toBe(w.ref.length);
    w.ref.push({ id, payload: this.payload, priority: this.priority, state: 'pending', attempts: 0, generation: 0 });
  }
  toString = () => `enqueue(${JSON.stringify(this.payload)}, p${this.priority})`;
}

class Claim implements Cmd {
  constructor(readonly agent: number) {}
  check = () => true;
  run(_: World, w: World) {
    const expected = refClaim(w.ref);
    const lease = w.queue.tryClaim(this.agent, 3_600_000);
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
    readonly how: 'complete' | 'fail' | 'retry' | 'release',
    readonly text: string,
  ) {}
  check = (w: World) => w.leases.length > 0;
  run(_: World, w: World) {
    const { held, task, live } = holds(w, this.pick);
    const act = () => {
      if (this.how === 'complete') w.queue.complete(held.lease, this.text);
      else if (this.how === 'release') w.queue.release(held.lease);
      else w.queue.fail(held.lease, this.text, { retry: this.how === 'retry' });
    };
    if (!live) {
      expect(act).toThrow(LeaseLostError);
      return;
    }
    act();
    if (this.how === 'complete') Object.assign(task, { state: 'done', result: this.text });
    else if (this.how === 'release') Object.assign(task, { state: 'pending', attempts: task.attempts - 1 });
    else if (this.how === 'retry' && task.attempts < MAX_ATTEMPTS) task.state = 'pending';
    else Object.assign(task, { state: 'failed', result: this.text });
  }
  toString = () => `${this.how}(lease#${this.pick})`;
}

class Observe implements Cmd {
  check = () => true;
  run(_: World, w: World) {
    const count = (s: TaskState) => w.ref.filter((t) => t.state === s).length;
    expect(w.queue.stats()).toEqual({
      total: w.ref.length,
      pending: count('pending'),
      claimed: count('claimed'),
      done: count('done'),
      failed: count('failed'),
      open: count('pending') + count('claimed'),
    });
    expect(w.queue.isDrained()).toBe(count('pending') + count('claimed') === 0);
    for (const t of w.ref) {
      const got = w.queue.get(t.id);
      expect(got.state).toBe(t.state);
      expect(got.attempts).toBe(t.attempts);
      if (t.state === 'done') expect(got.result).toBe(t.result);
      if (t.state === 'failed') expect(got.failureReason).toBe(t.result);
    }
  }
  toString = () => 'observe';
}

describe('SharedTaskQueue against a reference model', () => {
  it('agrees with the reference on every sequence of operations', () => {
    const commands = [
      fc.tuple(fc.string({ maxLength: 12 }), fc.integer({ min: 0, max: 3 })).map(([p, prio]) => new Enqueue(p, prio)),
      fc.integer({ min: 1, max: 4 }).map((a) => new Claim(a)),
      fc
        .tuple(fc.nat(), fc.constantFrom('complete', 'fail', 'retry', 'release' as const), fc.string({ maxLength: 8 }))
        .map(([i, how, text]) => new Finish(i, how, text)),
      fc.constant(new Observe()),
    ];
    fc.assert(
      fc.property(fc.commands(commands, { maxCommands: 80 }), (cmds) => {
        const world: World = {
          queue: SharedTaskQueue.create({ initialTasks: 4, maxAttempts: MAX_ATTEMPTS }),
          ref: [],
          leases: [],
        };
        fc.modelRun(() => ({ model: world, real: world }), cmds);
        new Observe().run(world, world);
      }),
      { numRuns: 300 },
    );
  });
});
