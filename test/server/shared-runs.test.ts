// Which runs a serve process may help with: going, with tasks, and with a live process that holds a
// verifier. A run whose processes all died (their member keys expired) stays `running` in Redis, but
// helping it would only wait for a verifier that is gone. And retention: `retainRuns` is shared by
// every serve process on the Redis (the oldest finished runs beyond it are gone from all of them, and
// from Redis), and a finished run's keys in Redis expire after `retainMs`. With an inspector, each run
// shows its live processes (the run's members) in the inspector's run list.
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPrefix } from '../../src/redis/client.js';
import { createSwarm } from '../../src/runtime/swarm.js';
import { hostname } from 'node:os';
import { startInspector } from '../../src/inspector/index.js';
import type { RunSummary } from '../../src/inspector/index.js';
import type { DelmServer } from '../../src/server/index.js';
import { SharedRuns } from '../../src/server/shared-runs.js';
import { http } from '../helpers/http.js';
import { privateRedisServer } from '../helpers/redis-server.js';
import { eventually, scriptedModel, startTestServer } from './helpers.js';

const redis = privateRedisServer({ beforeAll, afterAll });

describe('SharedRuns.isGoing', () => {
  it('is true for a run going with its coordinator alive, false once no live process holds a verifier', async () => {
    const { url } = redis();
    // A long member TTL: the coordinator does not refresh its key while the test removes it.
    const owner = createSwarm({
      agents: 1,
      protocol: 'basic',
      model: scriptedModel({ delayMs: 100 }),
      stopGraceMs: 500,
      substrate: { redis: { url, memberTtlMs: 60_000 } },
    });
    const shared = await SharedRuns.open(url, { retainRuns: 256, retainMs: 60_000 }, () => undefined);
    const client = createClient({ url });
    await client.connect();
    const abort = new AbortController();
    try {
      const run = owner.run(
        { prompt: 'count the findings', subTasks: Array.from({ length: 40 }, (_, i) => ({ payload: `task ${i}` })) },
        { signal: abort.signal },
      );
      for await (const event of run.events) if (event.type === 'task.completed') break;
      expect(await shared.isGoing(run.id)).toBe(true);

      // The coordinator's member key expires as if its process had died.
      const prefix = runPrefix(run.id);
      const members = await client.sMembers(`${prefix}m:index`);
      expect(members.length).toBe(1);
      for (const id of members) await client.del(`${prefix}m:${id}`);
      expect(await shared.isGoing(run.id)).toBe(false);
      expect(await shared.isGoing('no-such-run')).toBe(false);
      abort.abort();
      await run.result;
    } finally {
      abort.abort();
      await client.close();
      await shared.close();
      await owner.close();
    }
  }, 120_000);
});

describe('retention of runs in Redis', () => {
  it('keeps at most retainRuns finished runs across serve processes, and expires their keys after retainMs', async () => {
    const { url } = redis();
    const RETAIN_MS = 60_000;
    const options = { redis: { url }, retainRuns: 2, retainMs: RETAIN_MS };
    const servers: DelmServer[] = [await startTestServer(options), await startTestServer(options)];
    const client = createClient({ url });
    await client.connect();
    const get = (server: DelmServer, id: string) => http(`${server.url}/v1/runs/${id}`);
    try {
      // Five runs, one after another, started on the two servers in turn.
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const server = servers[i % 2]!;
        const reply = await http(`${server.url}/v1/runs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: 'count the findings', subTasks: [{ payload: `task ${i}` }] }),
        });
        expect(reply.status, reply.body).toBe(202);
        const { id } = reply.json<{ id: string }>();
        ids.push(id);
        // Finished, and its end recorded in Redis (so the runs finish in order).
        await eventually(
          async () => (await client.hGet(`${runPrefix(id)}s:run`, 'status')) === 'finished' || undefined,
        );
      }
      const dropped = ids.slice(0, 3);
      const kept = ids.slice(3);
      for (const server of servers) {
        // The process that ran a dropped run holds it still in memory, yet answers 404 like the other.
        for (const id of dropped) expect((await get(server, id)).status, `${server.url} ${id}`).toBe(404);
        for (const id of kept) {
          const reply = await get(server, id);
          expect(reply.status, `${server.url} ${id}`).toBe(200);
          expect(reply.json<{ status: string; stopReason: string }>()).toMatchObject({
            status: 'finished',
            stopReason: 'answered',
          });
        }
      }
      expect((await client.zRange('delm:serve:finished', 0, -1)).map(String)).toEqual(kept);
      // A dropped run's keys are gone from Redis; a kept run's expire within retainMs (not in 7 days).
      for (const id of dropped) {
        const prefix = runPrefix(id);
        await eventually(async () =>
          (await client.exists([`${prefix}s:run`, `${prefix}e:stream`, `${prefix}r:meta`, `${prefix}q:meta`])) === 0
            ? true
            : undefined,
        );
      }
      for (const id of kept) {
        const prefix = runPrefix(id);
        for (const key of ['s:run', 'e:stream', 'r:meta', 'q:meta', 'l:stream']) {
          const ttl = await eventually(async () => {
            const t = await client.pTTL(`${prefix}${key}`);
            return t > 0 ? t : undefined; // -1 (no expiry yet) until the run's processes have left it
          });
          expect(ttl, `${id} ${key}`).toBeLessThanOrEqual(RETAIN_MS);
        }
      }
    } finally {
      await client.close();
      await Promise.all(servers.map((s) => s.close()));
    }
  }, 120_000);
});

describe('startServer({ redis, inspector })', () => {
  it('shows each running run’s live processes (host, pid, agents) in the inspector’s run list', async () => {
    const inspector = await startInspector();
    const server = await startTestServer({ redis: { url: redis().url }, inspector }, { delayMs: 100 });
    try {
      const reply = await http(`${server.url}/v1/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          prompt: 'count the findings',
          subTasks: Array.from({ length: 40 }, (_, i) => ({ payload: `task ${i}` })),
        }),
      });
      expect(reply.status, reply.body).toBe(202);
      const { id } = reply.json<{ id: string }>();
      const shown = await eventually(async () => {
        const runs = (await http(`${inspector.url}api/runs`)).json<RunSummary[]>();
        return runs.find((r) => r.id === id && r.processes?.length)?.processes;
      });
      // This process coordinates the run: its one agent, and the verifier.
      expect(shown).toEqual([
        expect.objectContaining({
          host: hostname(),
          pid: process.pid,
          role: 'coordinator',
          agents: [1],
          verifier: 'active',
        }),
      ]);
      await http(`${server.url}/v1/runs/${id}`, { method: 'DELETE' });
    } finally {
      await server.close();
      await inspector.close();
    }
  }, 120_000);
});
