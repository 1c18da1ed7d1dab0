import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fromAiSdk } from '../../src/providers/ai-sdk.js';
import { createModel } from '../../src/providers/index.js';
import { inputJsonSchema } from '../../src/providers/json-schema.js';
import { openaiReply, useWireServer } from './servers/wire-server.js';

const Answer = z.object({ answer: z.string(), sources: z.array(z.string()).default([]) });
const wire = useWireServer();

describe('structured-output schemas as JSON Schema', () => {
  it('converts a schema once, as zod does, and freezes what every call shares', () => {
    const json = inputJsonSchema(Answer);
    expect(json).toEqual(z.toJSONSchema(Answer, { io: 'input' }));
    expect(inputJsonSchema(Answer)).toBe(json);
    expect(inputJsonSchema(z.object({ answer: z.string() }))).not.toBe(json);
    const properties = json.properties as Record<string, Record<string, unknown>>;
    expect(Object.isFrozen(json) && Object.isFrozen(properties) && Object.isFrozen(properties.sources)).toBe(true);
    expect(() => ((properties.answer as Record<string, unknown>).type = 'number')).toThrow(TypeError);
    // A schema with no JSON form throws every time it is asked for.
    const noJson = z.object({ at: z.date() });
    expect(() => inputJsonSchema(noJson)).toThrow();
    expect(() => inputJsonSchema(noJson)).toThrow();
  });

  it('sends every call through the real SDK the same schema', async () => {
    wire.current.script(openaiReply('{"answer":"A"}'), openaiReply('{"answer":"B","sources":["D1"]}'));
    const model = createModel('openai:gpt-4.1-mini', {
      env: { OPENAI_API_KEY: 'sk-test-1234567890', OPENAI_BASE_URL: `${wire.current.url}/v1` },
    });
    for (const answer of ['A', 'B']) {
      const r = await model.complete({ messages: [{ role: 'user', content: 'q' }], schema: Answer, schemaName: 'a' });
      expect(r.object?.answer).toBe(answer);
    }
    const sent = wire.current.requests.map((r) => r.body.response_format);
    expect(sent).toEqual(
      [0, 1].map(() => ({
        type: 'json_schema',
        json_schema: { name: 'a', schema: z.toJSONSchema(Answer, { io: 'input' }), strict: false },
      })),
    );
  });

  it('gives an AI SDK model a copy of its own, which it may change without touching the next call', async () => {
    const seen: unknown[] = [];
    const mock = new MockLanguageModelV3({
      doGenerate: async (options) => {
        const format = options.responseFormat as unknown as { schema: Record<string, unknown> };
        seen.push(structuredClone(format.schema));
        format.schema.title = 'changed by the provider';
        return {
          content: [{ type: 'text', text: '{"answer":"A"}' }],
          finishReason: { unified: 'stop', raw: 'stop' },
          usage: {
            inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: undefined },
            outputTokens: { total: 1, text: 1, reasoning: undefined },
          },
          warnings: [],
        };
      },
    });
    const model = fromAiSdk(mock);
    for (let i = 0; i < 2; i++)
      await model.complete({ messages: [{ role: 'user', content: 'q' }], schema: Answer, schemaName: 'a' });
    expect(seen).toEqual([inputJsonSchema(Answer), inputJsonSchema(Answer)]);
    expect(inputJsonSchema(Answer)).not.toHaveProperty('title');
  });
});
