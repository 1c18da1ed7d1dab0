import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunTelemetry } from '../../src/telemetry/run-telemetry.js';
import { registerTestSdk, type TestSdk } from './otel-sdk.js';

describe('a worker the run stopped waiting for before it started', () => {
  let sdk: TestSdk;
  beforeAll(() => (sdk = registerTestSdk()));
  afterAll(() => sdk.shutdown());

  it('gets one agent span with status not-started, and what it ships if it starts late is dropped', () => {
    const telemetry = new RunTelemetry({ enabled: true, captureContent: false });
    telemetry.begin('run-1', { agents: 2, protocol: 'basic' });
    const traceparent = telemetry.workerInit()!.traceparent;
    telemetry.workerNotStarted('agent', 2);
    telemetry.workerNotStarted('agent', 2); // a second stop path changes nothing
    // The late worker starts after all and ships its own agent span.
    const late = {
      op: 'start' as const,
      id: 1,
      parent: traceparent,
      name: 'delm.agent',
      kind: 'internal',
      attributes: {},
    };
    expect(
      telemetry.receive('agent-2', {
        spans: [
          { ...late, time: Date.now() },
          { op: 'end' as const, id: 1, attributes: {}, error: undefined, time: Date.now() },
        ],
      }),
    ).toBe(true);
    telemetry.end({
      stopReason: 'answered',
      error: undefined,
      usage: { inputTokens: 0, outputTokens: 0, modelCalls: 0 },
      costUsd: 0,
      entries: [],
    });

    const spans = sdk.spans.getFinishedSpans();
    const agents = spans.filter((s) => s.name === 'delm.agent');
    expect(agents).toHaveLength(1);
    expect(agents[0]!.attributes).toMatchObject({ 'delm.agent.id': 2, 'delm.agent.status': 'not-started' });
    const run = spans.find((s) => s.name === 'delm.run')!;
    expect(agents[0]!.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
  });
});
