/**
 * The queue panel's content: tasks counted and listed by state, and each held lease as a bar of
 * the time it has left. Pure; `render/queue.ts` builds the nodes.
 */
import type { RunModel, TaskView } from './model.js';

/** Tasks shown at most per list. */
export const MAX_TASKS_LISTED = 100;

/** The queue states the panel shows. */
export type ListedState = 'pending' | 'claimed' | 'done' | 'failed';

/** Tasks by state, each list in display order. */
export interface QueueView {
  counts: Record<ListedState, number>;
  /** Pending, claimed and failed by id; done newest id first. */
  lists: Record<ListedState, TaskView[]>;
}

const LISTED: readonly ListedState[] = ['pending', 'claimed', 'done', 'failed'];
const isListed = (state: string): state is ListedState => (LISTED as readonly string[]).includes(state);

/** Groups `run`'s tasks by state. */
export function queueView(run: RunModel): QueueView {
  const lists: Record<ListedState, TaskView[]> = { pending: [], claimed: [], done: [], failed: [] };
  for (const t of run.tasks.values()) if (isListed(t.state)) lists[t.state].push(t);
  for (const state of LISTED) lists[state].sort((a, b) => a.id - b.id);
  lists.done.reverse();
  return {
    counts: {
      pending: lists.pending.length,
      claimed: lists.claimed.length,
      done: lists.done.length,
      failed: lists.failed.length,
    },
    lists,
  };
}

/** A lease as drawn: the share of it left (0–100 %), how urgent, and the text beside it. */
export interface LeaseView {
  percentLeft: number;
  level: 'ok' | 'low' | 'expired';
  text: string;
}

/** Below this much time left a lease is drawn as running low. */
const LOW_MS = 2000;

/** The lease of a claimed task at run time `now`, or null when its deadline is unknown. */
export function leaseView(task: TaskView, now: number): LeaseView | null {
  if (task.deadline === null) return null;
  const left = task.deadline - now;
  const length = Math.max(1, task.deadline - task.leaseStart);
  return {
    percentLeft: Math.max(0, Math.min(100, (left / length) * 100)),
    level: left <= 0 ? 'expired' : left < LOW_MS ? 'low' : 'ok',
    text: left > 0 ? `${(left / 1000).toFixed(1)} s` : 'expired',
  };
}

/** `#3 · agent 2 · try 2` for a claimed task. */
export function claimedLabel(t: TaskView): string {
  return `#${t.id}${t.agent !== null ? ` · agent ${t.agent}` : ''}${t.attempts > 1 ? ` · try ${t.attempts}` : ''}`;
}

/** `#5 ← #2` for a task enqueued by task 2. */
export function taskLabel(t: TaskView): string {
  return `#${t.id}${t.parentId >= 0 ? ` ← #${t.parentId}` : ''}`;
}
