import { request, type IncomingMessage } from 'node:http';
import { Script } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { agentMachine, verifierMachine } from '../../machines/index.js';
import { InvalidConfigError } from '../../src/errors.js';
import { startInspector, type Inspector } from '../../src/inspector/server.js';
import { layoutChart } from '../../src/inspector/layout.js';
import { PAGE_HTML } from '../../src/inspector/page/html.js';
import { appScript } from '../../src/inspector/page/script.js';
import type { SwarmEvent } from '../../src/runtime/events.js';

const opened: Inspector[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((i) => i.close()));
});
async function open(options: Parameters<typeof startInspector>[0] = {}): Promise<Inspector> {
  const inspector = await startInspector(options);
  opened.push(inspector);
  return inspector;
}

/** A GET with full control of the headers (fetch forbids setting Host). */
function get(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Reads SSE messages from `/events` until `until` says stop; returns them parsed. `onFirst` runs when the first one arrived (the stream is subscribed). */
function readSse(
  url: string,
  until: (messages: Array<{ event: string; data: unknown }>) => boolean,
  onFirst?: () => void,
): Promise<Array<{ event: string; data: unknown }>> {
  return new Promise((resolve, reject) => {
    const messages: Array<{ event: string; data: unknown }> = [];
    const req = request(url, (res) => {
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) messages.push({ event, data: JSON.parse(data) });
        }
        if (messages.length > 0) onFirst?.();
        if (until(messages)) {
          req.destroy();
          resolve(messages);
        }
      });
      res.on('end', () => resolve(messages));
    });
    req.on('error', (e) => (messages.length ? resolve(messages) : reject(e)));
    req.end();
  });
}

/** Resolves once a stream delivered its first message (it is subscribed from then on). */
function firstMessage(): { promise: Promise<void>; arrived: () => void } {
  let arrived!: () => void;
  const promise = new Promise<void>((resolve) => (arrived = resolve));
  return { promise, arrived };
}

const ev = (e: Record<string, unknown>) => e as unknown as SwarmEvent;

