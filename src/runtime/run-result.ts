/** The shape of a finished run, as {@link RunSupervisor} returns it. */
import type { DelmErrorCode } from '../errors.js';
import type { LedgerEntry } from '../ledger/types.js';
import type { QueueStats } from '../queue/types.js';
import type { TimelineSpan, WaitingByCause } from './timeline.js';

/**
 * Why a run ended. `tasks-failed`: the run would have ended normally, but every one of its sub-tasks
 * failed, so whatever answer it has rests on nothing.
 */
export type StopReason = 'answered' | 'no-answer' | 'tasks-failed' | 'aborted' | 'budget' | 'wall-time' | 'error';

/** Token usage summed over a run. */
export interface RunUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  modelCalls: number;
}

/** What one agent did in a run. */
export interface AgentSummary {
  agentId: number;
  /**
   * `not-started`: the run ended before the agent's thread was ready to work. `released`: it was let go
   * with nothing to do (nothing to claim while others held tasks, or another agent deciding), and no
   * later work brought it back.
   */
  status: 'done' | 'stopped' | 'failed' | 'crashed' | 'not-started' | 'released';
  reason: string | undefined;
  tasksCompleted: number;
  tasksFailed: number;
  /** Model calls, tokens and cost of this agent's calls. */
  usage: RunUsage;
  costUsd: number;
}

/** The outcome of a run. Whatever was verified is returned even when the run stopped early. */
export interface RunResult {
  runId: string;
  answer: string | undefined;
  stopReason: StopReason;
  /** Detail for `error` stops (a worker failure, a full ledger, …). */
  error: string | undefined;
  /**
   * The stable code of the error that stopped the run, when it was one of delm's raised in this process
   * (e.g. `RUN_NOT_PLANNED`, `REDIS_UNAVAILABLE`); `undefined` for other errors and for runs that did not fail.
   */
  errorCode: DelmErrorCode | undefined;
  entries: LedgerEntry[];
  usage: RunUsage;
  costUsd: number;
  wallTimeMs: number;
  tasks: QueueStats;
  agents: AgentSummary[];
  /** Each agent's states over time (ms since start), for the waiting share and the inspector. */
  timeline: TimelineSpan[];
  /** Share of agent time spent waiting on coordination (claiming, the election, the verifier's settling), 0..1. */
  waitingShare: number;
  /** {@link RunResult.waitingShare} split by cause; the parts add up to it. */
  waiting: WaitingByCause;
}

/** Queue statistics of a run that never got a queue. */
export const NO_TASKS: QueueStats = { total: 0, pending: 0, claimed: 0, done: 0, failed: 0, open: 0 };

/** A failed run's error as one line, its code first when known (`RUN_NOT_PLANNED: run "…" ended …`); `undefined` when it has none. */
export function errorText(result: Pick<RunResult, 'error' | 'errorCode'>): string | undefined {
  if (result.error === undefined) return undefined;
  return result.errorCode ? `${result.errorCode}: ${result.error}` : result.error;
}
