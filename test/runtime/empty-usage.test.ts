import { describe, expect, it } from 'vitest';
import { emptyUsage } from '../../src/runtime/empty-usage.js';

describe('emptyUsage', () => {
  it('is all zeros and a fresh object each time, so adding to one leaves the next at zero', () => {
    const a = emptyUsage();
    a.inputTokens += 5;
    a.modelCalls += 1;
    expect(emptyUsage()).toEqual({ inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, modelCalls: 0 });
  });
});
