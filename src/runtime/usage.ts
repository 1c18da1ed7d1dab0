/** Shapes of usage accounting (the counters themselves are in `shared-usage.ts`). */
import type { RunUsage } from './run-result.js';

/** Usage and cost of a run or of one agent. */
export interface UsageTotal {
  usage: RunUsage;
  costUsd: number;
}
