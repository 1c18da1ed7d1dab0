import { describe, expect, it } from 'vitest';
import { createSwarm } from '../../src/runtime/swarm.js';
import { loadLongBenchFile, itemToTask, extractAnswer } from '../../src/workloads/longbench.js';
import { openaiReply, startWireServer } from '../providers/servers/wire-server.js';

const modelModule = new URL('./fixtures/scripted-swarm-model.ts', import.meta.url).href;

describe('swarms and their models', () => {
  it('runs on the offline default model with no key and no network, end to end on a real item', async () => {
    const [item] = await loadLongBenchFile(new URL('../../examples/multidoc/data.json', import.meta.url).pathname);
    const task = itemToTask(item!);
    const docs = task.sources!;
    const swarm = createSwarm({ agents: 3 });
    try {
      const result = await swarm.run(task);
      expect(result.stopReason).toBe('answered');
      expect(extractAnswer(result.answer ?? '')).toMatch(/^[A-D]$/);
      expect(result.answer).toMatch(/not an LLM/);
      // Findings were admitted only with quotes that occur in their cited document.
      const gists = result.entries.filter((e) => e.kind === 'gist');
      expect(gists.length).toBeGreaterThanOrEqual(docs.length / 2);
      const byLabel = new Map(docs.map((d) => [d.label, d.text.replace(/\s+/g, ' ')]));
      for (const g of gists)
        for (const q of (g.meta?.quotes ?? []) as Array<{ source: string; text: string }>)
          expect(byLabel.get(q.source)).toContain(q.text.replace(/\s+/g, ' '));
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(result.costUsd).toBe(0);
    } finally {
      await swarm.close();
    }
  });

  it('fails a run with a missing API key before any agent starts, naming the variable: the run resolves', async () => {
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    const swarm = createSwarm({ agents: 2, model: 'openai:gpt-4.1-mini' });
    try {
      const events: string[] = [];
      const result = await swarm.run('anything', { onEvent: (e) => events.push(e.type) });
      expect(result).toMatchObject({ stopReason: 'error', errorCode: 'MISSING_API_KEY', answer: undefined });
      expect(result.error).toMatch(/OPENAI_API_KEY/);
      expect(events).toEqual(['run.finished']);
    } finally {
      await swarm.close();
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
    }
  });

  it('refuses a model string it cannot parse when the swarm is created, never showing a password', () => {
    expect(() => createSwarm({ model: 'bogus:model' })).toThrow(/model: unknown model provider "bogus"/);
    const refusal = (() => {
      try {
        createSwarm({ judgeModel: 'openai-compatible:llama@http://alice:hunter2@127.0.0.1:1/v1' });
      } catch (error) {
        return (error as Error & { code?: string }).code + ' ' + (error as Error).message;
      }
    })();
    expect(refusal).toMatch(/^INVALID_CONFIG .*judgeModel: .*cannot carry a user name or password/s);
    expect(refusal).not.toContain('hunter2');
  });

  it('holds every worker to the shared rate limit and reports usage per agent', async () => {
    // 20 requests/s with room for a burst of 2: 13 calls (12 steps + 1 decision) need at least ~0.5 s.
    const swarm = createSwarm({
      agents: 4,
      protocol: 'basic',
      model: { module: modelModule },
      rateLimits: { requestsPerMinute: 1_200, burstWindowMs: 100 },
    });
    try {
      await swarm.run({ prompt: 'warm-up', subTasks: [{ payload: 'w' }] });
      await new Promise((r) => setTimeout(r, 150)); // let the bucket refill
      const started = Date.now();
      const result = await swarm.run({
        prompt: 'x',
        subTasks: Array.from({ length: 12 }, (_, i) => ({ payload: `t${i}` })),
      });
      const wall = Date.now() - started;
      expect(result.usage.modelCalls).toBe(13);
      expect(wall).toBeGreaterThanOrEqual(450);
      const perAgent = result.agents.reduce((n, a) => n + a.usage.modelCalls, 0);
      expect(perAgent).toBe(13);
      expect(result.agents.filter((a) => a.usage.modelCalls > 0).length).toBeGreaterThan(1);
    } finally {
      await swarm.close();
    }
  });

  it('calls an OpenAI-compatible server from every worker through the real SDK, priced with overrides', async () => {
    const server = await startWireServer();
    // Replies follow the structured output each request asks for.
    const reply = (req: { body: { response_format?: { json_schema?: { name?: string } } } }) =>
      req.body.response_format?.json_schema?.name === 'final_decision'
        ? openaiReply('{"decision":"answer","answer":"done"}', {
            prompt_tokens: 1_000,
            completion_tokens: 100,
            prompt_tokens_details: { cached_tokens: 0 },
          })
        : openaiReply(`{"findings":[{"text":"finding ${Math.random()}"}]}`, {
            prompt_tokens: 1_000,
            completion_tokens: 100,
            prompt_tokens_details: { cached_tokens: 0 },
          });
    server.script(...Array.from({ length: 7 }, () => reply));
    const swarm = createSwarm({
      agents: 3,
      protocol: 'basic',
      model: `openai-compatible:tiny@${server.url}/v1`,
      prices: { 'openai-compatible:tiny': { input: 1, cachedInput: 0, output: 10 } },
    });
    try {
      const result = await swarm.run({
        prompt: 'x',
        subTasks: Array.from({ length: 6 }, (_, i) => ({ payload: `t${i}` })),
      });
      expect(result).toMatchObject({
        stopReason: 'answered',
        answer: 'done',
        usage: { modelCalls: 7, inputTokens: 7_000, outputTokens: 700 },
      });
      expect(result.costUsd).toBeCloseTo((7 * (1_000 * 1 + 100 * 10)) / 1e6, 10);
      expect(server.requests).toHaveLength(7);
    } finally {
      await swarm.close();
      await server.close();
    }
  });
});
