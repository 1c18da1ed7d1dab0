/**
 * One retry policy for model calls: the SDKs retry nothing, delm's provider layer retries a request up
 * to `maxRetries` times, and nothing above it retries what it gave up on. Against a local
 * OpenAI-compatible server that always answers 429 (or 500), through the real OpenAI SDK, the requests
 * one call, one agent step and one run make are counted.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createModel } from '../../src/providers/index.js';
import { DEFAULT_RETRY } from '../../src/providers/resilient.js';
import { createSwarm } from '../../src/runtime/swarm.js';
import type { SwarmEvent } from '../../src/runtime/events.js';
import { startWireServer, type Reply, type WireServer } from './servers/wire-server.js';

const rateLimited = (headers: Record<string, string>): Reply => ({
  status: 429,
  headers,
  body: { error: { message: 'slow down', type: 'rate_limit' } },
});
const serverError: Reply = { status: 500, body: { error: { message: 'boom' } } };
/** Requests per model call: the first, then the provider layer's retries. */
const PER_CALL = DEFAULT_RETRY.maxRetries + 1;

let server: WireServer;
beforeEach(async () => {
  server = await startWireServer();
});
afterEach(() => server.close());

describe('a provider call that keeps failing', () => {
  it.each([
    ['429 without retry-after', rateLimited({}), 'RATE_LIMITED'],
    ['429 with retry-after', rateLimited({ 'retry-after-ms': '1' }), 'RATE_LIMITED'],
    ['500', serverError, 'PROVIDER_ERROR'],
  ])('%s: gives up after maxRetries retries with a final error nothing above retries', async (_, reply, code) => {
    server.otherwise(async () => reply);
    const model = createModel(`openai-compatible:m@${server.url}/v1`, {
      env: {},
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
    });
    const error = await model.complete({ messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(server.requests).toHaveLength(PER_CALL);
    expect(error).toMatchObject({ code, retryable: false });
    expect((error as Error).message).toMatch(new RegExp(`gave up after ${PER_CALL} requests`));
  });
});

describe('a swarm against a server that always answers 429', () => {
  it.each([
    ['with retry-after', { 'retry-after-ms': '1' }],
    // The provider layer's own backoff: 0.5, 1, 2 and 4 s, jittered, twice (the step, then the final decision).
    ['without retry-after', {}],
  ])(
    '%s: one agent step makes at most maxRetries + 1 requests, and the run ends saying why',
    async (_, headers) => {
      server.otherwise(async () => rateLimited(headers));
      const swarm = createSwarm({
        agents: 1,
        protocol: 'basic',
        model: `openai-compatible:m@${server.url}/v1`,
        // The agent's own retries: they must not multiply the provider layer's.
        retry: { baseDelayMs: 1, maxDelayMs: 2, maxRetries: 3 },
      });
      const events: SwarmEvent[] = [];
      try {
        const result = await swarm.run(
          { prompt: 'x', subTasks: [{ payload: 'the only sub-task' }] },
          { onEvent: (e) => events.push(e) },
        );
        const bySchema = (name: string) =>
          server.requests.filter((r) => r.body?.response_format?.json_schema?.name === name).length;
        // Before: 80 requests (the step retried 3 times by the agent, each 5 requests, the task re-queued
        // twice, then the final decision retried likewise).
        expect(bySchema('agent_step')).toBe(PER_CALL);
        expect(bySchema('final_decision')).toBe(PER_CALL);
        expect(server.requests).toHaveLength(2 * PER_CALL);
        expect(result).toMatchObject({ stopReason: 'error', errorCode: 'RATE_LIMITED' });
        expect(result.error).toMatch(/rate limit \(HTTP 429\).*gave up after 5 requests/);
        expect(result.tasks).toMatchObject({ total: 1, failed: 1 });
        const failed = events.filter((e) => e.type === 'task.failed');
        expect(failed).toHaveLength(1);
        expect(failed[0]).toMatchObject({ reason: expect.stringMatching(/HTTP 429.*gave up after 5 requests/) });
        // Each call that failed is in the records, with what it used (nothing).
        const usage = events.filter((e) => e.type === 'usage');
        expect(usage).toHaveLength(2);
        expect(result.usage).toMatchObject({ modelCalls: 2, inputTokens: 0, outputTokens: 0 });
      } finally {
        await swarm.close();
      }
    },
    120_000,
  );
});

describe('a swarm whose custom model always fails with a retryable error', () => {
  it('retries each call maxRetries times on the agent and does not re-queue the sub-task after them', async () => {
    const swarm = createSwarm({
      agents: 1,
      protocol: 'basic',
      model: { module: new URL('./fixtures/rate-limited-model.ts', import.meta.url).href },
      retry: { baseDelayMs: 1, maxDelayMs: 2, maxRetries: 3 },
      maxAttempts: 3,
    });
    const events: SwarmEvent[] = [];
    try {
      const result = await swarm.run(
        { prompt: 'x', subTasks: [{ payload: 'the only sub-task' }] },
        { onEvent: (e) => events.push(e) },
      );
      const calls = (role: string) => events.filter((e) => e.type === 'usage' && e.role === role).length;
      // The agent's retries are the only layer here: 4 calls for the step, 4 for the decision. Before,
      // the sub-task went back to the queue after them and was tried twice more: 12 calls for the step.
      expect(calls('agent')).toBe(4);
      expect(calls('finalizer')).toBe(4);
      expect(result).toMatchObject({ stopReason: 'error', errorCode: 'RATE_LIMITED' });
      expect(result.tasks).toMatchObject({ total: 1, failed: 1 });
      expect(events.filter((e) => e.type === 'task.claimed')).toHaveLength(1);
    } finally {
      await swarm.close();
    }
  });
});
