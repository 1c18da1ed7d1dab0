import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { joinEventBatch, leaveEventBatch } from '../../actors/thread-events.js';
import { BatchArrivals, isEventBatch, isEventsDrain, type EventBatch } from '../../src/runtime/event-batches.js';
import type { WorkerEvent } from '../../src/runtime/events.js';

const state = (agentId: number, s: string): WorkerEvent => ({ type: 'agent.state', agentId, state: s });
const settled = async (p: Promise<void>) => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

/** Collects what arrives on the main side of a port, in order. */
function listen(port: MessagePort): unknown[] {
  const got: unknown[] = [];
  port.on('message', (m: unknown) => got.push(m));
  return got;
}
// A timer that fires late (a descheduled process) runs before the port messages already waiting: the
// check phase after it comes after the poll phase that delivers them.
const turn = () => new Promise((r) => setTimeout(r, 20)).then(() => new Promise((r) => setImmediate(r)));

describe('BatchArrivals', () => {
  it('delivers batches in their order whatever port carried them, and drains an agent only after its last', async () => {
    const arrivals = new BatchArrivals();
    const delivered: number[] = [];
    const arrive = (seq: number) => arrivals.arrived('t:1', seq, () => delivered.push(seq));
    arrive(1);
    arrive(3); // batch 2 travels on a port the main thread reads later
    const drain = arrivals.drained({ batch: 't:1', lastSeq: 3, last: false, agents: 1 });
    expect(delivered).toEqual([1]);
    expect(await settled(drain)).toBe(false);
    arrive(2);
    expect(delivered).toEqual([1, 2, 3]);
    expect(await settled(drain)).toBe(true);
    expect(await settled(arrivals.drained({ batch: 't:1', lastSeq: 2, last: false, agents: 1 }))).toBe(true);
  });

  it('gives up on a batch that never comes after the gap time, delivering the later ones in order', async () => {
    const arrivals = new BatchArrivals(30);
    const delivered: number[] = [];
    const arrive = (seq: number) => arrivals.arrived('t:3', seq, () => delivered.push(seq));
    arrive(3);
    arrive(2);
    const drain = arrivals.drained({ batch: 't:3', lastSeq: 3, last: true, agents: 1 });
    expect(delivered).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(delivered).toEqual([2, 3]);
    await drain;
    arrive(1); // late, not lost
    expect(delivered).toEqual([2, 3, 1]);
  });

  it('forgets a shared batch once every agent that used it drained and its last batch arrived', async () => {
    const arrivals = new BatchArrivals();
    arrivals.arrived('t:2', 1, () => undefined);
    arrivals.arrived('t:2', 2, () => undefined);
    // The last agent's drain is read before the other agent's, which left earlier (another port).
    await arrivals.drained({ batch: 't:2', lastSeq: 2, last: true, agents: 2 });
    expect(arrivals.size).toBe(1);
    // Had the batch been forgotten at the last agent's drain, this one would wait for batch 1 forever.
    expect(await settled(arrivals.drained({ batch: 't:2', lastSeq: 1, last: false, agents: 1 }))).toBe(true);
    expect(arrivals.size).toBe(0);
  });

  it("forgets a terminated thread's batches, delivering what it held and waking its drains, and no other thread's", async () => {
    const arrivals = new BatchArrivals(60_000);
    const delivered: string[] = [];
    arrivals.arrived('7:1', 1, () => delivered.push('7:1#1'));
    arrivals.arrived('7:1', 3, () => delivered.push('7:1#3')); // held: batch 2 died with the thread
    arrivals.arrived('7:2', 1, () => delivered.push('7:2#1'));
    arrivals.arrived('17:1', 1, () => delivered.push('17:1#1'));
    const drain = arrivals.drained({ batch: '7:1', lastSeq: 3, last: false, agents: 2 });
    expect(arrivals.size).toBe(3);
    arrivals.forgetThread(7);
    expect(delivered).toEqual(['7:1#1', '7:2#1', '17:1#1', '7:1#3']);
    expect(await settled(drain)).toBe(true);
    expect(arrivals.size).toBe(1); // thread 17's, not a prefix match of 7
  });
});

describe('shared event batches (worker side)', () => {
  it("posts one batch per turn for every agent of a run, urgent events at once over the emitter's port", async () => {
    const a = new MessageChannel();
    const b = new MessageChannel();
    const gotA = listen(a.port1);
    const gotB = listen(b.port1);
    const batchA = joinEventBatch('run-x', a.port2);
    const batchB = joinEventBatch('run-x', b.port2);
    expect(batchB).toBe(batchA);
    batchA.push(state(1, 'claiming'), a.port2, false);
    batchB.push(state(2, 'claiming'), b.port2, false);
    batchB.push(state(2, 'reading'), b.port2, false);
    await turn();
    // One message for both agents, on one port.
    const batches = [...gotA, ...gotB].filter(isEventBatch);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.events).toEqual([state(1, 'claiming'), state(2, 'claiming'), state(2, 'reading')]);
    // Urgent: posted at once, with what was pending, over the emitting agent's own port.
    batchA.push(state(1, 'calling'), a.port2, false);
    batchB.push({ type: 'task.completed', agentId: 2, taskId: 9 }, b.port2, true);
    await turn();
    const last = gotB.filter(isEventBatch).at(-1) as EventBatch;
    expect(last.events.map((e) => e.type)).toEqual(['agent.state', 'task.completed']);
    expect(last.seq).toBe(2);
    // Leaving posts what is pending over the leaving agent's port and names the last batch.
    batchA.push(state(2, 'done'), b.port2, false);
    const drainB = leaveEventBatch(b.port2);
    expect(drainB).toEqual({ batch: batchA.key, lastSeq: 3, last: false, agents: 2 });
    expect(leaveEventBatch(b.port2)).toBeUndefined();
    expect(leaveEventBatch(a.port2)).toEqual({ batch: batchA.key, lastSeq: 3, last: true, agents: 2 });
    // The run's next agent on this thread starts a new shared batch.
    const c = new MessageChannel();
    expect(joinEventBatch('run-x', c.port2).key).not.toBe(batchA.key);
    leaveEventBatch(c.port2);
    await turn();
    expect(gotB.filter(isEventBatch).at(-1)!.events).toEqual([state(2, 'done')]);
    expect([...gotA, ...gotB].some(isEventsDrain)).toBe(false); // the host posts the drain, not the batch
    for (const ch of [a, b, c]) ch.port1.close();
  });
});
