// The task queue's contract against the Redis backend, on a private redis-server (see helpers/redis-server.ts).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { createClient } from 'redis';
import { RedisManualClock } from '../../src/redis/manual-clock.js';
import { RedisTaskQueue } from '../../src/redis/queue.js';
import { LIBRARY_FINGERPRINT, LIBRARY_VERSION, FN } from '../../src/redis/library.js';
import { INSTALL_HINT, privateRedisServer, startRedisServer, uniqueRunId } from '../helpers/redis-server.js';
import { queueContract } from '../queue/contract.js';

const server = privateRedisServer({ beforeAll, afterAll });
const opened: RedisTaskQueue[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((q) => q.disconnect()));
});

async function open(options: Omit<Parameters<typeof RedisTaskQueue.open>[1], 'runId'> & { runId?: string }) {
  const queue = await RedisTaskQueue.open({ url: server().url }, { runId: uniqueRunId('q'), ...options });
  opened.push(queue);
  return queue;
}

queueContract('RedisTaskQueue', async ({ leaseMs, maxAttempts, realClock }) => {
  const queue = await open({
    ...(leaseMs !== undefined ? { leaseMs } : {}),
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
    clock: realClock ? 'server' : 'manual',
  });
  const client = createClient({ url: server().url });
  await client.connect();
  opened.push({ disconnect: () => client.close() } as unknown as RedisTaskQueue);
  const clock = new RedisManualClock(client, queue.prefix);
  return {
    queue,
    advance: (ms: number) => (realClock ? Promise.resolve() : clock.advance(ms)),
    now: () => (realClock ? Promise.resolve(Date.now()) : clock.now()),
  };
});

describe('RedisTaskQueue', () => {
  it('keeps every key of a run in one hash slot under delm:{runId}:', async () => {
    const runId = uniqueRunId('keys');
    const q = await open({ runId });
    await q.enqueue('x');
    await q.tryClaim(1);
    const client = createClient({ url: server().url });
    await client.connect();
    const keys = await client.keys('*');
    await client.close();
    const mine = keys.filter((k) => k.includes(runId));
    expect(mine.length).toBeGreaterThanOrEqual(3);
    for (const k of mine) expect(k.startsWith(`delm:{${runId}}:`)).toBe(true);
  });

  it('shares one queue between two openers of the same run, with the first opener’s settings', async () => {
    const runId = uniqueRunId('shared');
    const a = await open({ runId, leaseMs: 1234 });
    const b = await open({ runId, leaseMs: 99 });
    expect(b.settings.leaseMs).toBe(1234);
    const id = await a.enqueue('from a');
    const lease = (await b.tryClaim(7))!;
    expect(lease).toMatchObject({ taskId: id, payload: 'from a', agentId: 7 });
    await b.complete(lease, 'by b');
    expect(await a.get(id)).toMatchObject({ state: 'done', result: 'by b' });
  });

  it('loads its functions library once, and replaces a library of the same version with another text', async () => {
    const client = createClient({ url: server().url });
    await client.connect();
    try {
      await open({});
      expect(await client.sendCommand(['FCALL_RO', `${FN}fingerprint`, '0'])).toBe(LIBRARY_FINGERPRINT);
      // An older build of the same version: its fingerprint differs, and the next opener replaces it.
      await client.sendCommand([
        'FUNCTION',
        'LOAD',
        'REPLACE',
        `#!lua name=delm_v${LIBRARY_VERSION}\nredis.register_function{function_name='${FN}fingerprint', callback=function() return 'old' end, flags={'no-writes'}}`,
      ]);
      const q = await RedisTaskQueue.open({ client }, { runId: uniqueRunId('reload') });
      expect(await client.sendCommand(['FCALL_RO', `${FN}fingerprint`, '0'])).toBe(LIBRARY_FINGERPRINT);
      await q.enqueue('works');
      expect((await q.tryClaim(1))?.payload).toBe('works');
    } finally {
      await client.close();
    }
  });

  it('refuses more tasks than maxTasks and payloads over maxPayloadBytes with QUEUE_FULL', async () => {
    const q = await open({ maxTasks: 2, maxPayloadBytes: 8 });
    await expect(q.enqueue('123456789')).rejects.toThrow(expect.objectContaining({ code: 'QUEUE_FULL' }));
    await q.enqueue('a');
    await q.enqueue('b');
    await expect(q.enqueue('c')).rejects.toThrow(/task queue is full: needs 3 tasks but the limit is 2/);
    expect((await q.stats()).total).toBe(2);
  });

  it("ends the leases of a departed process's agents at once, as a lapse would, and no one else's", async () => {
    const q = await open({ leaseMs: 3_600_000, maxAttempts: 2 });
    for (const payload of ['a', 'b', 'c', 'd']) await q.enqueue(payload);
    const [a, b, c, d] = [(await q.claim(7))!, (await q.claim(8))!, (await q.claim(9))!, (await q.claim(8))!];
    expect([a, b, c, d].map((l) => l.payload)).toEqual(['a', 'b', 'c', 'd']);
    // Agent 10 is alive and waiting for a task: the expiry wakes it.
    const waiting = q.claim(10, { timeoutMs: 30_000, stopWhenDrained: false });

    expect((await q.expireHeldBy([7, 8])).sort()).toEqual([a.taskId, b.taskId, d.taskId].sort());
    // Back to pending with a new generation: the old holder is fenced, the attempt counted.
    await expect(q.complete(a, 'late')).rejects.toThrow(expect.objectContaining({ code: 'LEASE_LOST' }));
    const again = (await waiting)!;
    expect(again.taskId).toBe(a.taskId);
    expect(again.attempt).toBe(2);
    // The live agent's lease is untouched; an agent holding nothing, or nobody, is a no-op.
    await q.complete(c, 'ok');
    expect(await q.expireHeldBy([42])).toEqual([]);
    expect(await q.expireHeldBy([])).toEqual([]);
    // Its second lease ends too: with its attempts used up, the task fails as a lapsed one does.
    expect(await q.expireHeldBy([10])).toEqual([a.taskId]);
    expect(await q.get(a.taskId)).toMatchObject({ state: 'failed', attempts: 2 });
    expect((await q.get(a.taskId)).failureReason).toMatch(/lease expired on each of 2 attempt/);
    expect(await q.stats()).toMatchObject({ pending: 2, claimed: 0, done: 1, failed: 1 });
  });

  it('fails clearly on a wrong URL and an invalid run id', async () => {
    await expect(RedisTaskQueue.open({ url: 'redis://127.0.0.1:1' }, { runId: 'x' })).rejects.toThrow(
      /cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/,
    );
    await expect(RedisTaskQueue.open({ url: server().url }, { runId: 'bad id}' })).rejects.toThrow(/run id must be/);
  });

  it('fails clearly on a server that accepts the connection and never answers', async () => {
    // A stopped redis-server, or another program on the port. Before, the open waited for good.
    const silent = createServer(() => undefined).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const url = `redis://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      await expect(RedisTaskQueue.open({ url }, { runId: 'x' })).rejects.toMatchObject({
        code: 'REDIS_UNAVAILABLE',
        message: `cannot connect to Redis at ${url}: nothing answered within 5 s`,
      });
    } finally {
      silent.close();
    }
  }, 20_000);

  it('fails (never skips) with how to install Redis when redis-server is missing', async () => {
    await expect(startRedisServer({ binary: '/nonexistent/redis-server' })).rejects.toThrow(INSTALL_HINT);
    expect(INSTALL_HINT).toMatch(/apt-get install -y --no-install-recommends redis-server/);
  });
});
