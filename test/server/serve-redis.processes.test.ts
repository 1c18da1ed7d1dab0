// `delm serve --redis` with real OS processes: two serve processes on one private redis-server. A run
// started on A is watched (SSE) on B to the end with the same events A streams, resumed with
// Last-Event-ID on the other process with exactly the rest, and cancelled from B (stop reason
// aborted on A); B's idle swarms claim sub-tasks of A's runs; B answers 404 for a run nobody knows.
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/index.js';
import { childProcesses, type Child } from '../helpers/child-process.js';
import { http } from '../helpers/http.js';
import { privateRedisServer } from '../helpers/redis-server.js';
import { eventually, type SseMessage } from './helpers.js';

const redis = privateRedisServer({ beforeAll, afterAll });
const bin = fileURLToPath(new URL('../../bin/delm.mjs', import.meta.url));
const children = childProcesses();

/** A serve process: its child and base URL. */
interface Serve {
  proc: Child;
  url: string;
}

let a: Serve;
let b: Serve;

async function startServe(): Promise<Serve> {
  // The offline model with simulated latency: runs last long enough to watch, resume and cancel.
  const proc = children.start([
    bin,
    'serve',
    '--redis',
    redis().url,
    '--port',
    '0',
    '--agents',
    '1',
    '--protocol',
    'basic',
    '--latency',
    '150',
    '--max-concurrent-runs',
    '2',
    '--log-level',
    'warn',
  ]);
  const line = await proc.waitFor((l) => l.includes('listening on'), 120_000);
  return { proc, url: /listening on (http:\/\/\S+)/.exec(line)![1]! };
}

beforeAll(async () => {
  [a, b] = await Promise.all([startServe(), startServe()]);
}, 240_000);
afterAll(() => children.killAll());

const SOURCE = {
  label: 'D1',
  text: 'The warranty covers parts for two years. Labour is covered for one year. Batteries are not covered by the warranty.',
};

