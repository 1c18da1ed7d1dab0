/**
 * Events of a run, in the order they happened: the raw material of progress displays, the
 * inspector, records and tests. `at` is ms since the run started.
 */
import type { LedgerEntry } from '../ledger/types.js';
import type { QueueStats, TaskState } from '../queue/types.js';

/** Usage of one model call. */
export interface UsageEvent {
  type: 'usage';
  at: number;
  agentId: number;
  role: string;
  model: string;
  taskId: number | undefined;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  costUsd: number;
  latencyMs: number;
}

/**
 * A ledger entry as events carry it (commits, the seeded sources): its text clipped, its citation
 * labels lifted from its meta. Enough for the inspector; the ledger itself stays authoritative.
 */
export interface EntryBrief {
  entryId: number;
  kind: string;
  /** 0 gist, 1 summary, 2 raw source. */
  level: number;
  /** The entry this one unfolds into, or -1. */
  parentId: number;
  taskId: number;
  authorId: number;
  /** The text, clipped (see {@link clipText}). */
  text: string;
  /** Length of the full text, in characters. */
  chars: number;
  /** Citation labels: `meta.label`, `meta.labels`, and the sources of `meta.quotes`. */
  labels: string[];
  tokenCount: number;
}

/** A task as a queue snapshot carries it; `payload` (clipped) only the first time a task appears. */
export interface TaskBrief {
  id: number;
  state: TaskState;
  attempts: number;
  parentId: number;
  payload?: string;
}

/** Characters of an entry's text that a `commit` event carries. */
export const COMMIT_TEXT_CHARS = 600;

