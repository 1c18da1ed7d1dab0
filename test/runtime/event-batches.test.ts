import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { EventBatcher } from '../../actors/thread-events.js';
import { EventBatchReader, STATE_CODES, isEventBatch, type EventBatch } from '../../src/runtime/event-batches.js';
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
/** Every event of `batches` with its stamp, as one port's main side reads them (a fresh reader, in order). */
function readAll(batches: EventBatch[]): [WorkerEvent, number | undefined][] {
  const reader = new EventBatchReader();
  const read: [WorkerEvent, number | undefined][] = [];
  for (const batch of batches) reader.read(batch, (event, at) => read.push([event, at]));
  return read;
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
    const reader = new EventBatchReader();
    const types = (batch: unknown) => {
      const read: string[] = [];
      reader.read(batch as EventBatch, (event) => read.push(event.type));
      return read;
    };
    expect(got.slice(1).map(types)).toEqual([
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

  it('packs state changes as numbers, names each state once per port, and reads them back in order with the other events', async () => {
    const { port1, port2 } = new MessageChannel();
    const got = listen(port1);
    const events = new EventBatcher(port2);
    events.state(3, 'claiming', 1);
    events.push({ type: 'proposal', agentId: 3, taskId: 7 }, 2);
    events.state(1_000_000, 'thinking.model.calling|lease.holding', 3);
    events.state(3, 'claiming', 4);
    await turn();
    events.state(5, 'claiming', 5);
    events.state(5, 'released', 6);
    await turn();
    const batches = got.filter(isEventBatch);
    expect(batches).toHaveLength(2);
    // On the way: numbers, each state named in the first batch that uses it, never again.
    expect(batches[0]!.events.filter((e) => typeof e === 'number' && e >= 0)).toHaveLength(3);
    expect(batches.map((b) => b.named)).toEqual([
      { from: 0, names: ['claiming', 'thinking.model.calling|lease.holding'] },
      { from: 2, names: ['released'] },
    ]);
    expect(readAll(batches)).toEqual([
      [state(3, 'claiming'), 1],
      [{ type: 'proposal', agentId: 3, taskId: 7 }, 2],
      [state(1_000_000, 'thinking.model.calling|lease.holding'), 3],
      [state(3, 'claiming'), 4],
      [state(5, 'claiming'), 5],
      [state(5, 'released'), 6],
    ]);
    // A reader that missed a batch says so rather than reading codes against the wrong names.
    expect(() => new EventBatchReader().read(batches[1]!, () => undefined)).toThrow(
      /names from code 2, but this port carried 0/,
    );
    const unnamed: EventBatch = { events: [5 * STATE_CODES + 3], stamps: [1] };
    expect(() => new EventBatchReader().read(unnamed, () => undefined)).toThrow(/name code 3 was never named/);
    port1.close();
  });

  it('sends a state as an event object once the port has coded as many names as it can', async () => {
    const { port1, port2 } = new MessageChannel();
    const got = listen(port1);
    const events = new EventBatcher(port2);
    for (let i = 0; i <= STATE_CODES; i++) events.state(1, `s${i}`, i);
    await turn();
    const [batch] = got.filter(isEventBatch);
    expect(batch!.named?.names).toHaveLength(STATE_CODES);
    expect(batch!.events.at(-1)).toEqual(state(1, `s${STATE_CODES}`));
    expect(readAll([batch!]).map(([e]) => (e.type === 'agent.state' ? e.state : e.type))).toEqual(
      Array.from({ length: STATE_CODES + 1 }, (_, i) => `s${i}`),
    );
    port1.close();
  });

  it("packs a sub-task's claim, usage, proposal and completion as numbers, and reads them back as they were, in order", async () => {
    const { port1, port2 } = new MessageChannel();
    const got = listen(port1);
    const events = new EventBatcher(port2);
    const usage = (taskId: number | undefined, model: string): WorkerEvent => ({
      type: 'usage',
      agentId: 4,
      role: 'agent',
      model,
      taskId,
      inputTokens: 1200,
      outputTokens: 37,
      cachedInputTokens: 1024,
      costUsd: 0.000123,
      latencyMs: 812.5,
    });
    const sent: WorkerEvent[] = [
      { type: 'task.claimed', agentId: 4, taskId: 7, attempt: 2, leaseMs: 29_998, generation: 3 },
      { type: 'task.claimed', agentId: 5, taskId: 8, attempt: 1 },
      usage(7, 'gpt-4o-mini'),
      usage(undefined, 'claude-sonnet'),
      { type: 'proposal', agentId: 4, taskId: 7 },
      { type: 'task.enqueued', agentId: 4, taskIds: [9, 10], parentTaskId: 7 },
      { type: 'task.completed', agentId: 4, taskId: 7 },
    ];
    sent.forEach((event, i) => events.push(event, i + 1));
    events.state(4, 'claiming', 8);
    events.push(usage(11, 'gpt-4o-mini'), 9);
    await turn();
    // The completion went at once (no journal here), with what was pending; the rest at the turn's end.
    const batches = got.filter(isEventBatch);
    expect(batches).toHaveLength(2);
    // Only the enqueue travels as an object; the usage events' role and models are named once.
    expect(batches.flatMap((b) => b.events.filter((e) => typeof e !== 'number'))).toEqual([sent[5]]);
    expect(batches.map((b) => b.named)).toEqual([
      { from: 0, names: ['agent', 'gpt-4o-mini', 'claude-sonnet'] },
      { from: 3, names: ['claiming'] },
    ]);
    const read = readAll(batches);
    expect(read).toEqual([
      ...sent.map((event, i): [WorkerEvent, number] => [event, i + 1]),
      [state(4, 'claiming'), 8],
      [usage(11, 'gpt-4o-mini'), 9],
    ]);
    // An absent task id comes back as the undefined it was, not as a number.
    expect(read[3]![0]).toHaveProperty('taskId', undefined);
    port1.close();
  });

  it("packs the verifier's commits, text and labels included, and reads them back with their keys in order", async () => {
    const { port1, port2 } = new MessageChannel();
    const got = listen(port1);
    const events = new EventBatcher(port2);
    const brief = { level: 0, parentId: 3, text: 'rates rose — ”twice”, 二度', chars: 24, labels: ['S1', 'S2'] };
    const sent: WorkerEvent[] = [
      { type: 'commit', entryId: 9, kind: 'gist', authorId: 4, taskId: 7, ...brief, waitedMs: 0.81, latencyMs: 1.25 },
      { type: 'commit', entryId: 10, kind: 'raw', authorId: 4, taskId: 7, ...brief, parentId: -1, labels: [] },
      { type: 'commit', entryId: 11, kind: 'answer', authorId: 1, taskId: -1 },
      { type: 'reject', authorId: 5, taskId: 8, verdict: 'duplicate', reason: 'already in the ledger' },
    ];
    sent.forEach((event, i) => events.push(event, i + 1));
    await turn();
    const batches = got.filter(isEventBatch);
    expect(batches.flatMap((b) => b.events.filter((e) => typeof e !== 'number'))).toEqual([sent[3]]);
    expect(batches.flatMap((b) => b.texts ?? [])).toEqual([brief.text, brief.text]);
    const read = readAll(batches);
    expect(read).toEqual(sent.map((event, i) => [event, i + 1]));
    // The same keys in the same order as the verifier wrote them (the records' JSON lines), none added.
    expect(read.map(([event]) => Object.keys(event))).toEqual(sent.map((event) => Object.keys(event)));
    port1.close();
  });

  it('sends a usage event or a commit as an object once the port can name no more', async () => {
    const { port1, port2 } = new MessageChannel();
    const got = listen(port1);
    const events = new EventBatcher(port2);
    for (let i = 0; i < STATE_CODES; i++) events.state(1, `s${i}`, i);
    const usage: WorkerEvent = {
      type: 'usage',
      agentId: 1,
      role: 'agent',
      model: 'm',
      taskId: 2,
      inputTokens: 1,
      outputTokens: 1,
      cachedInputTokens: 0,
      costUsd: 0,
      latencyMs: 1,
    };
    events.push(usage, STATE_CODES);
    const commit: WorkerEvent = { type: 'commit', entryId: 1, kind: 's0', authorId: 1, taskId: 2, labels: ['S9'] };
    events.push(commit, STATE_CODES + 1);
    await turn();
    const [batch] = got.filter(isEventBatch);
    expect(batch!.events.slice(-2)).toEqual([usage, commit]);
    expect(readAll([batch!]).slice(-2)).toEqual([
      [usage, STATE_CODES],
      [commit, STATE_CODES + 1],
    ]);
    port1.close();
  });

  it('refuses a batch whose packed event has no fields, a type it does not know, or a text it does not carry', () => {
    expect(() => new EventBatchReader().read({ events: [-1], stamps: [1] }, () => undefined)).toThrow(
      /no field 0 for the event packed at 0/,
    );
    expect(() => new EventBatchReader().read({ events: [-1], fields: [99], stamps: [1] }, () => undefined)).toThrow(
      /no packed event type 99/,
    );
    const commit = [4, 1, 0, 1, 2, NaN, NaN, NaN, NaN, NaN, 0, -1];
    const named = { from: 0, names: ['gist'] };
    expect(() =>
      new EventBatchReader().read({ events: [-1], fields: commit, stamps: [1], named }, () => undefined),
    ).toThrow(/no text 0 for a packed commit/);
  });

  it('drops a batch that cannot be posted, names and all, and codes the next one from what the port carried', async () => {
    const { port1, port2 } = new MessageChannel();
    const got = listen(port1);
    const events = new EventBatcher(port2);
    events.state(1, 'claiming', 1);
    const uncloneable = { type: 'reject', note: () => 0 } as unknown as WorkerEvent;
    events.push(uncloneable, 2);
    expect(() => events.flush()).toThrow(/could not be cloned/);
    events.state(1, 'claiming', 3);
    events.state(1, 'reading', 4);
    await turn();
    expect(readAll(got.filter(isEventBatch))).toEqual([
      [state(1, 'claiming'), 3],
      [state(1, 'reading'), 4],
    ]);
    port1.close();
  });
});
