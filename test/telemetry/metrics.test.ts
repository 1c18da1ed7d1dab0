// Run metrics through a registered SDK: each model and role, entry kind and verdict keeps its own
// series (the attribute sets are built once per distinct value and shared by the events that follow).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordMetrics } from '../../src/telemetry/metrics.js';
import { metricSum, registerTestSdk, type TestSdk } from './otel-sdk.js';

let sdk: TestSdk;
beforeEach(() => (sdk = registerTestSdk()));
afterEach(() => sdk.shutdown());

const usage = (model: string, role: string, inputTokens: number) =>
  recordMetrics({ type: 'usage', model, role, inputTokens, outputTokens: 1, costUsd: 0.5, latencyMs: 1000 });

describe('run metrics', () => {
  it('keeps a series per model and role, per token type, per entry kind and per verdict, however often each repeats', async () => {
    for (let i = 0; i < 3; i++) {
      usage('openai:gpt-4o-mini', 'agent', 10);
      usage('anthropic:claude-haiku-4-5', 'agent', 100);
      usage('openai:gpt-4o-mini', 'finalizer', 1000);
      recordMetrics({ type: 'commit', kind: 'gist' });
      recordMetrics({ type: 'reject', verdict: 'duplicate' });
    }
    recordMetrics({ type: 'commit', kind: 'answer' });
    recordMetrics({ type: 'reject', verdict: 'reject' });
    const metrics = await sdk.collect();
    const tokens = (model: string, role: string, type: string) =>
      metricSum(
        metrics,
        'gen_ai.client.token.usage',
        (a) => a['gen_ai.request.model'] === model && a['delm.role'] === role && a['gen_ai.token.type'] === type,
      );
    expect(tokens('gpt-4o-mini', 'agent', 'input')).toBe(30);
    expect(tokens('claude-haiku-4-5', 'agent', 'input')).toBe(300);
    expect(tokens('gpt-4o-mini', 'finalizer', 'input')).toBe(3000);
    expect(tokens('gpt-4o-mini', 'finalizer', 'output')).toBe(3);
    expect(metricSum(metrics, 'delm.model.calls', (a) => a['gen_ai.provider.name'] === 'anthropic')).toBe(3);
    expect(metricSum(metrics, 'delm.model.calls')).toBe(9);
    expect(metricSum(metrics, 'delm.ledger.commits', (a) => a['delm.entry.kind'] === 'gist')).toBe(3);
    expect(metricSum(metrics, 'delm.ledger.commits', (a) => a['delm.entry.kind'] === 'answer')).toBe(1);
    expect(metricSum(metrics, 'delm.ledger.rejections', (a) => a['delm.verdict'] === 'duplicate')).toBe(3);
    expect(metricSum(metrics, 'delm.ledger.rejections', (a) => a['delm.verdict'] === 'rejected')).toBe(1);
  });
});