/** `text` cut to at most `max` characters (code points), with `…` when something was cut. */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  const points = Array.from(text);
  return points.length <= max ? text : `${points.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** The {@link EntryBrief} of a ledger entry, its text clipped to `maxChars`. */
export function briefEntry(entry: LedgerEntry, maxChars = COMMIT_TEXT_CHARS): EntryBrief {
  const meta = entry.meta ?? {};
  const labels = new Set<string>();
  if (typeof meta.label === 'string') labels.add(meta.label);
  if (Array.isArray(meta.labels)) for (const l of meta.labels) if (typeof l === 'string') labels.add(l);
  if (Array.isArray(meta.quotes)) {
    for (const q of meta.quotes) {
      const source = typeof q === 'object' && q !== null ? (q as { source?: unknown }).source : undefined;
      if (typeof source === 'string') labels.add(source);
    }
  }
  return {
    entryId: entry.id,
    kind: entry.kind,
    level: entry.level,
    parentId: entry.parentId,
    taskId: entry.taskId,
    authorId: entry.authorId,
    text: clipText(entry.text, maxChars),
    chars: entry.text.length,
    labels: [...labels],
    tokenCount: entry.tokenCount,
  };
}

/**
 * How long the verifier took to decide a proposal, measured from the proposing agent's send on the
 * clock every thread of the process shares (absent when the proposal's frame carried no send stamp:
 * agents in other processes, older records).
 */
export interface DecisionTiming {
  /** ms from the send until the verifier took the proposal off the channel: waking it and the proposals ahead. */
  waitedMs?: number;
  /** ms from the send until this decision (commit or rejection). */
  latencyMs?: number;
}

/** Every event a run emits. */
export type SwarmEvent =
  | {
      type: 'run.started';
      at: number;
      runId: string;
      agents: number;
      tasks: number;
      /** Worker threads the agents share, when they share them (the `threads` option). */
      threads?: number;
    }
  | { type: 'agent.state'; at: number; agentId: number; state: string }
  | { type: 'agent.started'; at: number; agentId: number; replaces?: number }
  | { type: 'agent.stopped'; at: number; agentId: number; status: string; reason: string | undefined }
  | { type: 'agent.crashed'; at: number; agentId: number; error: string; heldTaskId: number | undefined }
  /**
   * On Redis: a process of the run left it (its member key expired, or its process is gone from this
   * host, or it left cleanly); `taskIds`: the tasks its agents held, whose leases ended then (pending
   * again, or failed with no attempts left) instead of when they ran out.
   */
  | {
      type: 'process.left';
      at: number;
      member: string;
      host: string;
      pid: number;
      agents: number[];
      taskIds: number[];
    }
  /**
   * `leaseMs`: how long the lease runs from `at`; `generation`: the claim's generation, which fences
   * older holders (both absent in records made before they existed).
   */
  | {
      type: 'task.claimed';
      at: number;
      agentId: number;
      taskId: number;
      attempt: number;
      leaseMs?: number;
      generation?: number;
    }
  /** The holder pushed its lease out: it now runs `leaseMs` from `at`. */
  | { type: 'task.extended'; at: number; agentId: number; taskId: number; leaseMs: number }
  | { type: 'task.completed'; at: number; agentId: number; taskId: number }
  /**
   * A task failed for good (no attempts left, or an error another attempt would meet again): `reason`
   * says why, and `code` is the stable code of the error that failed it when it had one
   * (`REPEATED_PROPOSAL`, `RATE_LIMITED`, `MALFORMED_OUTPUT`, …).
   */
  | { type: 'task.failed'; at: number; agentId: number; taskId: number; reason: string; code?: string }
  | { type: 'task.enqueued'; at: number; agentId: number; taskIds: number[]; parentTaskId: number }
  | { type: 'proposal'; at: number; agentId: number; taskId: number }
  /**
   * The optional fields are the committed entry's {@link EntryBrief} (absent in older records) and,
   * on the entry of the proposal itself, its {@link DecisionTiming}.
   */
  | ({ type: 'commit'; at: number; entryId: number; kind: string; authorId: number; taskId: number } & Partial<
      Pick<EntryBrief, 'level' | 'parentId' | 'text' | 'chars' | 'labels'>
    > &
      DecisionTiming)
  /** `entryId`: the failure entry recorded for a rejection (none for duplicates). */
  | ({
      type: 'reject';
      at: number;
      authorId: number;
      taskId: number;
      verdict: 'reject' | 'duplicate';
      reason: string;
      entryId?: number;
    } & DecisionTiming)
  /** What the planner wrote to the ledger before any agent started (the task, the sources), clipped. */
  | { type: 'ledger.seeded'; at: number; entries: EntryBrief[]; omitted: number }
  /** The queue as the main thread sees it: after planning, then at most once a second when it changed. */
  | { type: 'queue.snapshot'; at: number; stats: QueueStats; tasks: TaskBrief[]; omitted: number }
  | UsageEvent
  | { type: 'budget.warning'; at: number; resource: string; used: number; limit: number }
  | {
      type: 'final.decision';
      at: number;
      agentId: number;
      round: number;
      decision: 'answer' | 'enqueue';
      tasks?: number;
    }
  | ToolCalledEvent
  | ToolResultEvent
  | { type: 'run.finished'; at: number; stopReason: string };

/** An agent's model asked for a tool call; the host is about to run it. `input` is clipped JSON. */
export interface ToolCalledEvent {
  type: 'tool.called';
  at: number;
  agentId: number;
  taskId: number | undefined;
  tool: string;
  callId: string;
  input: string;
}

/** A tool call ended: the result's label and hash (the host's record), its size, time and error, if any. */
export interface ToolResultEvent {
  type: 'tool.result';
  at: number;
  agentId: number;
  taskId: number | undefined;
  tool: string;
  callId: string;
  label: string;
  hash: string;
  bytes: number;
  truncated: boolean;
  latencyMs: number;
  costUsd: number;
  error?: { code: string; message: string; retryable?: boolean };
}

/**
 * Events as they cross from a worker, before the main thread stamps the run time (from when the
 * worker says it happened: see `EventBatch.stamps`).
 */
export type WorkerEvent = SwarmEvent extends infer E ? (E extends { at: number } ? Omit<E, 'at'> : never) : never;
