/**
 * Calls that fail after the model answered (malformed output, even after the repair round) were billed:
 * a run counts them in its usage, cost and budget, and a cost budget stops it. Real OpenAI SDK, local
 * wire server.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSwarm } from '../../src/runtime/swarm.js';
import { openaiReply, startWireServer, type WireServer } from '../providers/servers/wire-server.js';

const USAGE = { prompt_tokens: 1_500, completion_tokens: 800, prompt_tokens_details: { cached_tokens: 0 } };
// gpt-4.1-mini: $0.40 input, $1.60 output per million tokens.
const CALL_USD = (1_500 * 0.4 + 800 * 1.6) / 1e6;

describe('a model that keeps answering off-schema', () => {
  let server: WireServer;
  const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
  beforeEach(async () => {
    server = await startWireServer();
    server.script(...Array.from({ length: 200 }, () => openaiReply('I would rather chat than answer in JSON.', USAGE)));
    process.env.OPENAI_API_KEY = 'sk-test-not-a-real-key-123456';
    process.env.OPENAI_BASE_URL = `${server.url}/v1`;
  });
  afterEach(async () => {
    await server.close();
    for (const [name, value] of [
      ['OPENAI_API_KEY', saved.key],
      ['OPENAI_BASE_URL', saved.url],
    ] as const)
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  });

  it('is stopped by a cost budget, and the run reports what the server billed', async () => {
    const swarm = createSwarm({ agents: 2, model: 'openai:gpt-4.1-mini', budgets: { costUsd: 0.005 } });
    try {
      const result = await swarm.run({
        prompt: 'x',
        subTasks: Array.from({ length: 10 }, (_, i) => ({ payload: `t${i}` })),
      });
      const billed = server.requests.length;
      expect(result.stopReason).toBe('budget');
      // Every reply received is counted; a request per agent may have been cut off by the stop, its reply
      // never read (before: 22 requests billed, none counted).
      const counted = result.usage.inputTokens / 1_500;
      expect(Number.isInteger(counted)).toBe(true);
      expect(counted).toBeGreaterThanOrEqual(Math.max(1, billed - 2));
      expect(counted).toBeLessThanOrEqual(billed);
      expect(result.usage.outputTokens).toBe(counted * 800);
      expect(result.costUsd).toBeCloseTo(counted * CALL_USD, 9);
      // Only calls already under way when the budget ran out overspend it: at most one per agent.
      expect(result.costUsd).toBeLessThanOrEqual(0.005 + 2 * 2 * CALL_USD);
    } finally {
      await swarm.close();
    }
  });
});
