import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DelmServer } from '../../src/server/index.js';
import { eventually, readSse, startTestServer } from './helpers.js';

const TOKEN = 'test-token-0123456789abcdef';
const subTasks = (n: number) => Array.from({ length: n }, (_, i) => ({ payload: `task ${i}` }));
const openResources = () => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');

/** A delm extension field on an OpenAI request body. */
type WithDelm<T> = T & {
  delm: { sources?: Array<{ label: string; text: string }>; subTasks?: Array<{ payload: string }> };
};

interface RunView {
  id: string;
  kind: string;
  status: string;
  stopReason: string | null;
  answer: string | null;
  result: {
    usage: { inputTokens: number; outputTokens: number };
    tasks: { done: number };
    entries: Array<{ text: string }>;
  } | null;
}

let server: DelmServer;
let client: OpenAI;
let resourcesBefore = 0;
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers as Record<string, string>) },
  });
const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  api(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const finished = (id: string) =>
  eventually(async () => {
    const run = (await (await api(`/v1/runs/${id}`)).json()) as RunView;
    return run.status === 'finished' ? run : undefined;
  });

beforeAll(async () => {
  resourcesBefore = openResources().length;
  server = await startTestServer({ token: TOKEN, maxConcurrentRuns: 2, maxBodyBytes: 64 * 1024 });
  client = new OpenAI({ apiKey: TOKEN, baseURL: `${server.url}/v1`, maxRetries: 0 });
});
afterAll(() => server?.close());

describe('POST /v1/chat/completions with the official openai client', () => {
  it('answers a non-streaming completion, with usage and the delm body extension passed through', async () => {
    const body: WithDelm<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming> = {
      model: 'delm-swarm',
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'an earlier question' },
        { role: 'assistant', content: 'an earlier answer' },
        { role: 'user', content: [{ type: 'text', text: 'How many findings are there?' }] },
      ],
      delm: { subTasks: subTasks(3) },
    };
    const completion = await client.chat.completions.create(body);
    expect(completion).toMatchObject({ object: 'chat.completion', model: 'delm-swarm' });
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]).toMatchObject({
      index: 0,
      finish_reason: 'stop',
      message: { role: 'assistant', content: '3 findings' },
    });
    const usage = completion.usage!;
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    expect(usage.completion_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);

    // The same run through the runs API: its usage, and a prompt built from the last user turn plus context.
    const run = (await (await api(`/v1/runs/${completion.id.slice('chatcmpl-'.length)}`)).json()) as RunView;
    expect(run).toMatchObject({ kind: 'chat', status: 'finished', stopReason: 'answered', answer: '3 findings' });
    expect(run.result!.usage).toMatchObject({
      inputTokens: usage.prompt_tokens,
      outputTokens: usage.completion_tokens,
    });
    const task = run.result!.entries[0]!.text;
    expect(task).toMatch(/^How many findings are there\?/);
    expect(task).toContain('[system] Answer briefly.');
    expect(task).toContain('[user] an earlier question');
    expect(task).not.toContain('an earlier answer');
  });

  it('streams chat.completion.chunk events, a usage chunk when asked, then [DONE]', async () => {
    const body: WithDelm<OpenAI.Chat.ChatCompletionCreateParamsStreaming> = {
      model: 'delm-swarm',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Count the findings in the sources.' }],
      delm: {
        sources: [
          { label: 'D1', text: 'First document.' },
          { label: 'D2', text: 'Second document.' },
        ],
      },
    };
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of await client.chat.completions.create(body)) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'delm-swarm')).toBe(true);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    const content = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join('');
    expect(content).toBe('2 findings'); // one sub-task per source
    expect(chunks.flatMap((c) => c.choices.map((ch) => ch.finish_reason)).filter(Boolean)).toEqual(['stop']);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage!.total_tokens).toBe(last.usage!.prompt_tokens + last.usage!.completion_tokens);
    expect(last.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  it('streams without a usage chunk unless include_usage is set, and ends the raw stream with data: [DONE]', async () => {
    const response = await postJson('/v1/chat/completions', {
      model: 'm',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const messages = await readSse(response);
    expect(messages.at(-1)!.data).toBe('[DONE]');
    const chunks = messages.slice(0, -1).map((m) => JSON.parse(m.data) as OpenAI.Chat.ChatCompletionChunk);
    expect(chunks.every((c) => c.usage === undefined && c.choices.length === 1)).toBe(true);
    expect(chunks.map((c) => c.choices[0]!.delta.content ?? '').join('')).toBe('1 findings');
  });

  it('aborts the run when the client disconnects', async () => {
    const ac = new AbortController();
    const body: WithDelm<OpenAI.Chat.ChatCompletionCreateParamsStreaming> = {
      model: 'm',
      stream: true,
      messages: [{ role: 'user', content: 'long' }],
      delm: { subTasks: subTasks(80) },
    };
    const { response } = await client.chat.completions.create(body, { signal: ac.signal }).withResponse();
    const runId = response.headers.get('x-delm-run-id')!;
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    ac.abort();
    const run = await finished(runId);
    expect(run.stopReason).toBe('aborted');
    expect(run.result!.tasks.done).toBeLessThan(80);
  });

  it('answers a chat whose run is cancelled with an error, not an empty completion', async () => {
    const response = await postJson('/v1/chat/completions', {
      model: 'm',
      stream: true,
      messages: [{ role: 'user', content: 'long' }],
      delm: { subTasks: subTasks(200) },
    });
    const runId = response.headers.get('x-delm-run-id')!;
    expect((await api(`/v1/runs/${runId}`, { method: 'DELETE' })).status).toBe(202);
    const messages = await readSse(response);
    // Before: an empty delta, finish_reason "stop" and [DONE], as if the swarm had answered "".
    expect(messages.map((m) => m.data)).not.toContain('[DONE]');
    const last = JSON.parse(messages.at(-1)!.data) as { error?: { code: string; message: string } };
    expect(last.error).toMatchObject({ code: 'aborted', message: expect.stringContaining(`run ${runId} was stopped`) });
  });

  it('rejects bad requests with OpenAI-style 400 errors naming the field', async () => {
    const noUser = client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'assistant', content: 'only me' }],
    });
    await expect(noUser).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    const error = (await noUser.catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(error.status).toBe(400);
    expect(error.type).toBe('invalid_request_error');
    expect(error.code).toBe('invalid_argument');
    expect(error.param).toBe('messages');
    expect(error.message).toMatch(/messages: at least one user message is required/);

    const twoChoices = (await client.chat.completions
      .create({ model: 'm', n: 2, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(twoChoices.param).toBe('n');
    expect(twoChoices.message).toMatch(/n: only n = 1 is supported/);

    const image = await postJson('/v1/chat/completions', {
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }],
    });
    expect(image.status).toBe(400);
    expect(((await image.json()) as { error: { param: string; message: string } }).error).toMatchObject({
      param: 'messages.0.content.0.type',
      message: expect.stringMatching(/only text content parts/),
    });
  });
});

