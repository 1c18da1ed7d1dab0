import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { eventually } from '../server/helpers.js';

const TOKEN = 'log-test-token-0123456789abcdef';
const WRONG = 'wrong-token-0123456789abcdef';
const KEY = 'sk-proj-keyinlogs0123456789';

describe('delm serve logs', () => {
  it('writes JSON lines with the request id on every request’s lines, and never the token or an API key', async () => {
    const ac = new AbortController();
    const io = { out: '', err: '' };
    const exit = main(
      ['serve', '--port', '0', '--token', TOKEN, '--agents', '1', '--protocol', 'basic', '--log-level', 'debug'],
      {
        signal: ac.signal,
        env: { OPENAI_API_KEY: KEY },
        out: (s) => void (io.out += s),
        err: (s) => void (io.err += s),
        isTTY: false,
      },
    );
    const url = await eventually(async () => /listening on (http:\/\/\S+)/.exec(io.out)?.[1]);
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    expect((await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${WRONG}` } })).status).toBe(401);
    const chat = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth, 'x-request-id': 'client-req-42' },
      body: JSON.stringify({
        model: 'delm',
        messages: [{ role: 'user', content: 'Is there a warranty?' }],
        delm: { sources: [{ label: 'D1', text: 'Provided as is, without warranty.' }] },
      }),
    });
    expect(chat.status).toBe(200);
    expect(chat.headers.get('x-request-id')).toBe('client-req-42');
    await chat.json();
    const health = await fetch(`${url}/healthz`);
    const healthId = health.headers.get('x-request-id');
    expect(healthId).toMatch(/^[0-9a-f-]{36}$/);
    await eventually(async () => (io.err.includes(healthId!) ? true : undefined));
    ac.abort();
    expect(await exit).toBe(0);

    const text = io.out + io.err;
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(WRONG);
    expect(text).not.toContain(KEY);
    const lines = io.err
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // Every line about a request carries its id; the chat request's run lines carry it too.
    for (const line of lines.filter((l) => 'method' in l || 'path' in l)) expect(typeof line.reqId).toBe('string');
    const chatLines = lines.filter((l) => l.reqId === 'client-req-42');
    expect(chatLines.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        'request received',
        'run started',
        'final decision',
        'run finished',
        'request completed',
      ]),
    );
    expect(chatLines.find((l) => l.msg === 'run finished')).toMatchObject({
      stopReason: 'answered',
      modelCalls: expect.any(Number),
      runId: expect.any(String),
    });
    expect(lines.find((l) => l.msg === 'request completed' && l.status === 401)).toMatchObject({
      path: '/v1/models',
      reqId: expect.any(String),
    });
    expect(lines.some((l) => l.msg === 'delm serve: stopping')).toBe(true);
  }, 90_000);

  it('refuses an unknown --log format or level with a usage error', async () => {
    const io = { out: '', err: '' };
    const code = await main(['serve', '--log', 'xml'], {
      env: {},
      out: (s) => void (io.out += s),
      err: (s) => void (io.err += s),
      isTTY: false,
    });
    expect(code).toBe(2);
    expect(io.err).toMatch(/--log must be json or pretty/);
    const level = await main(['serve', '--log-level', 'loud'], {
      env: {},
      out: () => {},
      err: (s) => void (io.err += s),
      isTTY: false,
    });
    expect(level).toBe(2);
    expect(io.err).toMatch(/--log-level must be one of/);
  });
});
