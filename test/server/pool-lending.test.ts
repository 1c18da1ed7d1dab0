// A swarm pool lends an idle swarm to a run another swarm coordinates in Redis (SwarmPool.join) and
// takes it back, at once, when a run of its own needs it: the lent agents leave, the other run goes
// on and finishes every task, and the pool's own run starts on the swarm that came back.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSwarmPool, type SwarmPool } from '../../src/runtime/swarm-pool.js';
import { createSwarm, type Swarm, type SwarmRun } from '../../src/runtime/swarm.js';
import { privateRedisServer } from '../helpers/redis-server.js';
import { scriptedModel } from './helpers.js';

const redis = privateRedisServer({ beforeAll, afterAll });
const closing: Array<Swarm | SwarmPool> = [];
afterEach(async () => {
  await Promise.all(closing.splice(0).map((c) => c.close()));
});

const options = () => ({
  agents: 1,
  protocol: 'basic' as const,
  model: scriptedModel({ delayMs: 100 }),
  stopGraceMs: 500,
  substrate: { redis: { url: redis().url } },
});

/** Resolves once `run` has emitted an event that passes `test` (its events are iterated here, once). */
function firstEvent(run: SwarmRun, test: (e: { type: string }) => boolean): Promise<void> {
  return (async () => {
    for await (const event of run.events) if (test(event)) return;
    throw new Error('the run ended before the event came');
  })();
}

describe('SwarmPool.join (lending idle swarms)', () => {
  it('lends an idle swarm to another run, and calls it back for a run of its own', async () => {
    const owner = createSwarm(options());
    const pool = createSwarmPool({ ...options(), swarms: 1, maxQueued: 0 });
    closing.push(owner, pool);
    const TASKS = 40; // 40 × 100 ms on the owner's one agent: the lent agent has time to help
    const run = owner.run({
      prompt: 'count the findings',
      subTasks: Array.from({ length: TASKS }, (_, i) => ({ payload: `task ${i}` })),
    });
    await firstEvent(run, (e) => e.type === 'run.started');

    const lent = pool.join(run.id)!;
    expect(lent).toBeDefined();
    expect(pool.stats()).toMatchObject({ lent: 1, running: 0, queued: 0 });
    expect(pool.join(run.id)).toBeUndefined(); // no swarm left idle
    // The lent agent works on the other run…
    await firstEvent(lent, (e) => e.type === 'task.completed');

    // …until a run of the pool's own needs the swarm: the pool is full (maxQueued 0), yet this run is
    // accepted, because the lent swarm comes back for it.
    const own = pool.run({ prompt: 'count the findings', subTasks: [{ payload: 'own task' }] });
    const [helped, mine] = await Promise.all([lent.result, own.result]);
    expect(helped.stopReason).toBe('aborted');
    expect(helped.agents.reduce((n, a) => n + a.tasksCompleted, 0)).toBeGreaterThan(0);
    expect(mine.stopReason).toBe('answered');
    expect(mine.answer).toBe('1 findings');
    expect(pool.stats()).toMatchObject({ lent: 0, running: 0 });

    // The other run finished every task once, some of them by the lent agent.
    const result = await run;
    expect(result.stopReason).toBe('answered');
    expect(result.tasks).toMatchObject({ total: TASKS, done: TASKS, failed: 0 });
    expect(result.answer).toBe(`${TASKS} findings`);
    expect(result.agents.reduce((n, a) => n + a.tasksCompleted, 0)).toBeLessThan(TASKS);
  });

  it('lends nothing while runs of its own wait or every swarm is busy', async () => {
    const pool = createSwarmPool({ ...options(), swarms: 1, maxQueued: 1 });
    closing.push(pool);
    const own = pool.run({ prompt: 'count the findings', subTasks: [{ payload: 'a' }, { payload: 'b' }] });
    expect(pool.join('some-other-run')).toBeUndefined();
    expect((await own).stopReason).toBe('answered');
  });
});
