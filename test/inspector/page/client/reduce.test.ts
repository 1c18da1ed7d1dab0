import { describe, expect, it } from 'vitest';
import { emptyRun } from '../../../../src/inspector/page/client/model.js';
import { applyEvents } from '../../../../src/inspector/page/client/reduce.js';
import type { SwarmEvent } from '../../../../src/runtime/events.js';
import { RUN, runOf } from './events.js';

const upTo = (type: SwarmEvent['type'], nth = 1) => {
  let seen = 0;
  return RUN.slice(0, RUN.findIndex((e) => e.type === type && ++seen === nth) + 1);
};

describe('the page’s event reduction', () => {
  it('builds agents, tasks, ledger, usage and the answer from a run’s events', () => {
    const run = runOf(RUN);
    expect(run.count).toBe(RUN.length);
    expect([...run.tasks.values()].map((t) => [t.id, t.state])).toEqual([
      [0, 'done'],
      [1, 'failed'],
      [2, 'pending'],
    ]);
    expect(run.tasks.get(1)).toMatchObject({ reason: 'out of attempts', deadline: null, agent: 2 });
    expect(run.agents.get(1)).toMatchObject({ state: 'claiming', task: null });
    expect(run.entries.get(0)).toMatchObject({ kind: 'raw', seeded: true, text: 'the source', labels: ['D1'] });
    expect(run.entries.get(1)).toMatchObject({
      kind: 'gist',
      parentId: 0,
      authorId: 1,
      text: 'finding one',
      seeded: false,
    });
    expect(run.entries.get(2)).toMatchObject({
      kind: 'failure',
      reason: 'quote not in source',
      taskId: 1,
      authorId: 2,
    });
    expect(run.rejects).toEqual([
      { authorId: 2, taskId: 1, verdict: 'reject', reason: 'quote not in source', entryId: 2, at: 320 },
    ]);
    expect(run.usage).toEqual({ input: 100, output: 20, cached: 5, calls: 1, cost: 0.001 });
    expect(run.answer).toBe('1 finding');
    expect(run.warnings).toEqual(['tokens 900 / 1000']);
    expect(run.decisions).toEqual([{ agentId: 1, round: 1, decision: 'answer', tasks: 0 }]);
    expect(run).toMatchObject({ stopReason: 'answered', finishedAt: 500 });
  });

  it('records each stretch an agent spent in a state and what it waited on, closing the open ones when the run finishes', () => {
    const run = runOf(RUN);
    const agent1 = run.spans.filter((s) => s.agent === 1);
    expect(agent1).toEqual([
      { agent: 1, state: 'claiming', start: 1, end: 10, wait: 'claiming' },
      { agent: 1, state: 'thinking.model.calling|lease.holding', start: 10, end: 300 },
      { agent: 1, state: 'proposing', start: 300, end: 312 },
      { agent: 1, state: 'claiming', start: 312, end: 500, wait: 'claiming' },
    ]);
    // A claim that ends in being released or in the election was the round's tail.
    const tail = runOf([...RUN.slice(0, -1), { type: 'agent.state', at: 450, agentId: 1, state: 'released' }]);
    expect(tail.spans.filter((s) => s.agent === 1).at(-1)).toEqual({
      agent: 1,
      state: 'claiming',
      start: 312,
      end: 450,
      wait: 'tail',
    });
    // Spans tile each agent's time from its first state to the end.
    for (const id of [0, 1, 2]) {
      const mine = run.spans.filter((s) => s.agent === id);
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.start).toBe(mine[i - 1]!.end);
      expect(mine.at(-1)!.end).toBe(500);
    }
  });

  it('tracks a lease from its claim and its extensions, and drops it when the task ends', () => {
    const claimed = runOf(upTo('task.claimed'));
    expect(claimed.tasks.get(0)).toMatchObject({
      state: 'claimed',
      agent: 1,
      attempts: 1,
      leaseStart: 10,
      deadline: 5010,
    });
    applyEvents(claimed, [{ type: 'task.extended', at: 4000, agentId: 1, taskId: 0, leaseMs: 5000 }]);
    expect(claimed.tasks.get(0)).toMatchObject({ leaseStart: 4000, deadline: 9000 });
    const noLease = runOf([{ type: 'task.claimed', at: 5, agentId: 1, taskId: 4, attempt: 2 }]);
    expect(noLease.tasks.get(4)).toMatchObject({ state: 'claimed', deadline: null, attempts: 2 });
  });

  it('moves the queue’s and the ledger’s revision only when events change them, so the page redraws only those', () => {
    const run = runOf(upTo('commit'));
    const before = { ...run.revision };
    applyEvents(run, [
      {
        type: 'usage',
        at: 320,
        agentId: 2,
        role: 'agent',
        model: 'm',
        taskId: 1,
        inputTokens: 7,
        outputTokens: 1,
        cachedInputTokens: 0,
        costUsd: 0,
        latencyMs: 1,
      },
      { type: 'agent.state', at: 321, agentId: 2, state: 'proposing' },
    ]);
    expect(run.revision).toEqual(before);
    applyEvents(run, [{ type: 'commit', at: 330, entryId: 9, kind: 'gist', authorId: 2, taskId: 1 }]);
    expect(run.revision).toEqual({ tasks: before.tasks, ledger: before.ledger + 1 });
    applyEvents(run, [{ type: 'task.completed', at: 331, agentId: 2, taskId: 1 }]);
    expect(run.revision).toEqual({ tasks: before.tasks + 1, ledger: before.ledger + 1 });
    applyEvents(run, [{ type: 'reject', at: 332, authorId: 2, taskId: 1, verdict: 'duplicate', reason: 'same as #1' }]);
    expect(run.revision.ledger).toBe(before.ledger + 2);
    expect(run.count).toBe(upTo('commit').length + 5);
  });

  it('keeps what an older record left out of a commit from what it knew before', () => {
    const run = runOf([
      {
        type: 'ledger.seeded',
        at: 0,
        entries: [
          {
            entryId: 4,
            kind: 'raw',
            level: 2,
            parentId: -1,
            taskId: -1,
            authorId: 0,
            text: 'src',
            chars: 3,
            labels: ['S'],
            tokenCount: 1,
          },
        ],
        omitted: 0,
      },
      { type: 'commit', at: 9, entryId: 4, kind: 'raw', authorId: 0, taskId: -1 },
      { type: 'commit', at: 9, entryId: 5, kind: 'answer', authorId: 1, taskId: -1 },
    ]);
    expect(run.entries.get(4)).toMatchObject({ text: 'src', labels: ['S'], level: 2, seeded: true, at: 9 });
    expect(run.answer).toBe('(answer committed; its text is not in this record)');
  });

  it('lists each agent state change with the state it left, for the chart animation', () => {
    const transitions = applyEvents(emptyRun(), upTo('agent.state', 5));
    expect(transitions).toEqual([
      { agentId: 0, from: null, to: 'waiting' },
      { agentId: 1, from: null, to: 'claiming' },
      { agentId: 2, from: null, to: 'claiming' },
      { agentId: 1, from: 'claiming', to: 'thinking.model.calling|lease.holding' },
      { agentId: 2, from: 'claiming', to: 'thinking.model.calling|lease.holding' },
    ]);
  });

  it('marks a crashed agent and its replacement', () => {
    const run = runOf([
      { type: 'agent.state', at: 1, agentId: 1, state: 'reading' },
      { type: 'agent.crashed', at: 5, agentId: 1, error: 'worker exited with code 1', heldTaskId: 0 },
      { type: 'agent.started', at: 6, agentId: 3, replaces: 1 },
      { type: 'agent.stopped', at: 9, agentId: 3, status: 'done', reason: undefined },
    ]);
    expect(run.agents.get(1)).toMatchObject({
      state: 'crashed',
      status: 'crashed',
      reason: 'worker exited with code 1',
      since: 5,
    });
    expect(run.agents.get(3)).toMatchObject({ replaces: 1, status: 'done', reason: null });
    expect(run.spans).toEqual([{ agent: 1, state: 'reading', start: 1, end: 5 }]);
  });

  it('takes task states, attempts and payloads from queue snapshots', () => {
    const run = runOf([
      { type: 'task.claimed', at: 1, agentId: 1, taskId: 0, attempt: 1, leaseMs: 100 },
      {
        type: 'queue.snapshot',
        at: 2,
        stats: { total: 2, pending: 1, claimed: 0, done: 1, failed: 0, open: 1 },
        tasks: [
          { id: 0, state: 'done', attempts: 1, parentId: -1, payload: 'first' },
          { id: 1, state: 'pending', attempts: 0, parentId: 0, payload: 'second' },
        ],
        omitted: 0,
      },
      { type: 'task.enqueued', at: 3, agentId: 1, taskIds: [2, 3], parentTaskId: 1 },
    ]);
    expect(run.tasks.get(0)).toMatchObject({ state: 'done', deadline: null, payload: 'first' });
    expect(run.tasks.get(1)).toMatchObject({ state: 'pending', parentId: 0, payload: 'second' });
    expect([run.tasks.get(2)?.parentId, run.tasks.get(3)?.parentId]).toEqual([1, 1]);
    expect(run.stats).toMatchObject({ total: 2, done: 1 });
  });
});