/** Starts a run on `server` with `n` sub-tasks; resolves to its id. */
async function startRun(server: Serve, n: number): Promise<string> {
  const reply = await http(`${server.url}/v1/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      prompt: 'What does the warranty cover?',
      sources: [SOURCE],
      subTasks: Array.from({ length: n }, (_, i) => ({ payload: `What does the warranty say about item ${i}?` })),
    }),
  });
  expect(reply.status, reply.body).toBe(202);
  return reply.json<{ id: string }>().id;
}

/**
 * Reads a run's SSE stream from `server` (with `lastEventId` if given) until it ends, or until `stopAfter`
 * messages have come, then hangs up. Comments (keep-alives) are skipped.
 */
function readEvents(
  server: Serve,
  id: string,
  options: { lastEventId?: string; stopAfter?: number } = {},
): Promise<SseMessage[]> {
  return new Promise((resolve, reject) => {
    const messages: SseMessage[] = [];
    let buffer = '';
    const req = request(
      `${server.url}/v1/runs/${id}/events`,
      { headers: options.lastEventId ? { 'last-event-id': options.lastEventId } : {}, agent: false },
      (res) => {
        if (res.statusCode !== 200) reject(new Error(`events: status ${res.statusCode}`));
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const lines = block.split('\n').filter((l) => l && !l.startsWith(':'));
            if (!lines.length) continue;
            const field = (name: string) =>
              lines.filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2));
            messages.push({ id: field('id')[0], event: field('event')[0], data: field('data').join('\n') });
            if (messages.length === options.stopAfter) {
              req.destroy();
              resolve(messages);
              return;
            }
          }
        });
        res.on('end', () => resolve(messages));
        res.on('error', reject);
      },
    );
    req.on('error', (error) => (messages.length === options.stopAfter ? undefined : reject(error)));
    req.end();
  });
}

interface RunView {
  status: string;
  stopReason: string | null;
  answer: string | null;
  events: number;
  result: { tasks: { total: number; done: number }; agents: Array<{ tasksCompleted: number }> } | null;
}

const getRun = async (server: Serve, id: string) => {
  const reply = await http(`${server.url}/v1/runs/${id}`);
  expect(reply.status, reply.body).toBe(200);
  return reply.json<RunView>();
};
const finished = (server: Serve, id: string) =>
  eventually(async () => {
    const run = await getRun(server, id);
    return run.status === 'finished' ? run : undefined;
  });

const STREAM_ID = /^\d+-\d+$/;

describe('delm serve --redis (two real serve processes)', () => {
  it('a run started on A is watched to the end on B: the same events, with stream ids, as A streams', async () => {
    const id = await startRun(a, 6);
    // B knows the run at once (it is recorded before A answers 202).
    expect(['queued', 'running']).toContain((await getRun(b, id)).status);
    const [onB, onA] = await Promise.all([readEvents(b, id), readEvents(a, id)]);

    expect(onB.length).toBeGreaterThan(3);
    expect(onB).toEqual(onA);
    expect(onB[0]!.event).toBe('run.started');
    expect(onB.at(-1)!.event).toBe('run.finished');
    expect(JSON.parse(onB.at(-1)!.data)).toMatchObject({ type: 'run.finished', stopReason: 'answered' });
    for (const m of onB) {
      expect(m.id).toMatch(STREAM_ID);
      expect((JSON.parse(m.data) as { type: string }).type).toBe(m.event);
    }
    expect(new Set(onB.map((m) => m.id)).size).toBe(onB.length);

    // The stream ended once the result was recorded: B reports it as A does.
    const [viewB, viewA] = await Promise.all([getRun(b, id), getRun(a, id)]);
    expect(viewB.status).toBe('finished');
    expect(viewB.stopReason).toBe('answered');
    expect(viewB.answer).toBeTruthy();
    expect(viewB.answer).toBe(viewA.answer);
    expect(viewB.events).toBe(onB.length);
    expect(viewB.result!.tasks).toMatchObject({ total: 6, done: 6 });
  });

  it('a client that hangs up mid-stream and comes back with Last-Event-ID (to the other process) gets exactly the rest', async () => {
    const id = await startRun(a, 8);
    const first = await readEvents(b, id, { stopAfter: 2 });
    expect(first).toHaveLength(2);
    const rest = await readEvents(a, id, { lastEventId: first.at(-1)!.id! });
    expect(rest.at(-1)!.event).toBe('run.finished');
    const whole = await readEvents(b, id);
    expect([...first, ...rest]).toEqual(whole);
    // From any id of the stream, on either process: exactly what follows it.
    const k = Math.floor(whole.length / 2);
    expect(await readEvents(b, id, { lastEventId: whole[k]!.id! })).toEqual(whole.slice(k + 1));
    expect(await readEvents(a, id, { lastEventId: whole.at(-1)!.id! })).toEqual([]);
    // A Last-Event-ID that is not a stream id is absent: everything again.
    expect(await readEvents(b, id, { lastEventId: '3' })).toEqual(whole);
  });

  it('DELETE on B cancels a run A is running: it ends aborted on A, early', async () => {
    const TASKS = 60; // 60 × 150 ms on one agent: far longer than the cancel takes
    const id = await startRun(a, TASKS);
    const watching = readEvents(a, id);
    await eventually(async () => ((await getRun(b, id)).status === 'running' ? true : undefined));
    const cancel = await http(`${b.url}/v1/runs/${id}`, { method: 'DELETE' });
    expect(cancel.status, cancel.body).toBe(202);
    expect(cancel.json()).toEqual({ id, status: 'cancelling' });

    const events = await watching;
    expect(events.at(-1)!.event).toBe('run.finished');
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ stopReason: 'aborted' });
    const onA = await finished(a, id);
    expect(onA.stopReason).toBe('aborted');
    expect(onA.result!.tasks.done).toBeLessThan(TASKS);
    expect((await getRun(b, id)).stopReason).toBe('aborted');
    // Cancelling a finished run again answers 200 with how it ended.
    const again = await http(`${b.url}/v1/runs/${id}`, { method: 'DELETE' });
    expect(again.status).toBe(200);
    expect(again.json()).toMatchObject({ id, status: 'finished', stopReason: 'aborted' });
  });

  it('the serve processes share one pool of work: B, idle, claims sub-tasks of a run started on A', async () => {
    const TASKS = 40; // 40 × 150 ms on A's one agent: B has seconds to join in
    const id = await startRun(a, TASKS);
    const events = await readEvents(a, id);
    expect(events.at(-1)!.event).toBe('run.finished');
    const run = await finished(a, id);
    expect(run.stopReason).toBe('answered');
    expect(run.result!.tasks).toMatchObject({ total: TASKS, done: TASKS, failed: 0 });
    // A's own agents did not do them all: B's did the rest.
    const byA = run.result!.agents.reduce((n, agent) => n + agent.tasksCompleted, 0);
    expect(byA).toBeLessThan(TASKS);
  });

  it('a run no serve process knows is 404 on B, in the usual error shape', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const [method, path] of [
      ['GET', `/v1/runs/${unknown}`],
      ['GET', `/v1/runs/${unknown}/events`],
      ['DELETE', `/v1/runs/${unknown}`],
    ] as const) {
      const reply = await http(`${b.url}${path}`, { method });
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(reply.json()).toMatchObject({ error: { type: 'not_found_error', code: 'not_found', param: null } });
    }
  });
});

describe('startServer({ redis }) options', () => {
  it('refuses a URL that is not Redis, and a swarm substrate beside it, before listening', async () => {
    await expect(startServer({ port: 0, redis: { url: 'http://127.0.0.1:1' } })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
    });
    await expect(
      startServer({ port: 0, redis: { url: redis().url }, swarm: { substrate: { redis: { url: redis().url } } } }),
    ).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('swarm.substrate') });
    await expect(startServer({ port: 0, redis: { url: 'redis://127.0.0.1:1' } })).rejects.toMatchObject({
      code: 'REDIS_UNAVAILABLE',
    });
  });
});
