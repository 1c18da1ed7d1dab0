/**
 * The page's picture of one run, rebuilt from its events: agents, queue, ledger, usage. Only
 * `reduce.ts` writes it (in place: a long run holds 100,000s of events, and a live batch must cost
 * what its own events cost); readers get the readonly {@link RunModel} and watch `revision`.
 */
import type { QueueStats } from '../../../queue/types.js';
import type { WaitCause } from '../../../runtime/timeline.js';

/** One agent (0 is the verifier) as its events describe it. */
export interface AgentView {
  readonly id: number;
  /** Its machine's state value (`thinking.model.calling|lease.holding`), or null before the first. */
  readonly state: string | null;
  /** Run time when it entered `state`. */
  readonly since: number;
  /** The task it holds. */
  readonly task: number | null;
  /** How it stopped (`done`, `crashed`, …). */
  readonly status: string | null;
  readonly reason: string | null;
  /** The crashed agent it replaces. */
  readonly replaces: number | null;
}

/** One task of the queue. `state` is the queue's (pending, claimed, done, failed). */
export interface TaskView {
  readonly id: number;
  readonly state: string;
  readonly attempts: number;
  readonly parentId: number;
  readonly payload: string | null;
  readonly agent: number | null;
  /** Run time the lease runs out, while claimed. */
  readonly deadline: number | null;
  /** Run time the current lease began. */
  readonly leaseStart: number;
  readonly reason: string | null;
}

/** One ledger entry (committed, seeded, or the failure entry of a rejection). */
export interface EntryView {
  readonly id: number;
  readonly kind: string;
  readonly level: number;
  /** The more detailed entry this one unfolds into, or -1. */
  readonly parentId: number;
  readonly taskId: number;
  readonly authorId: number;
  /** The text as the event carried it (clipped). */
  readonly text: string;
  /** Length of the full text in the ledger. */
  readonly chars: number;
  /** Written by the planner before the agents started (the task, the sources). */
  readonly seeded: boolean;
  readonly labels: readonly string[];
  readonly reason: string | null;
  readonly at: number;
}

/** A stretch of run time one agent spent in one state. */
export interface Span {
  readonly agent: number;
  readonly state: string;
  readonly start: number;
  readonly end: number;
  /** Set when the agent was waiting in it, to say on what (as the run's result counts it). */
  readonly wait?: WaitCause;
}

/** One tool call of an agent: from `tool.called` to its `tool.result` (`end` null while it runs). */
export interface ToolCallView {
  readonly agent: number;
  readonly tool: string;
  readonly start: number;
  readonly end: number | null;
  /** The error code of a failed call. */
  readonly error: string | null;
}

/** A proposal the verifier turned down. */
export interface RejectView {
  readonly authorId: number;
  readonly taskId: number;
  readonly verdict: string;
  readonly reason: string;
  /** Its failure entry, or -1 (duplicates have none). */
  readonly entryId: number;
  readonly at: number;
}

/** Tokens, calls and cost summed over the run's model calls. */
export interface UsageTotals {
  readonly input: number;
  readonly output: number;
  readonly cached: number;
  readonly calls: number;
  readonly cost: number;
}

/** A finalizer's decision. */
export interface DecisionView {
  readonly agentId: number;
  readonly round: number;
  readonly decision: string;
  readonly tasks: number;
}

/** Counters that move when a part of the model changes, so the page redraws only what changed. */
export interface Revisions {
  /** The queue's tasks. */
  tasks: number;
  /** Entries, rejections, the answer. */
  ledger: number;
}

/** Everything the page shows of one run, as its events tell it. */
export interface RunModel {
  readonly revision: Readonly<Revisions>;
  /** Events applied so far (the index of the next one in the run's stream). */
  readonly count: number;
  /** Run time of `run.finished`, or null while running. */
  readonly finishedAt: number | null;
  readonly agents: ReadonlyMap<number, AgentView>;
  /** Finished stretches, in the order they ended. */
  readonly spans: readonly Span[];
  /** Tool calls, in the order they started. */
  readonly tools: readonly ToolCallView[];
  readonly tasks: ReadonlyMap<number, TaskView>;
  readonly entries: ReadonlyMap<number, EntryView>;
  readonly rejects: readonly RejectView[];
  readonly usage: UsageTotals;
  readonly answer: string | null;
  readonly stopReason: string | null;
  /** Budget warnings as text, oldest first. */
  readonly warnings: readonly string[];
  readonly decisions: readonly DecisionView[];
  readonly stats: QueueStats | null;
}

/** States after which an agent does nothing more. */
export const FINAL_STATE = /^(done|stopped|failed|released)$/;

/** Whether the agent is in a state that still takes time (drawn on the timeline, counted). */
export function isLive(agent: AgentView): agent is AgentView & { state: string } {
  return agent.state !== null && !FINAL_STATE.test(agent.state) && agent.state !== 'crashed';
}

/** `T` without its `readonly` modifiers (one level). */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A {@link RunModel} as the reducer writes it. */
export interface MutableRun extends Writable<
  Omit<
    RunModel,
    'revision' | 'agents' | 'spans' | 'tools' | 'tasks' | 'entries' | 'rejects' | 'usage' | 'warnings' | 'decisions'
  >
> {
  revision: Revisions;
  agents: Map<number, Writable<AgentView>>;
  spans: Span[];
  tools: Array<Writable<ToolCallView>>;
  /** Calls still running, by `<agent>:<callId>`: their index in `tools`. */
  openTools: Map<string, number>;
  tasks: Map<number, Writable<TaskView>>;
  entries: Map<number, EntryView>;
  rejects: RejectView[];
  usage: Writable<UsageTotals>;
  warnings: string[];
  decisions: DecisionView[];
}

/** A run with no events applied. */
export function emptyRun(): MutableRun {
  return {
    revision: { tasks: 0, ledger: 0 },
    count: 0,
    finishedAt: null,
    agents: new Map(),
    spans: [],
    tools: [],
    openTools: new Map(),
    tasks: new Map(),
    entries: new Map(),
    rejects: [],
    usage: { input: 0, output: 0, cached: 0, calls: 0, cost: 0 },
    answer: null,
    stopReason: null,
    warnings: [],
    decisions: [],
    stats: null,
  };
}
