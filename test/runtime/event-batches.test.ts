import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { EventBatcher } from '../../actors/thread-events.js';
import { isEventBatch, type EventBatch } from '../../src/runtime/event-batches.js';
import type { WorkerEvent } from '../../src/runtime/events.js';

const state = (agentId: number, s: string): WorkerEvent => ({ type: 'agent.state', agentId, state: s });

/** Collects what arrives on the main side of a port, in order. */
function listen(port: MessagePort): unknown[] {
  const got: unknown[] = [];
  port.on('message', (m: unknown) => got.push(m));
  return got;
}
// A timer that fires late (a descheduled process) runs before the port messages already waiting: the
// check phase after it comes after the poll phase that delivers them.
const turn = () => new Promise((r) => setTimeout(r, 20)).then(() => new Promise((r) => setImmediate(r)));

describe('EventBatcher (worker side)', () => {
  it('posts one batch per turn for every agent of its task, a task outcome at once, and flushes before an end message', async () => {
    const { port1, port2 } = new MessageChannel();
    const got = listen(port1);
    const events = new EventBatcher(port2);
    events.push(state(1, 'claiming'));
    events.push(state(2, 'claiming'));
    events.push(state(2, 'reading'));
    await turn();
    expect(got).toEqual([{ events: [state(1, 'claiming'), state(2, 'claiming'), state(2, 'reading')] }]);
    // A task's outcome goes at once with what is pending (the thread may die next); usage waits for the turn.
    events.push(state(1, 'calling'));
    events.push({ type: 'task.completed', agentId: 2, taskId: 9 });
    const usage = { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0, costUsd: 0, latencyMs: 1 };
    events.push({ type: 'usage', agentId: 2, role: 'agent', model: 'm', taskId: 9, ...usage });
    events.push({ type: 'task.failed', agentId: 1, taskId: 8, reason: 'r' });
    await turn();
    expect(got.slice(1).map((b) => (b as EventBatch).events.map((e) => e.type))).toEqual([
      ['agent.state', 'task.completed'],
      ['usage', 'task.failed'],
    ]);
    // An agent's end message follows its last events on the same port: flush, then post.
    events.push(state(2, 'done'));
    events.flush();
    port2.postMessage({ ended: 2 });
    events.flush(); // nothing pending: nothing posted
    await turn();
    expect(got.slice(3)).toEqual([{ events: [state(2, 'done')] }, { ended: 2 }]);
    expect(got.filter(isEventBatch)).toHaveLength(4);
    port1.close();
  });
});
