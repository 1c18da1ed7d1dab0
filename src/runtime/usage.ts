/** Per-run and per-agent usage accounting, summed from the run's `usage` events. */
import type { UsageEvent } from './events.js';
import type { RunUsage } from './run-result.js';

/** A fresh all-zero {@link RunUsage}. */
export const zeroUsage = (): RunUsage => ({ inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, modelCalls: 0 });

/** Usage and cost of a run or of one agent. */
export interface UsageTotal {
  usage: RunUsage;
  costUsd: number;
}

const add = (total: UsageTotal, event: UsageEvent): void => {
  total.usage.inputTokens += event.inputTokens;
  total.usage.outputTokens += event.outputTokens;
  total.usage.cachedInputTokens += event.cachedInputTokens;
  total.usage.modelCalls += 1;
  total.costUsd += event.costUsd;
};

/** Sums usage events into the run's total and each agent's. */
export class UsageTally {
  private readonly total: UsageTotal = { usage: zeroUsage(), costUsd: 0 };
  private readonly perAgent = new Map<number, UsageTotal>();

  /** Counts one model call. */
  record(event: UsageEvent): void {
    add(this.total, event);
    let mine = this.perAgent.get(event.agentId);
    if (!mine) this.perAgent.set(event.agentId, (mine = { usage: zeroUsage(), costUsd: 0 }));
    add(mine, event);
  }

  /** The run's total so far (a copy). */
  run(): UsageTotal {
    return { usage: { ...this.total.usage }, costUsd: this.total.costUsd };
  }

  /** One agent's total so far (a copy; zero when it made no call). */
  agent(agentId: number): UsageTotal {
    const mine = this.perAgent.get(agentId);
    return mine ? { usage: { ...mine.usage }, costUsd: mine.costUsd } : { usage: zeroUsage(), costUsd: 0 };
  }
}
