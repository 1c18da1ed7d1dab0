// A swarm whose run lives in Redis: the same records as on shared memory, the run's settings stored
// under its keys (no API key among them), and the run's keys readable after it ended.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import { createClient } from 'redis';
import { readStoredRun } from '../../src/cli/redis-run.js';
import { RedisRunControl } from '../../src/redis/run-control.js';
import { createSwarm, type Swarm } from '../../src/runtime/swarm.js';
import type { SwarmEvent } from '../../src/runtime/events.js';
import { privateRedisServer } from '../helpers/redis-server.js';
import { registerTestSdk } from '../telemetry/otel-sdk.js';

const server = privateRedisServer({ beforeAll, afterAll });
const modelModule = new URL('./fixtures/scripted-swarm-model.ts', import.meta.url).href;
const subTasks = (n: number) => Array.from({ length: n }, (_, i) => ({ payload: `task ${i}` }));

describe('createSwarm on the Redis substrate', () => {
  let swarm: Swarm;
  beforeAll(() => {
    swarm = createSwarm({
      agents: 3,
      protocol: 'basic',
      model: { module: modelModule, options: { delayMs: 5, apiKey: 'sk-not-stored' } },
      leaseMs: 2_000,
      retry: { baseDelayMs: 10, maxDelayMs: 100, maxRetries: 2 },
      substrate: { redis: { url: server().url } },
    });
  });
  afterAll(() => swarm.close());

  it('commits every sub-task through the verifier and returns one answer, as on shared memory', async () => {
    const run = swarm.run({ prompt: 'count the findings', subTasks: subTasks(12) });
    const events: SwarmEvent[] = [];
    for await (const e of run.events) events.push(e);
    const result = await run;
    expect(result.error).toBeUndefined();
    expect(result.stopReason).toBe('answered');
    expect(result.answer).toBe('12 findings');
    expect(result.tasks).toMatchObject({ total: 12, done: 12, failed: 0, open: 0 });
    expect(result.entries[0]).toMatchObject({ id: 0, kind: 'raw', text: 'count the findings' });
    expect(new Set(result.entries.filter((e) => e.kind === 'gist').map((g) => g.text)).size).toBe(12);
    expect(result.entries.map((e) => e.id)).toEqual(result.entries.map((_, i) => i));
    expect(events.filter((e) => e.type === 'commit')).toHaveLength(13);
    expect(result.usage.modelCalls).toBe(13);
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', stopReason: 'answered' });

    // The run's state is in Redis under its keys: the ledger, the queue, the stored settings.
    const client = createClient({ url: server().url });
    await client.connect();
    try {
      const prefix = `delm:{${result.runId}}:`;
      expect(Number(await client.xLen(`${prefix}l:stream`))).toBe(result.entries.length);
      expect(await client.hGet(`${prefix}q:meta`, 'done')).toBe('12');
      expect(await client.hGet(`${prefix}r:meta`, 'phase')).toBe('2');
      const config = JSON.parse((await client.get(`${prefix}r:config`))!) as Record<string, unknown>;
      expect(config).toMatchObject({ task: { prompt: 'count the findings' }, options: { protocol: 'basic' } });
      expect(JSON.stringify(config)).not.toContain('sk-not-stored');
    } finally {
      await client.close();
    }
  });

  it("stores a source document once, in the run's ledger, and only its label with the run's settings", async () => {
    const text = 'Document 1: the licence grants a patent licence from every contributor.';
    const result = await swarm.run({
      prompt: 'which licence?',
      sources: [{ label: 'D1', text }],
      subTasks: subTasks(1),
    });
    expect(result.stopReason).toBe('answered');
    const client = createClient({ url: server().url });
    await client.connect();
    try {
      const prefix = `delm:{${result.runId}}:`;
      const stored = await client.get(`${prefix}r:config`);
      expect(JSON.parse(stored!)).toMatchObject({
        task: { prompt: 'which licence?', sources: [{ label: 'D1', text: '' }] },
      });
      expect(stored).not.toContain('patent licence');
      const ledger = await client.sendCommand<Array<[string, string[]]>>(['XRANGE', `${prefix}l:stream`, '-', '+']);
      expect(ledger.filter(([, fields]) => fields.includes(text))).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it("records every event of the run, in order, in the run's capped event stream in Redis", async () => {
    const run = swarm.run({ prompt: 'count the findings', subTasks: subTasks(4) });
    const events: SwarmEvent[] = [];
    for await (const e of run.events) events.push(e);
    await run;
    const client = createClient({ url: server().url });
    await client.connect();
    try {
      const stored = await client.sendCommand<Array<[string, string[]]>>([
        'XRANGE',
        `delm:{${run.id}}:e:stream`,
        '-',
        '+',
      ]);
      const fields = stored.map(([, flat]) => ({ type: flat[1], event: JSON.parse(flat[3]!) as SwarmEvent }));
      expect(fields.map((f) => f.event)).toEqual(events);
      expect(fields.map((f) => f.type)).toEqual(events.map((e) => e.type));
    } finally {
      await client.close();
    }
  });

  it('stops, with reason aborted, when another process stores a stop with the run', async () => {
    const slow = createSwarm({
      agents: 1,
      protocol: 'basic',
      model: { module: modelModule, options: { delayMs: 100 } },
      stopGraceMs: 500,
      substrate: { redis: { url: server().url } },
    });
    try {
      const TASKS = 30; // 30 × 100 ms on one agent: the stop comes long before the end
      const run = slow.run({ prompt: 'count the findings', subTasks: subTasks(TASKS) });
      for await (const e of run.events) if (e.type === 'task.completed') break;
      const other = await RedisRunControl.open({ url: server().url }, run.id);
      await other.stop('aborted');
      await other.disconnect();
      const result = await run;
      expect(result.stopReason).toBe('aborted');
      expect(result.tasks.done).toBeLessThan(TASKS);
    } finally {
      await slow.close();
    }
  });

  it('runs a second task on the same workers in a run of its own', async () => {
    const first = await swarm.run({ prompt: 'a', subTasks: subTasks(2) });
    const second = await swarm.run({ prompt: 'b', subTasks: subTasks(3) });
    expect([first.answer, second.answer]).toEqual(['2 findings', '3 findings']);
    expect(second.runId).not.toBe(first.runId);
    expect(second.entries[0]).toMatchObject({ id: 0, kind: 'raw', text: 'b' });
  });

  it("reuses its threads' connections in a later run, and its threads close them as the pool is destroyed", async () => {
    const info = createClient({ url: server().url });
    await info.connect();
    // The connections this process's worker threads hold, named delm-<pid>-<threadId> (the main thread's id is 0),
    // but for those of threads there before this test's swarm (the other swarms' threads).
    const others = new Set((await info.clientList()).map((c) => c.name));
    const workerConnections = async () =>
      (await info.clientList()).filter(
        (c) => c.name.startsWith(`delm-${process.pid}-`) && !c.name.endsWith('-0') && !others.has(c.name),
      );
    const perThread = (connections: Array<{ name: string }>) => {
      const counts = new Map<string, number>();
      for (const c of connections) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
      return Math.max(...counts.values());
    };
    const pooled = createSwarm({
      agents: 3,
      protocol: 'basic',
      model: { module: modelModule, options: { delayMs: 5 } },
      substrate: { redis: { url: server().url } },
    });
    try {
      await pooled.run({ prompt: 'a', subTasks: subTasks(4) });
      const held = (await workerConnections()).map((c) => c.id);
      // The verifier's thread and at least one agent's, each with a connection (and one for blocking reads if
      // it blocked); on a busy machine an agent whose thread was not up before the run ended never connects.
      const threads = new Set((await workerConnections()).map((c) => c.name)).size;
      expect(threads).toBeGreaterThanOrEqual(2);
      expect(threads).toBeLessThanOrEqual(4);
      for (const prompt of ['b', 'c']) {
        const again = await pooled.run({ prompt, subTasks: subTasks(4) });
        expect(again.answer).toBe('4 findings');
        const now = await workerConnections();
        // Every connection of the first run still serves; a thread holds its connection and at most one for blocking reads.
        expect(now.map((c) => c.id)).toEqual(expect.arrayContaining(held));
        expect(perThread(now)).toBeLessThanOrEqual(2);
      }
      await pooled.close();
      await expect.poll(async () => (await workerConnections()).length, { timeout: 5_000 }).toBe(0);
    } finally {
      await pooled.close();
      await info.close();
    }
  });

  it('ends a run with a clear error when Redis is not there, and refuses to join a run that does not exist', async () => {
    const away = createSwarm({ agents: 1, protocol: 'basic', substrate: { redis: { url: 'redis://127.0.0.1:1' } } });
    try {
      const result = await away.run({ prompt: 'x', subTasks: subTasks(1) });
      expect(result.stopReason).toBe('error');
      expect(result.error).toMatch(/cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/);
    } finally {
      await away.close();
    }
    const joined = await swarm.join('no-such-run');
    expect(joined.stopReason).toBe('error');
    expect(joined.error).toMatch(/no run "no-such-run" in Redis/);
  });
});

describe('a traced run on Redis', () => {
  it('stores its run span as a traceparent, which a joining process reads as its parent', async () => {
    const sdk = registerTestSdk();
    const swarm = createSwarm({
      agents: 1,
      protocol: 'basic',
      model: { module: modelModule },
      substrate: { redis: { url: server().url } },
    });
    try {
      const result = await swarm.run({ prompt: 'traced', subTasks: subTasks(1) });
      const [runSpan] = sdk.spans.getFinishedSpans().filter((s) => s.name === 'delm.run');
      const stored = await readStoredRun(server().url, result.runId, 1);
      const parent = stored.traceContext && trace.getSpanContext(stored.traceContext);
      expect(parent).toMatchObject({
        traceId: runSpan!.spanContext().traceId,
        spanId: runSpan!.spanContext().spanId,
        isRemote: true,
      });
    } finally {
      await swarm.close();
      await sdk.shutdown();
    }
  });
});
