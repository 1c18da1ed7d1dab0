/**
 * Folds a run's events into its model, in place: each event costs the same however long the run
 * already is. (An immer version cost 190 ms per live batch of 50 events on a run of 150,000
 * events, against 0.03 ms in place: every batch copied the spans, tasks and entries.)
 */
import type { EntryBrief, SwarmEvent } from '../../../runtime/events.js';
import { waitCause } from '../../../runtime/timeline.js';
import { FINAL_STATE, type AgentView, type EntryView, type MutableRun, type TaskView, type Writable } from './model.js';

/** An agent's state change, for animating the transition on its chart. */
export interface Transition {
  agentId: number;
  from: string | null;
  to: string;
}

/** Applies `events` to `run` (counting them in `count`); returns the agents' state changes, in order. */
export function applyEvents(run: MutableRun, events: readonly SwarmEvent[]): Transition[] {
  const transitions: Transition[] = [];
  for (const event of events) {
    if (event.type === 'agent.state')
      transitions.push({ agentId: event.agentId, from: run.agents.get(event.agentId)?.state ?? null, to: event.state });
    applyEvent(run, event);
  }
  run.count += events.length;
  return transitions;
}

/** Events that change the queue's tasks. */
const TASK_EVENTS = new Set<SwarmEvent['type']>([
  'run.started',
  'task.claimed',
  'task.extended',
  'task.completed',
  'task.failed',
  'task.enqueued',
  'queue.snapshot',
]);

function agentOf(run: MutableRun, id: number): Writable<AgentView> {
  let agent = run.agents.get(id);
  if (!agent) {
    agent = { id, state: null, since: 0, task: null, status: null, reason: null, replaces: null };
    run.agents.set(id, agent);
  }
  return agent;
}

function taskOf(run: MutableRun, id: number): Writable<TaskView> {
  let task = run.tasks.get(id);
  if (!task) {
    task = {
      id,
      state: 'pending',
      attempts: 0,
      parentId: -1,
      payload: null,
      agent: null,
      deadline: null,
      leaseStart: 0,
      reason: null,
    };
    run.tasks.set(id, task);
  }
  return task;
}

/** Ends the agent's current stretch on the timeline at `at`, as it goes to state `next` (undefined: the run ended). */
function closeSpan(run: MutableRun, agent: Writable<AgentView>, at: number, next: string | undefined): void {
  if (agent.state === null || FINAL_STATE.test(agent.state)) return;
  const wait = waitCause(agent.state, next);
  run.spans.push(
    wait
      ? { agent: agent.id, state: agent.state, start: agent.since, end: at, wait }
      : { agent: agent.id, state: agent.state, start: agent.since, end: at },
  );
}

/** What an event says of an entry; fields it leaves out keep their earlier value. */
type EntryUpdate = Partial<Omit<EntryBrief, 'tokenCount'>> & {
  entryId: number;
  at: number;
  seeded?: boolean;
  reason?: string;
};

function putEntry(run: MutableRun, b: EntryUpdate): void {
  if (b.entryId < 0) return;
  const prev: Partial<EntryView> = run.entries.get(b.entryId) ?? {};
  run.revision.ledger++;
  run.entries.set(b.entryId, {
    id: b.entryId,
    kind: b.kind || prev.kind || '',
    level: b.level ?? prev.level ?? 0,
    parentId: b.parentId ?? prev.parentId ?? -1,
    taskId: b.taskId ?? prev.taskId ?? -1,
    authorId: b.authorId ?? prev.authorId ?? 0,
    text: b.text ?? prev.text ?? '',
    chars: b.chars ?? prev.chars ?? 0,
    seeded: Boolean(b.seeded || prev.seeded),
    labels: b.labels ?? prev.labels ?? [],
    reason: b.reason || prev.reason || null,
    at: b.at,
  });
}

