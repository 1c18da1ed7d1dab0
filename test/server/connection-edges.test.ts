import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DelmServer } from '../../src/server/index.js';
import { readSse, startTestServer } from './helpers.js';

const TOKEN = 'test-token-0123456789abcdef';
const LIMIT = 64 * 1024;
let server: DelmServer;
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers as Record<string, string>) },
  });

beforeAll(async () => {
  server = await startTestServer({ token: TOKEN, maxBodyBytes: LIMIT });
});
afterAll(() => server?.close());

/** A raw TCP connection to the server that records what it reads and how it ends. */
function rawConnection(): { socket: Socket; received: () => string; ended: Promise<{ error: string | undefined }> } {
  // Half-open, as an HTTP client mid-upload is: it keeps sending after the server closes its side.
  const socket = connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true });
  let text = '';
  let error: string | undefined;
  socket.on('data', (b: Buffer) => (text += b.toString('latin1')));
  socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
  const ended = new Promise<{ error: string | undefined }>((resolve) => socket.once('close', () => resolve({ error })));
  return { socket, received: () => text, ended };
}

/** Status and parsed JSON body of the first response in `raw`. */
function parseResponse(raw: string): {
  status: number;
  headers: string;
  body: { error: { code: string; type: string; message: string } };
} {
  const [head, ...rest] = raw.split('\r\n\r\n');
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head!)?.[1]),
    headers: head!,
    body: JSON.parse(rest.join('\r\n\r\n')),
  };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

/** Sends `head` raw and returns the response once the server closes the connection. */
async function rawRequest(head: string): Promise<{
  status: number;
  headers: string;
  body: { error: { code: string; type: string; message: string } };
  error: string | undefined;
}> {
  const c = rawConnection();
  c.socket.once('end', () => c.socket.end());
  c.socket.write(head);
  const { error } = await c.ended;
  return { ...parseResponse(c.received()), error };
}

describe('requests node:http rejects', () => {
  it('answers malformed request lines and headers with a JSON 400 in the error shape of every route', async () => {
    for (const head of [
      `GET /v1/models HTTP/1.1\r\nHost: localhost\r\nthis is not a header\r\n\r\n`,
      `G\u0001T /v1/models HTTP/1.1\r\nHost: localhost\r\n\r\n`,
      `POST /v1/runs HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello`,
    ]) {
      const r = await rawRequest(head);
      expect(r.status, head).toBe(400);
      expect(r.headers).toMatch(/content-type: application\/json/i);
      expect(r.body.error).toMatchObject({
        type: 'invalid_request_error',
        code: 'invalid_argument',
        message: expect.stringMatching(/^malformed HTTP request: /),
      });
      expect(r.error).toBeUndefined();
    }
  });

  it('answers oversized headers with a JSON 431', async () => {
    const r = await rawRequest(`GET /v1/models HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`);
    expect(r.status).toBe(431);
    expect(r.body.error).toMatchObject({ code: 'headers_too_large', type: 'invalid_request_error' });
  });
});

describe('oversized bodies', () => {
  it('answers 413, reads and drops the rest of the body, and serves the next request on the same connection', async () => {
    const c = rawConnection();
    c.socket.write(
      `POST /v1/runs HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${1 << 20}\r\n\r\n`,
    );
    c.socket.write(Buffer.alloc(256 * 1024, 0x20));
    await until(() => c.received().includes('payload_too_large'), 'the 413');
    expect(parseResponse(c.received()).status).toBe(413);
    // The client, like fetch without Expect: 100-continue, goes on sending its body after the answer.
    for (let i = 0; i < 12; i++)
      await new Promise<void>((resolve) => c.socket.write(Buffer.alloc(64 * 1024, 0x20), () => resolve()));
    c.socket.write(`GET /v1/models HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    await until(() => c.received().includes('"object":"list"'), 'the second answer');
    expect(c.received()).toMatch(/HTTP\/1\.1 200 OK/);
    c.socket.end();
    expect(await c.ended).toEqual({ error: undefined });
  });

  it('closes our side first, without a reset, once a body goes past what it will read and drop', async () => {
    const c = rawConnection();
    c.socket.write(
      `POST /v1/runs HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${32 << 20}\r\n\r\n`,
    );
    let serverClosed = false;
    c.socket.once('end', () => (serverClosed = true));
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    for (let sent = 0; sent < 16 << 20 && !serverClosed && !c.socket.destroyed; sent += chunk.length)
      await new Promise<void>((resolve) => c.socket.write(chunk, () => resolve()));
    await until(() => serverClosed, 'the server to close its side');
    expect(parseResponse(c.received()).status).toBe(413);
    c.socket.end();
    expect(await c.ended).toEqual({ error: undefined });
  });

  it('gives fetch a 413 for large bodies, with and without Content-Length, connection after connection', async () => {
    const stream = (chunks: number) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < chunks; i++) controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
          controller.close();
        },
      });
    for (let i = 0; i < 3; i++) {
      const sized = await api('/v1/runs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.alloc((1 + i) << 20, 0x20),
      });
      expect(sized.status).toBe(413);
      expect(((await sized.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
      const chunked = await api('/v1/runs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: stream(16 + i * 16),
        duplex: 'half',
      });
      expect(chunked.status).toBe(413);
      await chunked.text();
    }
    // The server still serves.
    expect((await api('/v1/models')).status).toBe(200);
  });
});

describe('HEAD and Last-Event-ID', () => {
  it('answers HEAD wherever GET is allowed, with GET headers and no body', async () => {
    const health = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toMatch(/application\/json/);
    expect(await health.text()).toBe('');
    expect((await api('/v1/models', { method: 'HEAD' })).status).toBe(200);
    const created = (await (
      await api('/v1/runs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'q', subTasks: [{ payload: 'a' }] }),
      })
    ).json()) as { id: string };
    expect((await api(`/v1/runs/${created.id}`, { method: 'HEAD' })).status).toBe(200);
    const events = await api(`/v1/runs/${created.id}/events`, { method: 'HEAD' });
    expect(events.status).toBe(200);
    expect(events.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(await events.text()).toBe('');
    const notAllowed = await api('/v1/chat/completions', { method: 'HEAD' });
    expect(notAllowed.status).toBe(405);
    expect((await api('/v1/models', { method: 'PUT' })).headers.get('allow')).toBe('GET, HEAD');
  });

  it('treats an empty Last-Event-ID as absent and replays from event 0', async () => {
    const created = (await (
      await api('/v1/runs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'q', subTasks: [{ payload: 'a' }] }),
      })
    ).json()) as { id: string };
    const all = await readSse(await api(`/v1/runs/${created.id}/events`));
    expect(all[0]!.id).toBe('0');
    for (const value of ['', ' ', 'abc']) {
      const again = await readSse(await api(`/v1/runs/${created.id}/events`, { headers: { 'last-event-id': value } }));
      expect(
        again.map((m) => m.id),
        JSON.stringify(value),
      ).toEqual(all.map((m) => m.id));
    }
    const after = await readSse(await api(`/v1/runs/${created.id}/events`, { headers: { 'last-event-id': '0' } }));
    expect(after[0]!.id).toBe('1');
  });
});