describe('inspector server', () => {
  it('binds 127.0.0.1 on a free port and serves a self-contained page with a strict CSP', async () => {
    const inspector = await open();
    expect(inspector.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(inspector.url);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    // Nothing from the network, no inline script.
    expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(page.body).toMatch(/<script src="app.js"><\/script>/);
    expect(page.body.match(/<script/g)).toHaveLength(1);
    const js = await get(new URL('app.js', inspector.url).href);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.body).toBe(await appScript());
    const css = await get(new URL('app.css', inspector.url).href);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  it('ships a page script that parses and never writes HTML from data', async () => {
    const script = await appScript();
    expect(() => new Script(script)).not.toThrow();
    for (const sink of [
      'innerHTML',
      'outerHTML',
      'insertAdjacentHTML',
      'document.write',
      'eval(',
      'new Function',
      "setAttribute('style'",
      'srcdoc',
      'process.env',
    ])
      expect(script).not.toContain(sink);
    expect(PAGE_HTML).not.toContain('http://');
  });

  it('answers 404 for unknown paths and runs, 405 for other methods, 403 for a foreign Host', async () => {
    const inspector = await open();
    const missing = await get(new URL('nope', inspector.url).href);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await get(new URL('api/runs/none/events', inspector.url).href)).status).toBe(404);
    expect((await get(new URL('api/nothing', inspector.url).href)).status).toBe(404);
    const post = await get(new URL('api/runs', inspector.url).href, {}, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends its own Host.
    const rebound = await get(new URL('api/runs', inspector.url).href, { host: 'evil.example:80' });
    expect(rebound.status).toBe(403);
    expect(
      (await get(new URL('api/runs', inspector.url).href, { host: `localhost:${new URL(inspector.url).port}` })).status,
    ).toBe(200);
  });

  it('streams runs and their events over SSE, and serves a run’s events so far', async () => {
    const inspector = await open({ limits: { batchMs: 5 } });
    const connected = firstMessage();
    const reading = readSse(new URL('events', inspector.url).href, (m) => {
      if (m.length) connected.arrived();
      return m.some(
        (x) =>
          x.event === 'events' &&
          (x.data as { events: unknown[] }).events.some((e) => (e as { type: string }).type === 'run.finished'),
      );
    });
    await connected.promise;
    const observe = inspector.track({ runId: 'r1', label: 'first run', agents: 2 });
    observe(ev({ type: 'run.started', at: 1, runId: 'r1', agents: 2, tasks: 3 }));
    observe(ev({ type: 'agent.state', at: 2, agentId: 1, state: 'claiming' }));
    observe(ev({ type: 'task.claimed', at: 3, agentId: 1, taskId: 0, attempt: 1, leaseMs: 30_000 }));
    await new Promise((r) => setTimeout(r, 30));
    observe(
      ev({
        type: 'commit',
        at: 4,
        entryId: 5,
        kind: 'gist',
        authorId: 1,
        taskId: 0,
        level: 0,
        parentId: 2,
        text: '<b>x</b>',
        chars: 8,
        labels: ['D1'],
      }),
    );
    observe(ev({ type: 'run.finished', at: 5, stopReason: 'answered' }));
    const messages = await reading;
    expect(messages[0]).toMatchObject({ event: 'runs', data: { kind: 'runs', runs: [] } });
    const runs = messages.filter((m) => m.event === 'runs').at(-1)!.data as {
      runs: Array<{ id: string; label: string; status: string; stopReason?: string }>;
    };
    expect(runs.runs).toEqual([
      expect.objectContaining({ id: 'r1', label: 'first run', status: 'finished', stopReason: 'answered' }),
    ]);
    const batches = messages
      .filter((m) => m.event === 'events')
      .map((m) => m.data as { runId: string; from: number; events: SwarmEvent[]; clock: number });
    expect(batches.length).toBeGreaterThanOrEqual(2);
    // Batches tile the run's events in order.
    let next = 0;
    for (const b of batches) {
      expect(b.runId).toBe('r1');
      expect(b.from).toBe(next);
      next += b.events.length;
    }
    expect(next).toBe(5);
    expect(batches.flatMap((b) => b.events).find((e) => e.type === 'commit')).toMatchObject({
      text: '<b>x</b>',
      labels: ['D1'],
    });
    expect(batches.at(-1)!.clock).toBe(5);

    const snapshot = JSON.parse((await get(new URL('api/runs/r1/events', inspector.url).href)).body) as {
      events: SwarmEvent[];
      run: { id: string };
    };
    expect(snapshot.run.id).toBe('r1');
    expect(snapshot.events.map((e) => e.type)).toEqual([
      'run.started',
      'agent.state',
      'task.claimed',
      'commit',
      'run.finished',
    ]);
    // A second run under the same id is kept apart.
    inspector.track({ runId: 'r1', agents: 1 });
    const list = JSON.parse((await get(new URL('api/runs', inspector.url).href)).body) as Array<{ id: string }>;
    expect(list.map((r) => r.id)).toEqual(['r1', 'r1#2']);
    expect((await get(new URL(`api/runs/${encodeURIComponent('r1#2')}/events`, inspector.url).href)).status).toBe(200);
  });

  it('shows the live processes of a run kept in Redis in its summary, over SSE and in /api/runs', async () => {
    const inspector = await open({ limits: { batchMs: 5 } });
    const processes = [
      { id: 'h1:10:a', host: 'h1', pid: 10, role: 'coordinator', agents: [1, 2], threads: 2, verifier: 'active' },
      { id: 'h2:20:b', host: 'h2', pid: 20, role: 'worker', agents: [3], threads: 1, verifier: 'standby' },
    ] as const;
    const connected = firstMessage();
    const reading = readSse(new URL('events', inspector.url).href, (m) => {
      if (m.length) connected.arrived();
      return m.some((x) => x.event === 'runs' && JSON.stringify(x.data).includes('"h2:20:b"'));
    });
    await connected.promise;
    inspector.track({ runId: 'delm:item-1', agents: 2 });
    // The newest run tracked under the id gets them; an id not tracked is refused.
    inspector.track({ runId: 'delm:item-1', agents: 2 });
    expect(
      inspector.processes(
        'delm:item-1',
        processes.map((p) => ({ ...p, agents: [...p.agents] })),
      ),
    ).toBe(true);
    expect(inspector.processes('nope', [])).toBe(false);
    const last = (await reading).filter((m) => m.event === 'runs').at(-1)!.data as { runs: unknown[] };
    expect(last.runs).toEqual([
      expect.not.objectContaining({ processes: expect.anything() }),
      expect.objectContaining({ id: 'delm:item-1#2', processes }),
    ]);
    const list = JSON.parse((await get(new URL('api/runs', inspector.url).href)).body) as Array<{
      processes?: unknown;
    }>;
    expect(list.map((r) => r.processes)).toEqual([undefined, processes]);
  });

  it('requires a token off loopback, and checks it on every data endpoint when set', async () => {
    await expect(startInspector({ host: '0.0.0.0' })).rejects.toBeInstanceOf(InvalidConfigError);
    await expect(startInspector({ token: 'short' })).rejects.toThrow(/at least 16/);
    const token = 'correct-horse-battery-staple';
    const inspector = await open({ token });
    const runs = new URL('api/runs', inspector.url).href;
    expect((await get(runs)).status).toBe(401);
    expect((await get(`${runs}?token=wrong-token-wrong-token`)).status).toBe(401);
    expect((await get(`${runs}?token=${token}`)).status).toBe(200);
    expect((await get(runs, { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await get(new URL('events', inspector.url).href)).status).toBe(401);
    // The page itself holds no data and loads without the token (it then asks for it).
    expect((await get(inspector.url)).status).toBe(200);
  });

  it('binds a non-loopback address when given a token', async () => {
    const inspector = await open({ host: '0.0.0.0', token: 'a-long-enough-token-1234' });
    expect(inspector.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/$/);
    const port = new URL(inspector.url).port;
    expect((await get(`http://127.0.0.1:${port}/api/runs`, { host: `example.test:${port}` })).status).toBe(401);
    expect(
      (await get(`http://127.0.0.1:${port}/api/runs?token=a-long-enough-token-1234`, { host: `example.test:${port}` }))
        .status,
    ).toBe(200);
  });

  it('closes its streams and its server, leaving nothing behind', async () => {
    const before = process
      .getActiveResourcesInfo()
      .filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap').length;
    const inspector = await startInspector();
    const connected = firstMessage();
    const stream = readSse(new URL('events', inspector.url).href, (m) => {
      if (m.length) connected.arrived();
      return false;
    });
    await connected.promise;
    const observe = inspector.track({ runId: 'x', agents: 1 });
    await inspector.close();
    await stream; // ends when the server ends it
    observe(ev({ type: 'agent.state', at: 1, agentId: 1, state: 'claiming' })); // a no-op now
    await expect(get(inspector.url)).rejects.toThrow(/ECONNREFUSED/);
    // Closed sockets leave the resource list a tick or a few later (later still on a busy machine).
    const open = () =>
      process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap').length;
    await expect.poll(open, { timeout: 30_000, interval: 10 }).toBeLessThanOrEqual(before);
  });

  it('serves the statecharts laid out: every state boxed, transitions routed', async () => {
    const inspector = await open();
    const charts = JSON.parse((await get(new URL('api/machines', inspector.url).href)).body) as Record<
      string,
      Awaited<ReturnType<typeof layoutChart>>
    >;
    expect(Object.keys(charts).sort()).toEqual(['agent', 'agentFull', 'verifier']);
    const agent = charts.agent!;
    expect(agent.states.map((s) => s.id)).toEqual(
      expect.arrayContaining([
        'agent.claiming',
        'agent.thinking.model.calling',
        'agent.thinking.lease.holding',
        'agent.done',
      ]),
    );
    for (const s of agent.states) expect(s.width * s.height).toBeGreaterThan(0);
    for (const e of agent.edges) expect(e.points.length).toBeGreaterThanOrEqual(2);
    // Children sit inside their parents.
    const byId = new Map(agent.states.map((s) => [s.id, s]));
    for (const s of agent.states) {
      const p = s.parent ? byId.get(s.parent) : undefined;
      if (!p) continue;
      expect(s.x).toBeGreaterThanOrEqual(p.x);
      expect(s.y + s.height).toBeLessThanOrEqual(p.y + p.height + 0.5);
    }
    expect(agent.global.join(' ')).toMatch(/STOP → stopped/);
    expect(charts.agentFull!.edges.length).toBeGreaterThan(agent.edges.length);
    expect(charts.agentFull!.edges.every((e) => e.label !== null)).toBe(true);
    const verifier = await layoutChart(verifierMachine);
    expect(verifier.states.map((s) => s.key)).toContain('deciding');
    expect((await layoutChart(agentMachine)).states).toHaveLength(agent.states.length);
  });
});