describe('the runs API', () => {
  it('starts a run (202), streams its events as SSE live and again after it finished, and reports its result', async () => {
    const created = await postJson('/v1/runs', { prompt: 'count', subTasks: subTasks(5) });
    expect(created.status).toBe(202);
    const { id, links } = (await created.json()) as { id: string; links: { events: string } };
    expect(created.headers.get('location')).toBe(`/v1/runs/${id}`);

    const live = await readSse(await api(links.events));
    const events = live.map((m) => JSON.parse(m.data) as { type: string; runId?: string; stopReason?: string });
    expect(live.map((m) => m.id)).toEqual(live.map((_, i) => String(i)));
    expect(live.map((m) => m.event)).toEqual(events.map((e) => e.type));
    expect(events.find((e) => e.type === 'run.started')).toMatchObject({ runId: id });
    expect(events.filter((e) => e.type === 'commit')).toHaveLength(6);
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', stopReason: 'answered' });

    // The stream ends with run.finished; the run's record settles a moment later, when its result resolves.
    const run = await finished(id);
    expect(run).toMatchObject({ id, kind: 'run', status: 'finished', stopReason: 'answered', answer: '5 findings' });

    expect(await readSse(await api(links.events))).toEqual(live);
    const resumed = await readSse(await api(links.events, { headers: { 'last-event-id': String(live.length - 3) } }));
    expect(resumed).toEqual(live.slice(-2));
  });

  it('cancels a run with DELETE', async () => {
    const created = await postJson('/v1/runs', { prompt: 'long', subTasks: subTasks(200) });
    const { id } = (await created.json()) as { id: string };
    const cancel = await api(`/v1/runs/${id}`, { method: 'DELETE' });
    expect(cancel.status).toBe(202);
    expect(await cancel.json()).toEqual({ id, status: 'cancelling' });
    const run = await finished(id);
    expect(run.stopReason).toBe('aborted');
    expect(run.result!.tasks.done).toBeLessThan(200);
    const again = await api(`/v1/runs/${id}`, { method: 'DELETE' });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'finished', stopReason: 'aborted' });
  });

  it('validates run bodies: 400 with every problem as path: message', async () => {
    const missing = await postJson('/v1/runs', {
      sources: [
        { label: 'D1', text: 'a' },
        { label: 'D1', text: 'b' },
      ],
      extra: 1,
    });
    expect(missing.status).toBe(400);
    const { error } = (await missing.json()) as { error: { code: string; param: string; issues: string[] } };
    expect(error.code).toBe('invalid_argument');
    expect(error.issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^prompt: /),
        'sources.1.label: duplicate label "D1"',
        expect.stringMatching(/^\(body\): Unrecognized key.*extra/),
      ]),
    );
    // Many problems: the message names the first ten and how many more; issues hold every one.
    const strings = await postJson('/v1/runs', {
      prompt: 'q',
      subTasks: Array.from({ length: 30 }, (_, i) => `t${i}`),
    });
    expect(strings.status).toBe(400);
    const many = ((await strings.json()) as { error: { message: string; issues: string[] } }).error;
    expect(many.issues).toHaveLength(30);
    expect(many.message.split('; ')).toHaveLength(11);
    expect(many.message).toMatch(
      /^invalid request body: subTasks\.0: .*; and 20 more \(the error's issues list them all\)$/,
    );
    const notJson = await postJson('/v1/runs', '{"prompt": ');
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { message: string } }).error.message).toBe(
      'request body is not valid JSON',
    );
  });

  it('answers 404 for unknown runs and routes, 405 for wrong methods, 413 past the body limit, 415 for non-JSON', async () => {
    expect((await api('/v1/runs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await api('/v1/runs/00000000-0000-4000-8000-000000000000/events')).status).toBe(404);
    const unknown = await api('/v2/nothing');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string; type: string } }).error).toMatchObject({
      code: 'not_found',
      type: 'not_found_error',
    });

    const getChat = await api('/v1/chat/completions');
    expect(getChat.status).toBe(405);
    expect(getChat.headers.get('allow')).toBe('POST');
    const putRun = await api('/v1/runs/00000000-0000-4000-8000-000000000000', { method: 'PUT' });
    expect(putRun.status).toBe(405);
    expect(putRun.headers.get('allow')).toBe('GET, DELETE, HEAD');

    const big = await postJson('/v1/runs', { prompt: 'x'.repeat(70 * 1024) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');

    // Chunked (no Content-Length): the limit holds while reading, and the client still gets its 413.
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode(' '.repeat(10 * 1024)));
        controller.close();
      },
    });
    const bigChunked = await api('/v1/runs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunked,
      duplex: 'half',
    });
    expect(bigChunked.status).toBe(413);

    // A path that starts with // is a path, not a host: before, `//x/v1/runs/<id>` reached /v1/runs/<id>.
    const doubled = await api('//x/v1/runs/00000000-0000-4000-8000-000000000000');
    expect(doubled.status).toBe(404);
    expect(((await doubled.json()) as { error: { message: string } }).error.message).toBe(
      'no route GET //x/v1/runs/00000000-0000-4000-8000-000000000000',
    );

    // JSON is UTF-8: another charset, a compressed body or bytes that are not UTF-8 are refused, not misread.
    const latin1 = await postJson(
      '/v1/runs',
      { prompt: 'x' },
      { 'content-type': 'application/json; charset=iso-8859-1' },
    );
    expect(latin1.status).toBe(415);
    // (UTF-8 by name passes the media type: the body's own 400 comes next, and no run starts.)
    expect((await postJson('/v1/runs', {}, { 'content-type': 'application/json; charset="UTF-8"' })).status).toBe(400);
    const gzipped = await postJson('/v1/runs', { prompt: 'x' }, { 'content-encoding': 'gzip' });
    expect(gzipped.status).toBe(415);
    const invalidUtf8 = await api('/v1/runs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat([Buffer.from('{"prompt":"ab'), Buffer.from([0xff, 0xfe]), Buffer.from('cd"}')]),
    });
    expect(invalidUtf8.status).toBe(400);
    expect(((await invalidUtf8.json()) as { error: { message: string } }).error.message).toBe(
      'request body is not valid UTF-8',
    );

    const text = await api('/v1/runs', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'prompt' });
    expect(text.status).toBe(415);
    const chatText = await api('/v1/chat/completions', { method: 'POST', body: 'hello' });
    expect(chatText.status).toBe(415);
    expect(((await chatText.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });

  it('answers 429 with Retry-After when every swarm is busy', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++)
      ids.push(
        ((await (await postJson('/v1/runs', { prompt: 'busy', subTasks: subTasks(300) })).json()) as { id: string }).id,
      );
    const refused = await postJson('/v1/runs', { prompt: 'one more' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await refused.json()) as { error: { code: string; type: string } }).error).toMatchObject({
      code: 'pool_full',
      type: 'rate_limit_error',
    });
    await expect(
      client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    for (const id of ids) await api(`/v1/runs/${id}`, { method: 'DELETE' });
    for (const id of ids) expect((await finished(id)).stopReason).toBe('aborted');
  });
});

