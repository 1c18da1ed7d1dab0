import { describe, expect, it } from 'vitest';
import { comparison } from '../../src/cli/comparison.js';
import type { ModeSummary } from '../../src/evaluation/summary.js';

const summary = (mode: ModeSummary['mode'], over: Partial<ModeSummary>): ModeSummary => ({
  mode,
  items: 2,
  accuracy: null,
  correct: 0,
  tokensPerItem: 1000,
  costPerItemUsd: 0,
  wallMsPerItem: 1000,
  waitingShare: 0,
  maxPromptTokens: 0,
  errors: 0,
  answersWithoutVerifiedEntries: null,
  growth: undefined,
  ...over,
});

describe("delm bench's comparison line", () => {
  it('leaves the cost out when the orchestrator has none (offline model, unknown prices) instead of printing "-"', () => {
    const lines = comparison([
      summary('delm', { tokensPerItem: 400, wallMsPerItem: 850 }),
      summary('orchestrator', { tokensPerItem: 1000, wallMsPerItem: 1000 }),
    ]);
    expect(lines).toEqual(["delm uses 0.40× the orchestrator's tokens per item and 0.85× its wall time."]);
  });

  it('names every measure when the orchestrator has them, and the accuracy of both', () => {
    const lines = comparison([
      summary('delm', { tokensPerItem: 400, costPerItemUsd: 0.01, wallMsPerItem: 500, accuracy: 75 }),
      summary('orchestrator', { tokensPerItem: 1000, costPerItemUsd: 0.04, wallMsPerItem: 1000, accuracy: 50 }),
    ]);
    expect(lines).toEqual([
      "delm uses 0.40× the orchestrator's tokens per item, 0.25× its cost and 0.50× its wall time.",
      'Accuracy: delm 75.0%, orchestrator 50.0%.',
    ]);
  });
});
