/** What every mode (delm, the orchestrator baseline, a single pass) reports for one task, in one shape. */
import type { LedgerEntry } from '../ledger/types.js';
import type { ToolResultEvent, UsageEvent } from '../runtime/events.js';
import type { RunResult, RunUsage, StopReason } from '../runtime/run.js';
import type { Mode } from '../types.js';
import { emptyUsage } from '../runtime/empty-usage.js';

export { MODES, type Mode } from '../types.js';

/** The outcome of one task in any mode: same usage, cost, wall time and answer format, so modes compare side by side. */
export interface ModeResult {
  mode: Mode;
  answer: string | undefined;
  stopReason: StopReason;
  /** Detail for `error` stops. */
  error: string | undefined;
  usage: RunUsage;
  costUsd: number;
  wallTimeMs: number;
  /**
   * Share of time spent waiting rather than working, 0..1: delm's agents waiting on coordination
   * (claiming, election); the orchestrator's manager waiting on its workers; 0 for a single pass.
   */
  waitingShare: number;
  /** Sub-tasks worked on (delm: queue tasks; orchestrator: worker assignments; single pass: 1). */
  subTasks: number;
  /** Input tokens of the largest single prompt. */
  maxPromptTokens: number;
  /** One record per model call, in order. */
  calls: UsageEvent[];
  /** One record per tool call, in order (runs with tools only). */
  toolCalls?: ToolResultEvent[];
  /** delm: the ledger at the end of the run. */
  entries?: LedgerEntry[];
  /** delm: the swarm's full result (agents, timeline, queue stats). */
  run?: RunResult;
  /** Single pass: context tokens cut to fit the model's window; orchestrator: the most cut from any one of its prompts (0 when all fit). */
  truncatedTokens?: number;
}

/** Sums usage events into a {@link RunUsage} and a cost. */
export function sumUsage(calls: readonly UsageEvent[]): { usage: RunUsage; costUsd: number; maxPromptTokens: number } {
  const usage: RunUsage = emptyUsage();
  let costUsd = 0;
  let maxPromptTokens = 0;
  for (const c of calls) {
    usage.inputTokens += c.inputTokens;
    usage.outputTokens += c.outputTokens;
    usage.cachedInputTokens += c.cachedInputTokens;
    usage.modelCalls += 1;
    costUsd += c.costUsd;
    maxPromptTokens = Math.max(maxPromptTokens, c.inputTokens);
  }
  return { usage, costUsd, maxPromptTokens };
}
