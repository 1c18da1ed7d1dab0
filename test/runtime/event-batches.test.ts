import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { EventBatcher } from '../../actors/thread-events.js';
import { isEventBatch, type EventBatch } from '../../src/runtime/event-batches.js';
import type { WorkerEvent } from '../../src/runtime/events.js';
import type { AgentEnded } from '../../src/runtime/worker-start.js';
import type { AgentOutput } from '../../machines/types.js';

const state = (agentId: number, s: string): WorkerEvent => ({ type: 'agent.state', agentId, state: s });
// Only the status matters on the way (a released agent's end waits for the turn); the rest is carried as is.
const ended = (agentId: number, status: AgentOutput['status']): AgentEnded => ({
  ended: agentId,
  output: { status } as AgentOutput,
});

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
  it("posts one batch per turn for every agent of its task, a task outcome at once, and agents' ends after their events", async () => {
    const { port1, port2 } = new MessageChannel();
    const got = listen(port1);
    const events = new EventBatcher(port2);
    // Each event is pushed with when it happened: the stamps travel beside the events, in the same order.
    let at = 0;
    const push = (event: WorkerEvent) => events.push(event, ++at);
    push(state(1, 'claiming'));
    push(state(2, 'claiming'));
    push(state(2, 'reading'));
    await turn();
    expect(got).toEqual([
      { events: [state(1, 'claiming'), state(2, 'claiming'), state(2, 'reading')], stamps: [1, 2, 3] },
    ]);
    // A task's outcome goes at once with what is pending (the thread may die next); usage waits for the turn.
    push(state(1, 'calling'));
    push({ type: 'task.completed', agentId: 2, taskId: 9 });
    const usage = { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0, costUsd: 0, latencyMs: 1 };
    push({ type: 'usage', agentId: 2, role: 'agent', model: 'm', taskId: 9, ...usage });
    push({ type: 'task.failed', agentId: 1, taskId: 8, reason: 'r' });
    await turn();
    expect(got.slice(1).map((b) => (b as EventBatch).events.map((e) => e.type))).toEqual([
      ['agent.state', 'task.completed'],
      ['usage', 'task.failed'],
    ]);
    expect(got.slice(1).map((b) => (b as EventBatch).stamps)).toEqual([
      [4, 5],
      [6, 7],
    ]);
    // An agent's end follows its last events in the same batch: released agents' ends wait for the turn
    // (hundreds end together), any other end goes at once with what is pending.
    push(state(2, 'released'));
    events.end(ended(2, 'released'), false);
    events.end(ended(3, 'released'), false);
    await turn();
    expect(got.slice(3)).toEqual([
      { events: [state(2, 'released')], stamps: [8], ended: [ended(2, 'released'), ended(3, 'released')] },
    ]);
    push(state(4, 'done'));
    events.end(ended(4, 'done'), true);
    push(state(1, 'claiming'));
    events.flush();
    events.flush(); // nothing pending: nothing posted
    await turn();
    expect(got.slice(4)).toEqual([
      { events: [state(4, 'done')], stamps: [9], ended: [ended(4, 'done')] },
      { events: [state(1, 'claiming')], stamps: [10] },
    ]);
    expect(got.filter(isEventBatch)).toHaveLength(6);
    port1.close();
  });
});
