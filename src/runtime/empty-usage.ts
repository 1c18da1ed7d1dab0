/** The zero of usage accounting, in one place. */

/** Token and call counters of a run (the shape of `RunUsage`). */
export interface UsageCounters {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  modelCalls: number;
}

/** Usage before any model call: every counter zero. A fresh object on every call, so callers may add to it. */
export function emptyUsage(): UsageCounters {
  return { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, modelCalls: 0 };
}
