import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ProviderError } from '../../src/errors.js';
import { createScriptedModel, withLatency } from '../../src/providers/index.js';

describe('scripted model', () => {
  it('plays its script in order, repeating the last step, with structured output and real token counts', async () => {
    const model = createScriptedModel(['first', { json: { n: 2 } }]);
    expect((await model.complete({ messages: [{ role: 'user', content: 'a' }] })).text).toBe('first');
    const second = await model.complete({
      messages: [{ role: 'user', content: 'b' }],
      schema: z.object({ n: z.number() }),
    });
    expect(second.object).toEqual({ n: 2 });
    expect(second.usage.outputTokens).toBeGreaterThan(0);
    expect((await model.complete({ messages: [{ role: 'user', content: 'c' }] })).text).toBe('{"n":2}');
    expect(model.calls).toBe(3);
  });

  it('injects errors and delays, and honours abort', async () => {
    const rateLimited = new ProviderError('429', 'scripted', 429, true, { code: 'RATE_LIMITED' });
    const model = createScriptedModel((_req, call) =>
      call === 0 ? { error: rateLimited } : { delayMs: 1_000, then: 'late' },
    );
    await expect(model.complete({ messages: [{ role: 'user', content: 'x' }] })).rejects.toBe(rateLimited);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    await expect(
      model.complete({ messages: [{ role: 'user', content: 'x' }], signal: ac.signal }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('latency wrapper', () => {
  it('makes a call last per-call plus per-output-token time', async () => {
    const model = withLatency(createScriptedModel(['one two three four five six seven eight']), {
      perCallMs: 40,
      perOutputTokenMs: 5,
    });
    const started = performance.now();
    const r = await model.complete({ messages: [{ role: 'user', content: 'x' }] });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(40 + r.usage.outputTokens * 5 - 2);
    expect(r.latencyMs).toBeGreaterThanOrEqual(40);
  });
});
