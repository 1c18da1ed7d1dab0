/** Shapes of usage accounting (the counters themselves are in `shared-usage.ts`). */
import { emptyUsage } from './empty-usage.js';
import type { RunUsage } from './run-result.js';

/** A fresh all-zero {@link RunUsage}. */
export const zeroUsage = (): RunUsage => emptyUsage();

/** Usage and cost of a run or of one agent. */
export interface UsageTotal {
  usage: RunUsage;
  costUsd: number;
}
