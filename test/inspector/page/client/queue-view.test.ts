import { describe, expect, it } from 'vitest';
import type { TaskView } from '../../../../src/inspector/page/client/model.js';
import { claimedLabel, leaseView, queueView, taskLabel } from '../../../../src/inspector/page/client/queue-view.js';
import { runOf } from './events.js';

const task = (over: Partial<TaskView> = {}): TaskView => ({
  id: 3,
  state: 'claimed',
  attempts: 1,
  parentId: -1,
  payload: null,
  agent: 2,
  deadline: 5000,
  leaseStart: 1000,
  reason: null,
  ...over,
});

describe('queue view', () => {
  it('counts and lists tasks by state: by id, done newest first', () => {
    const run = runOf([
      { type: 'run.started', at: 0, runId: 'r', agents: 1, tasks: 6 },
      { type: 'task.claimed', at: 1, agentId: 1, taskId: 4, attempt: 1 },
      { type: 'task.claimed', at: 1, agentId: 2, taskId: 1, attempt: 1 },
      { type: 'task.completed', at: 2, agentId: 1, taskId: 4 },
      { type: 'task.claimed', at: 2, agentId: 1, taskId: 0, attempt: 1 },
      { type: 'task.completed', at: 3, agentId: 1, taskId: 0 },
      { type: 'task.failed', at: 3, agentId: 2, taskId: 1, reason: 'x' },
    ]);
    const view = queueView(run);
    expect(view.counts).toEqual({ pending: 3, claimed: 0, done: 2, failed: 1 });
    expect(view.lists.pending.map((t) => t.id)).toEqual([2, 3, 5]);
    expect(view.lists.done.map((t) => t.id)).toEqual([4, 0]);
    expect(view.lists.failed.map((t) => t.id)).toEqual([1]);
  });

  it('draws a lease as the share of it left, low under two seconds, expired at its deadline', () => {
    expect(leaseView(task(), 1000)).toEqual({ percentLeft: 100, level: 'ok', text: '4.0 s' });
    expect(leaseView(task(), 3000)).toEqual({ percentLeft: 50, level: 'ok', text: '2.0 s' });
    expect(leaseView(task(), 3500)).toMatchObject({ level: 'low', text: '1.5 s' });
    expect(leaseView(task(), 5000)).toEqual({ percentLeft: 0, level: 'expired', text: 'expired' });
    expect(leaseView(task(), 9000)).toMatchObject({ percentLeft: 0, level: 'expired' });
    expect(leaseView(task({ deadline: null }), 0)).toBeNull();
  });

  it('labels a task with its holder, attempt and the task that enqueued it', () => {
    expect(claimedLabel(task())).toBe('#3 · agent 2');
    expect(claimedLabel(task({ attempts: 2, agent: null }))).toBe('#3 · try 2');
    expect(taskLabel(task({ parentId: 1 }))).toBe('#3 ← #1');
    expect(taskLabel(task())).toBe('#3');
  });
});
