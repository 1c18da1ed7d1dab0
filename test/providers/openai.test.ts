import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createModel } from '../../src/providers/index.js';
import { openaiReply, useWireServer } from './servers/wire-server.js';

const KEY = 'sk-test-secret-key-1234567890';
const wire = useWireServer();

const model = (retry = {}) =>
  createModel('openai:gpt-4.1-mini', {
    env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${wire.current.url}/v1` },
    retry: { baseDelayMs: 5, maxDelayMs: 50, ...retry },
  });
const Answer = z.object({ answer: z.string(), confidence: z.number() });

describe('OpenAI provider through the real SDK', () => {
  it('completes text and reports usage, cost and latency', async () => {
    wire.current.script(openaiReply('Hello there'));
    const r = await model().complete({
      system: 'be brief',
      messages: [{ role: 'user', content: 'hi' }],
      maxTokens: 50,
    });
    expect(r).toMatchObject({
      text: 'Hello there',
      model: 'openai:gpt-4.1-mini',
      usage: { inputTokens: 12, outputTokens: 5, cachedInputTokens: 4 },
    });
    expect(r.costUsd).toBeCloseTo((8 * 0.4 + 4 * 0.1 + 5 * 1.6) / 1e6, 12);
    const req = wire.current.requests[0]!;
    expect(req.url).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.body).toMatchObject({
      model: 'gpt-4.1-mini',
      max_completion_tokens: 50,
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
    });
  });

  it('asks for structured output with a JSON schema and validates the object', async () => {
    wire.current.script(openaiReply('{"answer":"B","confidence":0.8}'));
    const r = await model().complete({
      messages: [{ role: 'user', content: 'q' }],
      schema: Answer,
      schemaName: 'answer',
    });
    expect(r.object).toEqual({ answer: 'B', confidence: 0.8 });
    const format = wire.current.requests[0]!.body.response_format;
    expect(format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'answer', schema: { type: 'object', required: ['answer', 'confidence'] } },
    });
  });

  it('repairs malformed output once by sending the validation error back', async () => {
    wire.current.script(openaiReply('{"answer": "B"'), openaiReply('{"answer":"B","confidence":1}'));
    const r = await model().complete({
      messages: [{ role: 'user', content: 'q' }],
      schema: Answer,
      schemaName: 'answer',
    });
    expect(r.object).toEqual({ answer: 'B', confidence: 1 });
    expect(r.usage.inputTokens).toBe(24); // both calls are counted
    const repair = wire.current.requests[1]!.body.messages.at(-1);
    expect(repair.content).toMatch(/not valid answer JSON/);
  });

  it('records malformed output as a MalformedOutputError after the one repair, never a crash', async () => {
    wire.current.script(openaiReply('not json'), openaiReply('{"answer": 3}'));
    await expect(
      model().complete({ messages: [{ role: 'user', content: 'q' }], schema: Answer }),
    ).rejects.toMatchObject({ code: 'MALFORMED_OUTPUT', raw: '{"answer": 3}' });
    expect(wire.current.requests).toHaveLength(2);
  });

  it('carries the usage and cost of every reply it received on the error of a call that failed after them', async () => {
    const usage = { prompt_tokens: 1_500, completion_tokens: 800, prompt_tokens_details: { cached_tokens: 0 } };
    wire.current.script(openaiReply('not json', usage), openaiReply('still prose', usage));
    const malformed = await model()
      .complete({ messages: [{ role: 'user', content: 'q' }], schema: Answer })
      .catch((e: unknown) => e);
    // gpt-4.1-mini: $0.40 input, $1.60 output per million tokens.
    expect(malformed).toMatchObject({
      code: 'MALFORMED_OUTPUT',
      usage: { inputTokens: 3_000, outputTokens: 1_600, cachedInputTokens: 0 },
    });
    expect((malformed as { costUsd: number }).costUsd).toBeCloseTo((3_000 * 0.4 + 1_600 * 1.6) / 1e6, 12);

    // The repair round fails at the provider: the first reply was billed all the same.
    wire.current.script(openaiReply('not json', usage), { status: 400, body: { error: { message: 'bad request' } } });
    await expect(
      model().complete({ messages: [{ role: 'user', content: 'q' }], schema: Answer }),
    ).rejects.toMatchObject({ code: 'PROVIDER_ERROR', status: 400, usage: { inputTokens: 1_500, outputTokens: 800 } });

    // A call that received nothing carries nothing.
    wire.current.script({ status: 400, body: { error: { message: 'bad request' } } });
    const nothing = await model()
      .complete({ messages: [{ role: 'user', content: 'q' }] })
      .catch((e: unknown) => e);
    expect(nothing).toMatchObject({ code: 'PROVIDER_ERROR' });
    expect((nothing as { usage?: unknown }).usage).toBeUndefined();
  });

  it('retries a 429 after the server’s retry-after, then succeeds', async () => {
    wire.current.script(
      {
        status: 429,
        headers: { 'retry-after-ms': '120' },
        body: { error: { message: 'slow down', type: 'rate_limit' } },
      },
      openaiReply('ok'),
    );
    const started = Date.now();
    const r = await model().complete({ messages: [{ role: 'user', content: 'hi' }] });
    expect(r.text).toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    expect(wire.current.requests).toHaveLength(2);
  });

  it('retries a 500 with backoff and gives up with a final ProviderError, not retryable', async () => {
    wire.current.script(...Array.from({ length: 3 }, () => ({ status: 500, body: { error: { message: 'boom' } } })));
    await expect(
      model({ maxRetries: 2 }).complete({ messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toMatchObject({
      code: 'PROVIDER_ERROR',
      status: 500,
      retryable: false,
      message: /gave up after 3 requests/,
    });
    expect(wire.current.requests).toHaveLength(3);
  });

  it('times out a hung response and says so', async () => {
    wire.current.script({ hang: true }, { hang: true });
    await expect(
      model({ timeoutMs: 150, maxRetries: 1 }).complete({ messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toMatchObject({ code: 'PROVIDER_TIMEOUT' });
    expect(wire.current.requests).toHaveLength(2);
  });

  it('does not retry a rejected key, and never echoes the key', async () => {
    wire.current.script({
      status: 401,
      body: { error: { message: `Incorrect API key provided: ${KEY}`, type: 'invalid_request_error' } },
    });
    const error = (await model()
      .complete({ messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect(error.message).toMatch(/rejected the API key/);
    expect(JSON.stringify({ ...error, text: error.message, stack: error.stack })).not.toContain(KEY);
    expect(wire.current.requests).toHaveLength(1);
  });

  it('reaches any OpenAI-compatible server by base URL, without a key', async () => {
    wire.current.script(
      openaiReply('local', { prompt_tokens: 3, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 0 } }),
    );
    const local = createModel(`openai-compatible:llama-3.1-8b@${wire.current.url}/v1`, { env: {} });
    const r = await local.complete({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 9 });
    expect(r).toMatchObject({ text: 'local', model: 'openai-compatible:llama-3.1-8b', costUsd: 0 });
    expect(wire.current.requests[0]!.body).toMatchObject({ model: 'llama-3.1-8b', max_tokens: 9 });
  });

  it('stops at once when the caller aborts', async () => {
    wire.current.script({ delayMs: 2_000, ...openaiReply('late') });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const started = Date.now();
    await expect(
      model().complete({ messages: [{ role: 'user', content: 'hi' }], signal: ac.signal }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('says a reply had no choices (a malformed reply, not retried), and retries a 200 whose body is an error', async () => {
    const noChoices = { ...(openaiReply('x').body as object), choices: null };
    wire.current.script({ body: noChoices });
    const error = (await model()
      .complete({ messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'MALFORMED_OUTPUT', usage: { inputTokens: 12, outputTokens: 5 } });
    expect(error.message).toBe('openai returned a reply with no choices');
    expect(wire.current.requests).toHaveLength(1);

    wire.current.script(
      { body: { error: { message: `overloaded (key ${KEY})`, type: 'server_error' } } },
      openaiReply('ok'),
    );
    expect((await model().complete({ messages: [{ role: 'user', content: 'hi' }] })).text).toBe('ok');
    expect(wire.current.requests).toHaveLength(3);

    wire.current.script({ body: { error: { message: `overloaded (key ${KEY})` } } });
    const given = (await model({ maxRetries: 0 })
      .complete({ messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)) as Error;
    // Retryable, but no retry is configured here: the error is final all the same.
    expect(given).toMatchObject({ code: 'PROVIDER_ERROR', retryable: false });
    expect(given.message).toMatch(
      /^openai replied with an error instead of an answer: overloaded.*\(gave up after 1 request\)$/,
    );
    expect(given.message).not.toContain(KEY);
  });

  it('counts usage that is not a finite count ≥ 0 with the tokenizer, as if the server reported none', async () => {
    const bad = { prompt_tokens: '12', completion_tokens: -3, prompt_tokens_details: { cached_tokens: 4 } };
    wire.current.script(openaiReply('Hello there', bad as never), openaiReply('Hello there', {} as never));
    const weird = await model().complete({ messages: [{ role: 'user', content: 'hi' }] });
    const none = await model().complete({ messages: [{ role: 'user', content: 'hi' }] });
    expect(weird.usage).toMatchObject({ inputTokens: none.usage.inputTokens, outputTokens: none.usage.outputTokens });
    expect(typeof weird.usage.inputTokens).toBe('number');
    expect(weird.usage.outputTokens).toBeGreaterThan(0);
    // A cached count can never exceed the input it is part of.
    expect(weird.usage.cachedInputTokens).toBeLessThanOrEqual(weird.usage.inputTokens);
  });
});
