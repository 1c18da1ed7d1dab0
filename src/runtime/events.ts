/**
 * Events of a run, in the order they happened: the raw material of progress displays, the
 * inspector, records and tests. `at` is ms since the run started.
 */

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

/** Every event a run emits. */
export type SwarmEvent =
  | { type: 'run.started'; at: number; runId: string; agents: number; tasks: number }
  | { type: 'agent.state'; at: number; agentId: number; state: string }
  | { type: 'agent.started'; at: number; agentId: number; replaces?: number }
  | { type: 'agent.stopped'; at: number; agentId: number; status: string; reason: string | undefined }
  | { type: 'agent.crashed'; at: number; agentId: number; error: string; heldTaskId: number | undefined }
  | { type: 'task.claimed'; at: number; agentId: number; taskId: number; attempt: number }
  | { type: 'task.completed'; at: number; agentId: number; taskId: number }
  | { type: 'task.failed'; at: number; agentId: number; taskId: number; reason: string }
  | { type: 'task.enqueued'; at: number; agentId: number; taskIds: number[]; parentTaskId: number }
  | { type: 'proposal'; at: number; agentId: number; taskId: number }
  | { type: 'commit'; at: number; entryId: number; kind: string; authorId: number; taskId: number }
  | { type: 'reject'; at: number; authorId: number; taskId: number; verdict: 'reject' | 'duplicate'; reason: string }
  | UsageEvent
  | { type: 'budget.warning'; at: number; resource: string; used: number; limit: number }
  | { type: 'final.decision'; at: number; agentId: number; round: number; decision: 'answer' | 'enqueue'; tasks?: number }
  | { type: 'run.finished'; at: number; stopReason: string };

/** Events as they cross from a worker, before the main thread stamps the run time. */
export type WorkerEvent = SwarmEvent extends infer E ? (E extends { at: number } ? Omit<E, 'at'> : never) : never;