/** Applies one event to `run`. */
export function applyEvent(run: MutableRun, e: SwarmEvent): void {
  const at = Number.isFinite(e.at) ? e.at : 0;
  if (TASK_EVENTS.has(e.type)) run.revision.tasks++;
  switch (e.type) {
    case 'run.started':
      for (let i = 0; i < e.tasks; i++) taskOf(run, i);
      break;
    case 'agent.started': {
      // Started again after it was released: it is running, not ended.
      const a = agentOf(run, e.agentId);
      a.replaces = e.replaces ?? null;
      a.status = null;
      a.reason = null;
      break;
    }
    case 'agent.state': {
      const a = agentOf(run, e.agentId);
      closeSpan(run, a, at, e.state);
      a.state = e.state;
      a.since = at;
      break;
    }
    case 'agent.stopped': {
      const a = agentOf(run, e.agentId);
      a.status = e.status;
      a.reason = e.reason ?? null;
      break;
    }
    case 'agent.crashed': {
      const a = agentOf(run, e.agentId);
      closeSpan(run, a, at, 'crashed');
      a.state = 'crashed';
      a.since = at;
      a.status = 'crashed';
      a.reason = e.error;
      break;
    }
    case 'task.claimed': {
      const t = taskOf(run, e.taskId);
      t.state = 'claimed';
      t.agent = e.agentId;
      t.attempts = e.attempt;
      t.deadline = e.leaseMs !== undefined ? at + e.leaseMs : null;
      t.leaseStart = at;
      agentOf(run, e.agentId).task = t.id;
      break;
    }
    case 'task.extended': {
      const t = taskOf(run, e.taskId);
      t.deadline = at + e.leaseMs;
      t.leaseStart = at;
      break;
    }
    case 'task.completed':
    case 'task.failed': {
      const t = taskOf(run, e.taskId);
      t.state = e.type === 'task.completed' ? 'done' : 'failed';
      if (e.type === 'task.failed') t.reason = e.reason;
      t.deadline = null;
      const holder = run.agents.get(e.agentId);
      if (holder && holder.task === t.id) holder.task = null;
      break;
    }
    case 'task.enqueued':
      for (const id of e.taskIds) taskOf(run, id).parentId = e.parentTaskId;
      break;
    case 'queue.snapshot':
      for (const b of e.tasks) {
        const t = taskOf(run, b.id);
        if (b.state !== t.state) {
          t.state = b.state;
          if (b.state !== 'claimed') t.deadline = null;
        }
        t.attempts = b.attempts;
        t.parentId = b.parentId;
        if (b.payload !== undefined) t.payload = b.payload;
      }
      run.stats = e.stats;
      break;
    case 'ledger.seeded':
      for (const b of e.entries) putEntry(run, { ...b, at, seeded: true });
      break;
    case 'commit': {
      const { type: _type, ...brief } = e;
      putEntry(run, { ...brief, at });
      if (e.kind === 'answer') run.answer = e.text ?? '(answer committed; its text is not in this record)';
      break;
    }
    case 'reject':
      run.revision.ledger++;
      run.rejects.push({
        authorId: e.authorId,
        taskId: e.taskId,
        verdict: e.verdict,
        reason: e.reason,
        entryId: e.entryId ?? -1,
        at,
      });
      if (e.entryId !== undefined)
        putEntry(run, {
          entryId: e.entryId,
          kind: 'failure',
          level: 0,
          taskId: e.taskId,
          authorId: e.authorId,
          reason: e.reason,
          at,
        });
      break;
    case 'tool.called':
      run.openTools.set(`${e.agentId}:${e.callId}`, run.tools.length);
      run.tools.push({ agent: e.agentId, tool: e.tool, start: at, end: null, error: null });
      break;
    case 'tool.result': {
      const key = `${e.agentId}:${e.callId}`;
      const open = run.openTools.get(key);
      run.openTools.delete(key);
      const call = open === undefined ? undefined : run.tools[open];
      // A result without its call (a record cut short) is drawn back from its latency.
      if (call) call.end = at;
      else run.tools.push({ agent: e.agentId, tool: e.tool, start: at - e.latencyMs, end: at, error: null });
      run.tools[open ?? run.tools.length - 1]!.error = e.error?.code ?? null;
      break;
    }
    case 'usage':
      run.usage.input += e.inputTokens;
      run.usage.output += e.outputTokens;
      run.usage.cached += e.cachedInputTokens;
      run.usage.calls += 1;
      run.usage.cost += e.costUsd;
      break;
    case 'budget.warning':
      run.warnings.push(`${e.resource} ${e.used} / ${e.limit}`);
      break;
    case 'final.decision':
      run.decisions.push({ agentId: e.agentId, round: e.round, decision: e.decision, tasks: e.tasks ?? 0 });
      break;
    case 'run.finished':
      run.stopReason = e.stopReason;
      run.finishedAt = at;
      for (const a of run.agents.values()) {
        closeSpan(run, a, at, undefined);
        if (a.state !== null && !FINAL_STATE.test(a.state)) a.since = at;
      }
      break;
    default:
      break;
  }
}