describe('authentication', () => {
  it('requires the bearer token everywhere but /healthz, without echoing it', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-token-0123456789abcdef' },
      { authorization: `Basic ${TOKEN}` },
      { authorization: `Bearer ${TOKEN}x` },
    ]) {
      const res = await fetch(`${server.url}/v1/models`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const text = await res.text();
      expect(text).not.toContain(TOKEN);
      expect(JSON.parse(text)).toMatchObject({ error: { type: 'authentication_error', code: 'unauthorized' } });
    }
    // Unknown routes say 401, not 404, to a client without the token.
    expect((await fetch(`${server.url}/v2/nothing`)).status).toBe(401);
    const wrong = new OpenAI({ apiKey: 'nope', baseURL: `${server.url}/v1`, maxRetries: 0 });
    await expect(
      wrong.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(['delm']);
  });
});

describe('close', () => {
  it('ends live event streams and runs, closes the swarms and the listener, and leaves nothing behind', async () => {
    const { id } = (await (await postJson('/v1/runs', { prompt: 'long', subTasks: subTasks(300) })).json()) as {
      id: string;
    };
    const stream = api(`/v1/runs/${id}/events`).then(readSse);
    await eventually(async () =>
      ((await (await api(`/v1/runs/${id}`)).json()) as RunView).status === 'running' ? true : undefined,
    );
    await server.close();
    const events = (await stream).map((m) => JSON.parse(m.data) as { type: string; stopReason?: string });
    expect(events.at(-1)).toEqual(expect.objectContaining({ type: 'run.finished', stopReason: 'aborted' }));
    expect(server.httpServer.listening).toBe(false);
    expect(server.pool.stats()).toMatchObject({ closed: true, running: 0, queued: 0 });
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    // Sockets finish closing asynchronously (slowly on a loaded machine): what is still open after 2 s
    // was left behind, and the failure names it.
    let left: string[] = [];
    await eventually(async () => {
      left = openResources();
      return left.length <= resourcesBefore ? true : undefined;
    }, 2_000).catch(() => undefined);
    expect(left.length, `still open: ${left.join(', ')}`).toBeLessThanOrEqual(resourcesBefore);
  });
});
