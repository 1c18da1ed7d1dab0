// Which runs a serve process may help with: going, with tasks, and with a live process that holds a
// verifier. A run whose processes all died (their member keys expired) stays `running` in Redis, but
// helping it would only wait for a verifier that is gone.
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPrefix } from '../../src/redis/client.js';
import { createSwarm } from '../../src/runtime/swarm.js';
import { SharedRuns } from '../../src/server/shared-runs.js';
import { privateRedisServer } from '../helpers/redis-server.js';
import { scriptedModel } from './helpers.js';

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
    const shared = await SharedRuns.open(url, 60_000, () => undefined);
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
