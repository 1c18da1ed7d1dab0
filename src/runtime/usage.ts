/** Shapes of usage accounting (the counters themselves are in `shared-usage.ts`). */
import type { RunUsage } from './run-result.js';

/** A fresh all-zero {@link RunUsage}. */
export const zeroUsage = (): RunUsage => ({ inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, modelCalls: 0 });

/** Usage and cost of a run or of one agent. */
export interface UsageTotal {
  usage: RunUsage;
  costUsd: number;
}
