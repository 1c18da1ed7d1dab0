// An agent stopped while its claim is on the wire: Redis has leased it the task, the reply has not
// reached it yet. The agent must not end before that reply, or the lease it brings is never given
// back (the run's supervisor only releases for agents it had to terminate): the task would stay with
// a gone agent until its lease expired. A proxy holds the claim's reply back to make the window wide.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { createSwarm } from '../../src/runtime/swarm.js';
import { holdingProxy } from '../helpers/holding-proxy.js';
import { privateRedisServer } from '../helpers/redis-server.js';

const server = privateRedisServer({ beforeAll, afterAll });
const modelModule = new URL('./fixtures/scripted-swarm-model.ts', import.meta.url).href;
/** An agent's claim: the queue's claim function called (not the function library that defines it). */
const isClaim = (request: Buffer) =>
  request.includes('FCALL') && request.includes('q_claim') && !request.includes('FUNCTION');

describe('a claim in flight when its agent stops', () => {
  it('is given back by the agent once its reply arrives, before the agent ends', async () => {
    const proxy = await holdingProxy(server().port, isClaim);
    const swarm = createSwarm({
      agents: 1,
      protocol: 'basic',
      model: { module: modelModule, options: { delayMs: 5 } },
      leaseMs: 60_000, // a task that came back did so because it was released, not because its lease ran out
      stopGraceMs: 10_000,
      substrate: { redis: { url: `redis://127.0.0.1:${proxy.port}` } },
    });
    const client = createClient({ url: server().url });
    await client.connect();
    try {
      const run = swarm.run({ prompt: 'count the findings', subTasks: [{ payload: 'a' }, { payload: 'b' }] });
      await proxy.held; // Redis has leased a task to the agent; the agent has not heard yet
      run.abort();
      await new Promise((resolve) => setTimeout(resolve, 300)); // the agent sees the stop meanwhile
      proxy.release();
      const result = await run;
      expect(result.stopReason).toBe('aborted');

      const prefix = `delm:{${result.runId}}:`;
      const states = await Promise.all(
        [0, 1].map((id) => client.hmGet(`${prefix}q:t:${id}`, ['state', 'agent', 'attempts'])),
      );
      expect(states.map(([state]) => state)).toEqual(['pending', 'pending']);
      expect(states.map(([, , attempts]) => attempts)).toEqual(['0', '0']);
    } finally {
      await client.close();
      await swarm.close();
      await proxy.close();
    }
  }, 60_000);
});
