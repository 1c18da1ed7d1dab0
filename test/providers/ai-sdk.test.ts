import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError, type LanguageModelV3GenerateResult } from '@ai-sdk/provider';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it, onTestFinished } from 'vitest';
import { z } from 'zod';
import { createSwarm } from '../../src/runtime/swarm.js';
import { fromAiSdk, fromAiSdkUsage } from '../../src/providers/ai-sdk.js';
import { openaiReply, startWireServer, useWireServer, type Recorded } from './servers/wire-server.js';

const Answer = z.object({ answer: z.string(), confidence: z.number() });
const usage = (input: number, output: number, cached = 0) => ({
  inputTokens: { total: input, noCache: input - cached, cacheRead: cached, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
});
const reply = (
  content: LanguageModelV3GenerateResult['content'],
  u = usage(12, 5, 4),
): LanguageModelV3GenerateResult => ({
  content,
  finishReason: { unified: 'stop', raw: 'stop' },
  usage: u,
  warnings: [],
});
const fast = { baseDelayMs: 1, maxDelayMs: 5 };

describe('an AI SDK model as a delm model (MockLanguageModelV3)', () => {
  it('maps the prompt, settings and usage, and prices the call under the provider’s model id', async () => {
    const mock = new MockLanguageModelV3({
      provider: 'openai.chat',
      modelId: 'gpt-4.1-mini',
      doGenerate: reply([{ type: 'text', text: 'Hello' }]),
    });
    const model = fromAiSdk(mock);
    const r = await model.complete({
      system: 'be brief',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'yes?' },
        { role: 'user', content: 'again' },
      ],
      maxTokens: 50,
      temperature: 0.2,
    });
    expect(r).toMatchObject({
      text: 'Hello',
      model: 'openai:gpt-4.1-mini',
      usage: { inputTokens: 12, outputTokens: 5, cachedInputTokens: 4 },
    });
    expect(r.costUsd).toBeCloseTo((8 * 0.4 + 4 * 0.1 + 5 * 1.6) / 1e6, 12);
    const call = mock.doGenerateCalls[0]!;
    expect(call).toMatchObject({ maxOutputTokens: 50, temperature: 0.2 });
    expect(call.prompt).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'yes?' }] },
      { role: 'user', content: [{ type: 'text', text: 'again' }] },
    ]);
  });

  it('asks for structured output as a JSON response format and validates the object', async () => {
    const mock = new MockLanguageModelV3({
      doGenerate: reply([{ type: 'text', text: '{"answer":"B","confidence":0.8}' }]),
    });
    const r = await fromAiSdk(mock).complete({
      messages: [{ role: 'user', content: 'q' }],
      schema: Answer,
      schemaName: 'answer',
    });
    expect(r.object).toEqual({ answer: 'B', confidence: 0.8 });
    expect(mock.doGenerateCalls[0]!.responseFormat).toMatchObject({
      type: 'json',
      name: 'answer',
      schema: { type: 'object', required: ['answer', 'confidence'] },
    });
    expect(mock.doGenerateCalls[0]!.tools).toBeUndefined();
  });

  it('asks for structured output as one forced tool call and reads the call’s input', async () => {
    const mock = new MockLanguageModelV3({
      doGenerate: reply([
        { type: 'tool-call', toolCallId: 't1', toolName: 'answer', input: '{"answer":"C","confidence":1}' },
      ]),
    });
    const r = await fromAiSdk(mock, { structuredOutput: 'tool' }).complete({
      messages: [{ role: 'user', content: 'q' }],
      schema: Answer,
      schemaName: 'answer',
    });
    expect(r.object).toEqual({ answer: 'C', confidence: 1 });
    const call = mock.doGenerateCalls[0]!;
    expect(call.toolChoice).toEqual({ type: 'tool', toolName: 'answer' });
    expect(call.tools).toMatchObject([{ type: 'function', name: 'answer', inputSchema: { type: 'object' } }]);
    expect(call.responseFormat).toBeUndefined();
  });

  it('repairs a reply that misses the schema once, counting both calls, then records a MalformedOutputError', async () => {
    const mock = new MockLanguageModelV3({
      doGenerate: [
        reply([{ type: 'text', text: '{"answer": 3}' }]),
        reply([{ type: 'text', text: '{"answer":"A","confidence":0}' }]),
      ],
    });
    const r = await fromAiSdk(mock).complete({
      messages: [{ role: 'user', content: 'q' }],
      schema: Answer,
      schemaName: 'answer',
    });
    expect(r.object).toEqual({ answer: 'A', confidence: 0 });
    expect(r.usage.inputTokens).toBe(24);
    const bad = new MockLanguageModelV3({
      doGenerate: [reply([{ type: 'text', text: 'nope' }]), reply([{ type: 'text', text: 'still nope' }])],
    });
    await expect(
      fromAiSdk(bad).complete({ messages: [{ role: 'user', content: 'q' }], schema: Answer }),
    ).rejects.toMatchObject({ code: 'MALFORMED_OUTPUT' });
  });

  it('counts usage numbers that are not finite counts ≥ 0 as 0', () => {
    const weird = {
      inputTokens: { total: '12', noCache: undefined, cacheRead: 4, cacheWrite: undefined },
      outputTokens: { total: -3, text: undefined, reasoning: undefined },
    };
    expect(fromAiSdkUsage(weird as never)).toEqual({ inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 });
    expect(fromAiSdkUsage(usage(Number.NaN, 5, 0))).toEqual({ inputTokens: 0, outputTokens: 5, cachedInputTokens: 0 });
  });

  it('retries a rate-limited call after the server’s retry-after, and does not retry a rejected key', async () => {
    const limited = new APICallError({
      message: 'slow down',
      url: 'http://x',
      requestBodyValues: {},
      statusCode: 429,
      responseHeaders: { 'retry-after-ms': '30' },
      isRetryable: true,
    });
    let calls = 0;
    const mock = new MockLanguageModelV3({
      doGenerate: async () => {
        if (calls++ === 0) throw limited;
        return reply([{ type: 'text', text: 'ok' }]);
      },
    });
    expect(
      (await fromAiSdk(mock, { retry: fast }).complete({ messages: [{ role: 'user', content: 'hi' }] })).text,
    ).toBe('ok');
    expect(calls).toBe(2);
    const denied = new MockLanguageModelV3({
      doGenerate: async () => {
        throw new APICallError({ message: 'bad key', url: 'http://x', requestBodyValues: {}, statusCode: 401 });
      },
    });
    await expect(
      fromAiSdk(denied, { retry: fast }).complete({ messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toMatchObject({ code: 'PROVIDER_ERROR', status: 401, retryable: false });
    expect(denied.doGenerateCalls).toHaveLength(1);
  });
});

const KEY = 'sk-local-secret-0123456789';
const wire = useWireServer();

describe('an AI SDK provider package as a delm model, over the wire', () => {
  const local = () =>
    createOpenAICompatible({
      name: 'local',
      baseURL: `${wire.current.url}/v1`,
      apiKey: KEY,
      supportsStructuredOutputs: true,
    }).chatModel('tiny-llm');

  it('sends a chat completion with a JSON schema through @ai-sdk/openai-compatible and validates the object', async () => {
    wire.current.script(openaiReply('{"answer":"D","confidence":0.5}'));
    const r = await fromAiSdk(local()).complete({
      system: 'sys',
      messages: [{ role: 'user', content: 'q' }],
      schema: Answer,
      schemaName: 'answer',
      maxTokens: 64,
    });
    expect(r).toMatchObject({
      object: { answer: 'D', confidence: 0.5 },
      model: 'local:tiny-llm',
      usage: { inputTokens: 12, outputTokens: 5, cachedInputTokens: 4 },
    });
    const req = wire.current.requests[0]!;
    expect(req.url).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.body).toMatchObject({
      model: 'tiny-llm',
      max_tokens: 64,
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'q' },
      ],
      response_format: { type: 'json_schema', json_schema: { name: 'answer' } },
    });
  });

  it('retries a 500 from the server and keeps the API key out of the final error', async () => {
    wire.current.script(
      ...Array.from({ length: 2 }, () => ({ status: 500, body: { error: { message: `boom ${KEY}` } } })),
    );
    const error = await fromAiSdk(local(), { retry: { ...fast, maxRetries: 1 } })
      .complete({ messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e as Error);
    // Final: the retries it was worth were made here (see RetryOptions).
    expect(error).toMatchObject({ code: 'PROVIDER_ERROR', status: 500, retryable: false });
    expect(String((error as Error).message)).toMatch(/gave up after 2 requests/);
    expect(String((error as Error).message)).not.toContain(KEY);
    expect(wire.current.requests).toHaveLength(2);
  });

  it('runs a swarm whose workers build the AI SDK model from a { module, export } factory', async () => {
    // The wire server answers like an LLM speaking the basic protocol, by the schema it is asked for.
    const answer = (body: {
      response_format?: { json_schema?: { name?: string } };
      messages: Array<{ content: string }>;
    }) => {
      const name = body.response_format?.json_schema?.name;
      const prompt = body.messages.map((m) => m.content).join('\n');
      if (name === 'agent_step')
        return { findings: [{ text: `finding about ${/Your sub-task: (.*)/.exec(prompt)?.[1] ?? '?'}` }] };
      if (name === 'final_decision')
        return { decision: 'answer', answer: `${(prompt.match(/\] finding about/g) ?? []).length} findings` };
      return { subTasks: ['only'] };
    };
    wire.current.script(
      ...Array.from({ length: 20 }, () => (req: Recorded) => openaiReply(JSON.stringify(answer(req.body)))),
    );
    const module = new URL('./fixtures/ai-sdk-swarm-model.ts', import.meta.url).href;
    const swarm = createSwarm({
      agents: 2,
      protocol: 'basic',
      model: { module, options: { baseURL: `${wire.current.url}/v1`, apiKey: KEY } },
    });
    try {
      const result = await swarm.run({
        prompt: 'count',
        subTasks: [{ payload: 'a' }, { payload: 'b' }, { payload: 'c' }],
      });
      expect(result.stopReason).toBe('answered');
      expect(result.answer).toBe('3 findings');
      expect(result.usage.modelCalls).toBe(4);
      expect(result.usage.inputTokens).toBe(48);
      expect(wire.current.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    } finally {
      await swarm.close();
    }
  }, 60_000);

  it('keeps a key the server echoes out of errors: as a Bearer token, from the environment, or given as a secret', async () => {
    const key = 'gsk_plainSECRET123value';
    // A server of its own: the wire server may still hold replies an earlier test scripted and did not use.
    const server = await startWireServer();
    onTestFinished(() => server.close());
    const model = (options = {}) =>
      fromAiSdk(createOpenAICompatible({ name: 'groq', baseURL: `${server.url}/v1`, apiKey: key }).chatModel('m'), {
        retry: { ...fast, maxRetries: 0 },
        ...options,
      });
    const failure = async (echo: (req: Recorded) => string, options = {}) => {
      server.script((req) => ({ status: 400, body: { error: { message: echo(req) } } }));
      const error = (await model(options)
        .complete({ messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e)) as Error & { code: string };
      expect(error.code).toBe('PROVIDER_ERROR');
      return JSON.stringify({ message: error.message, stack: error.stack, json: error });
    };
    const bearer = await failure((req) => `you sent auth=${String(req.headers.authorization)}`);
    expect(bearer).toContain('auth=Bearer [redacted]');
    expect(bearer).not.toContain('SECRET123');
    expect(await failure(() => `you sent x-api-key: ${key}`)).not.toContain('SECRET123');
    // A key echoed bare is known by its value: from an *_API_KEY variable, or passed as a secret.
    const saved = process.env.GROQ_API_KEY;
    process.env.GROQ_API_KEY = key;
    try {
      expect(await failure(() => `key ${key} is not valid`)).not.toContain('SECRET123');
    } finally {
      if (saved === undefined) delete process.env.GROQ_API_KEY;
      else process.env.GROQ_API_KEY = saved;
    }
    expect(await failure(() => `key ${key} is not valid`, { secrets: [key] })).not.toContain('SECRET123');
  });

  it('keeps an echoed key out of a swarm run’s events and result', async () => {
    const key = 'gsk_plainSECRET123value';
    const server = await startWireServer();
    onTestFinished(() => server.close());
    server.script(
      ...Array.from({ length: 40 }, () => (req: Recorded) => ({
        status: 400,
        body: { error: { message: `you sent auth=${String(req.headers.authorization)}` } },
      })),
    );
    const module = new URL('./fixtures/ai-sdk-swarm-model.ts', import.meta.url).href;
    const swarm = createSwarm({
      agents: 1,
      protocol: 'basic',
      model: { module, options: { baseURL: `${server.url}/v1`, apiKey: key } },
    });
    try {
      const events: unknown[] = [];
      const result = await swarm.run(
        { prompt: 'count', subTasks: [{ payload: 'a' }] },
        { onEvent: (e) => events.push(e) },
      );
      expect(server.requests.length).toBeGreaterThan(0);
      const shown = JSON.stringify({ events, result });
      expect(shown).toContain('[redacted]');
      expect(shown).not.toContain('SECRET123');
    } finally {
      await swarm.close();
    }
  }, 60_000);
});
