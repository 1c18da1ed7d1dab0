import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createModel } from '../../src/providers/index.js';
import { anthropicReply, useWireServer } from './servers/wire-server.js';

const KEY = 'sk-ant-test-secret-0987654321';
const wire = useWireServer();

const model = (retry = {}) =>
  createModel('anthropic:claude-haiku-4-5', {
    env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: wire.current.url },
    retry: { baseDelayMs: 5, maxDelayMs: 50, ...retry },
  });

describe('Anthropic provider through the real SDK', () => {
  it('completes text with usage that counts cache reads as input', async () => {
    wire.current.script(anthropicReply({ text: 'Bonjour' }));
    const r = await model().complete({
      system: 'French only',
      messages: [{ role: 'user', content: 'hello' }],
      maxTokens: 64,
    });
    expect(r).toMatchObject({
      text: 'Bonjour',
      model: 'anthropic:claude-haiku-4-5',
      usage: { inputTokens: 13, outputTokens: 6, cachedInputTokens: 3 },
    });
    expect(r.costUsd).toBeCloseTo((10 * 1 + 3 * 0.1 + 6 * 5) / 1e6, 12);
    const req = wire.current.requests[0]!;
    expect(req.url).toBe('/v1/messages');
    // SDK versions authenticate with x-api-key or a bearer token; either carries the key.
    expect([req.headers['x-api-key'], req.headers.authorization]).toContain(
      req.headers['x-api-key'] ?? `Bearer ${KEY}`,
    );
    expect(req.headers['x-api-key'] ?? req.headers.authorization).toContain(KEY);
    expect(req.body).toMatchObject({ model: 'claude-haiku-4-5', max_tokens: 64, system: 'French only' });
  });

  it('gets structured output through a forced tool call', async () => {
    const Verdict = z.object({ verdict: z.enum(['accept', 'reject']), reason: z.string() });
    wire.current.script(anthropicReply({ tool: 'verdict', input: { verdict: 'reject', reason: 'quote not found' } }));
    const r = await model().complete({
      messages: [{ role: 'user', content: 'judge' }],
      schema: Verdict,
      schemaName: 'verdict',
    });
    expect(r.object).toEqual({ verdict: 'reject', reason: 'quote not found' });
    expect(wire.current.requests[0]!.body).toMatchObject({
      tool_choice: { type: 'tool', name: 'verdict' },
      tools: [{ name: 'verdict', input_schema: { type: 'object' } }],
    });
  });

  it('retries 429 (retry-after in seconds) and 529-style overload, then succeeds', async () => {
    wire.current.script(
      {
        status: 429,
        headers: { 'retry-after': '0.1' },
        body: { type: 'error', error: { type: 'rate_limit_error', message: 'slow' } },
      },
      { status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'overloaded' } } },
      anthropicReply({ text: 'ok' }),
    );
    const r = await model().complete({ messages: [{ role: 'user', content: 'x' }] });
    expect(r.text).toBe('ok');
    expect(wire.current.requests).toHaveLength(3);
  });

  it('reports a bad key without retrying or echoing it', async () => {
    wire.current.script({
      status: 401,
      body: { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${KEY}` } },
    });
    const error = (await model()
      .complete({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'PROVIDER_ERROR', status: 401, retryable: false });
    expect(`${error.message} ${String(error.stack)}`).not.toContain(KEY);
  });

  it('treats a body that is not JSON as a provider error, not a crash', async () => {
    wire.current.script({ raw: '<html>bad gateway</html>', status: 502 }, anthropicReply({ text: 'recovered' }));
    expect((await model().complete({ messages: [{ role: 'user', content: 'x' }] })).text).toBe('recovered');
  });

  it('retries a call that hit delm’s timeout (the SDK reports it as a user abort) as PROVIDER_TIMEOUT', async () => {
    wire.current.script({ hang: true }, anthropicReply({ text: 'second try' }));
    const r = await model({ timeoutMs: 300, maxRetries: 2 }).complete({ messages: [{ role: 'user', content: 'hi' }] });
    expect(r.text).toBe('second try');
    expect(wire.current.requests).toHaveLength(2);

    wire.current.script({ hang: true }, { hang: true });
    await expect(
      model({ timeoutMs: 150, maxRetries: 1 }).complete({ messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toMatchObject({ code: 'PROVIDER_TIMEOUT', retryable: false, message: /gave up after 2 requests/ });
    expect(wire.current.requests).toHaveLength(4);
  });

  it('stops at once with ABORTED when the caller aborts', async () => {
    wire.current.script({ hang: true });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const started = Date.now();
    await expect(
      model({ timeoutMs: 5_000 }).complete({ messages: [{ role: 'user', content: 'hi' }], signal: ac.signal }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(wire.current.requests).toHaveLength(1);
  });

  it('counts a reply without usage with the tokenizer, and says a reply had no content (not retried)', async () => {
    const { usage: _, ...noUsage } = anthropicReply({ text: 'Bonjour' }).body as Record<string, unknown>;
    wire.current.script({ body: noUsage });
    const r = await model().complete({ messages: [{ role: 'user', content: 'hello' }] });
    expect(r.text).toBe('Bonjour');
    expect(r.usage).toEqual({
      inputTokens: expect.any(Number),
      outputTokens: expect.any(Number),
      cachedInputTokens: 0,
    });
    expect(r.usage.inputTokens).toBeGreaterThan(0);
    expect(r.usage.outputTokens).toBeGreaterThan(0);

    wire.current.script({ body: { ...(anthropicReply({ text: 'x' }).body as object), content: null } });
    const error = (await model()
      .complete({ messages: [{ role: 'user', content: 'hello' }] })
      .catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'MALFORMED_OUTPUT', usage: { inputTokens: 13, outputTokens: 6 } });
    expect(error.message).toBe('anthropic returned a reply with no content');
    expect(wire.current.requests).toHaveLength(2);
  });
});
