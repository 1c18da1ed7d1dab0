// Event sequences for the page's unit tests.
import type { SwarmEvent } from '../../../../src/runtime/events.js';
import type { RunSummary } from '../../../../src/inspector/wire.js';
import { emptyRun, type MutableRun } from '../../../../src/inspector/page/client/model.js';
import { applyEvents } from '../../../../src/inspector/page/client/reduce.js';

/** The agent chart's ids around the thinking state (two parallel regions). */
export const THINKING_CHART_IDS: ReadonlySet<string> = new Set([
  'agent.claiming',
  'agent.thinking',
  'agent.thinking.model',
  'agent.thinking.model.calling',
  'agent.thinking.lease',
  'agent.thinking.lease.holding',
  'agent.proposing',
]);

/** A run summary as the server lists it. */
export function summary(over: Partial<RunSummary> = {}): RunSummary {
  return {
    id: 'r1',
    label: 'run',
    agents: 2,
    speed: 1,
    status: 'running',
    stopReason: undefined,
    events: 0,
    order: 1,
    trackedAt: 0,
    truncated: false,
    ...over,
  };
}

/** A short run: two agents and the verifier, three tasks, two commits, a rejection, an answer. */
export const RUN: SwarmEvent[] = [
  { type: 'run.started', at: 0, runId: 'r1', agents: 2, tasks: 3 },
  {
    type: 'ledger.seeded',
    at: 0,
    entries: [
      {
        entryId: 0,
        kind: 'raw',
        level: 2,
        parentId: -1,
        taskId: -1,
        authorId: 0,
        text: 'the source',
        chars: 10,
        labels: ['D1'],
        tokenCount: 3,
      },
    ],
    omitted: 0,
  },
  { type: 'agent.state', at: 1, agentId: 0, state: 'waiting' },
  { type: 'agent.state', at: 1, agentId: 1, state: 'claiming' },
  { type: 'agent.state', at: 2, agentId: 2, state: 'claiming' },
  { type: 'task.claimed', at: 10, agentId: 1, taskId: 0, attempt: 1, leaseMs: 5000 },
  { type: 'agent.state', at: 10, agentId: 1, state: 'thinking.model.calling|lease.holding' },
  { type: 'task.claimed', at: 20, agentId: 2, taskId: 1, attempt: 1, leaseMs: 5000 },
  { type: 'agent.state', at: 20, agentId: 2, state: 'thinking.model.calling|lease.holding' },
  {
    type: 'usage',
    at: 300,
    agentId: 1,
    role: 'agent',
    model: 'm',
    taskId: 0,
    inputTokens: 100,
    outputTokens: 20,
    cachedInputTokens: 5,
    costUsd: 0.001,
    latencyMs: 290,
  },
  { type: 'agent.state', at: 300, agentId: 1, state: 'proposing' },
  { type: 'agent.state', at: 301, agentId: 0, state: 'deciding' },
  {
    type: 'commit',
    at: 310,
    entryId: 1,
    kind: 'gist',
    authorId: 1,
    taskId: 0,
    level: 0,
    parentId: 0,
    text: 'finding one',
    chars: 11,
    labels: ['D1'],
  },
  { type: 'agent.state', at: 311, agentId: 0, state: 'waiting' },
  { type: 'task.completed', at: 312, agentId: 1, taskId: 0 },
  { type: 'agent.state', at: 312, agentId: 1, state: 'claiming' },
  { type: 'reject', at: 320, authorId: 2, taskId: 1, verdict: 'reject', reason: 'quote not in source', entryId: 2 },
  { type: 'task.failed', at: 330, agentId: 2, taskId: 1, reason: 'out of attempts' },
  { type: 'task.extended', at: 340, agentId: 1, taskId: 2, leaseMs: 5000 },
  { type: 'budget.warning', at: 350, resource: 'tokens', used: 900, limit: 1000 },
  { type: 'final.decision', at: 400, agentId: 1, round: 1, decision: 'answer' },
  { type: 'commit', at: 410, entryId: 3, kind: 'answer', authorId: 1, taskId: -1, text: '1 finding' },
  { type: 'run.finished', at: 500, stopReason: 'answered' },
];

/** The page's model of `events`. */
export function runOf(events: readonly SwarmEvent[]): MutableRun {
  const run = emptyRun();
  applyEvents(run, events);
  return run;
}
