/** The result of an orchestrator-baseline run (question answering and debugging alike), assembled in one place. */
import type { StopReason } from '../runtime/run.js';
import type { HubContext } from './hub-context.js';
import { sumUsage, type ModeResult } from './result.js';

/** How an orchestrated run ended, and what its manager did. */
export interface OrchestratedOutcome {
  answer: string | undefined;
  stopReason: StopReason;
  error: string | undefined;
  /** Time the manager spent in its own model calls; the rest of the wall time it waited on workers. */
  managerBusyMs: number;
  /** Assignments the workers worked on. */
  subTasks: number;
}

/** Finishes the hub's run and reports it as a {@link ModeResult} of mode `orchestrator`. */
export async function orchestratedResult(hub: HubContext, outcome: OrchestratedOutcome): Promise<ModeResult> {
  await hub.finish(outcome.stopReason);
  const wallTimeMs = hub.now();
  return {
    mode: 'orchestrator',
    answer: outcome.answer,
    stopReason: outcome.stopReason,
    error: outcome.error,
    ...sumUsage(hub.calls),
    wallTimeMs,
    waitingShare: wallTimeMs > 0 ? Math.max(0, 1 - outcome.managerBusyMs / wallTimeMs) : 0,
    subTasks: outcome.subTasks,
    calls: hub.calls,
    ...(hub.toolCalls.length ? { toolCalls: hub.toolCalls } : {}),
  };
}
