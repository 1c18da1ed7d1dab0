import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type DelmServer } from '../../src/server/index.js';
import { eventually, readSse } from './helpers.js';

// The default swarm: the DeLM protocol with the offline model, as `delm serve` runs out of the box.
let server: DelmServer;
let client: OpenAI;
const post = (path: string, body: unknown) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
type ErrorBody = { error: { message: string; type: string; code: string; param: string | null } };

beforeAll(async () => {
  server = await startServer({ port: 0, maxConcurrentRuns: 1, maxQueuedRuns: 8, swarm: { agents: 2 } });
  client = new OpenAI({ apiKey: 'unused', baseURL: `${server.url}/v1`, maxRetries: 0 });
});
afterAll(() => server?.close());

// One sentence of 5,000 characters: the offline planner used to copy it into a sub-task payload (at most 4,000).
const LONG = `${'word '.repeat(1_000)}which word is it?`;

describe('a prompt over 4,000 characters without sources', () => {
  it('is answered through /v1/chat/completions, non-streaming and streaming', async () => {
    const completion = await client.chat.completions.create({
      model: 'delm',
      messages: [{ role: 'user', content: LONG }],
    });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect((completion as unknown as { delm: { stop_reason: string } }).delm.stop_reason).toBe('answered');
    const stream = await client.chat.completions.create({
      model: 'delm',
      stream: true,
      messages: [{ role: 'user', content: LONG }],
    });
    const finishes: Array<string | null | undefined> = [];
    for await (const chunk of stream) finishes.push(chunk.choices[0]?.finish_reason);
    expect(finishes.at(-1)).toBe('stop');
  }, 120_000);

  it('is answered through /v1/runs', async () => {
    const created = (await (await post('/v1/runs', { prompt: LONG })).json()) as { id: string };
    const run = await eventually(async () => {
      const view = (await (await fetch(`${server.url}/v1/runs/${created.id}`)).json()) as {
        status: string;
        stopReason: string;
        error: string | null;
      };
      return view.status === 'finished' ? view : undefined;
    }, 120_000);
    expect(run).toMatchObject({ stopReason: 'answered', error: null });
  }, 120_000);
});

describe('bad meta is refused before a run starts', () => {
  const cases: Array<[unknown, string]> = [
    [{ delm: { digestTokens: -5 } }, 'meta.delm.digestTokens'],
    [{ delm: { finalDigestTokens: 1e308 } }, 'meta.delm.finalDigestTokens'],
    [{ delm: { supportThreshold: 'high' } }, 'meta.delm.supportThreshold'],
    [{ delm: { digestToken: 10 } }, 'meta.delm'],
    [{ delm: 'fast' }, 'meta.delm'],
    [{ choices: Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`C${i}`, 'x'])) }, 'meta.choices'],
    [{ choices: { A: '' } }, 'meta.choices.A'],
  ];

  it('POST /v1/runs answers 400 naming the field, and starts nothing', async () => {
    const before = server.pool.stats();
    for (const [meta, field] of cases) {
      const res = await post('/v1/runs', { prompt: 'q', meta });
      expect(res.status, JSON.stringify(meta).slice(0, 80)).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.param?.startsWith(field), `${body.error.param} for ${field}`).toBe(true);
      expect(body.error.message).toContain(field);
    }
    expect(server.pool.stats()).toEqual(before);
  });

  it('chat answers 400 naming the field (delm.meta…), streaming or not, with no 200 first', async () => {
    for (const [meta, field] of cases) {
      for (const stream of [false, true]) {
        const res = await post('/v1/chat/completions', {
          model: 'delm',
          stream,
          messages: [{ role: 'user', content: 'q' }],
          delm: { meta },
        });
        expect(res.status).toBe(400);
        expect(((await res.json()) as ErrorBody).error.param?.startsWith(`delm.${field}`)).toBe(true);
      }
    }
  });

  it('good meta still runs', async () => {
    const completion = await client.chat.completions.create({
      model: 'delm',
      messages: [{ role: 'user', content: 'Which is it?' }],
      delm: { meta: { choices: { A: 'one', B: 'two' }, delm: { digestTokens: 800 } } },
    } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming);
    expect(completion.choices[0]!.finish_reason).toBe('stop');
  }, 60_000);
});

describe('text that is not valid Unicode', () => {
  it('is a 400 naming the field, not a 500', async () => {
    const chat = await post('/v1/chat/completions', '{"model":"x","messages":[{"role":"user","content":"a\\ud800b"}]}');
    expect(chat.status).toBe(400);
    expect(((await chat.json()) as ErrorBody).error).toMatchObject({
      param: 'messages.0.content',
      code: 'invalid_argument',
    });
    const streamed = await post(
      '/v1/chat/completions',
      '{"model":"x","stream":true,"messages":[{"role":"user","content":"ok"},{"role":"user","content":[{"type":"text","text":"\\udc00"}]}]}',
    );
    expect(streamed.status).toBe(400);
    expect(((await streamed.json()) as ErrorBody).error.param).toBe('messages.1.content.0.text');
    const run = await post('/v1/runs', '{"prompt":"q","sources":[{"label":"D1","text":"x\\ud83d"}]}');
    expect(run.status).toBe(400);
    expect(((await run.json()) as ErrorBody).error.param).toBe('sources.0.text');
    const key = await post('/v1/runs', '{"prompt":"q","meta":{"\\ud800":1}}');
    expect(key.status).toBe(400);
    // A real pair (an emoji) is fine.
    expect((await post('/v1/runs', '{"prompt":"q \\ud83d\\ude00","subTasks":[{"payload":"a"}]}')).status).toBe(202);
  });
});

describe('streaming starts only once the run has started', () => {
  it('sends headers after the plan, so the first chunk is the role chunk of a run that is going', async () => {
    const res = await post('/v1/chat/completions', {
      model: 'delm',
      stream: true,
      messages: [{ role: 'user', content: 'Say something.' }],
    });
    expect(res.status).toBe(200);
    const messages = await readSse(res);
    expect(messages.at(-1)!.data).toBe('[DONE]');
    expect(messages.some((m) => m.data.includes('"error"'))).toBe(false);
  }, 60_000);
});
