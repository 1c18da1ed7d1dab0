// A caller's deadline given as `AbortSignal.timeout(ms)` and referenced by nothing else: Node 20's
// AbortSignal.any holds its sources weakly, so a collection could take the signal away before its
// timer fired and the run went on to the end (nodejs/node#57736). Each test collects garbage while
// the run goes, as a busy process would.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRunnerOptions } from '../../src/modes/options.js';
import { runOrchestrator } from '../../src/modes/orchestrator.js';
import { createSwarmPool, type SwarmPool } from '../../src/runtime/swarm-pool.js';
import { createSwarm, type Swarm } from '../../src/runtime/swarm.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const model = { module: new URL('./fixtures/scripted-swarm-model.ts', import.meta.url).href, options: { delayMs: 50 } };
/** 60 sub-tasks of 50 ms on 2 agents: ~1.5 s of work, far past the 200 ms deadline. */
const task = { prompt: 'count', subTasks: Array.from({ length: 60 }, (_, i) => ({ payload: `task ${i}` })) };
const DEADLINE_MS = 200;
/**
 * A stopped run ends well before the ~1.5 s the whole run takes (its stop reason already says whether
 * the deadline held: a run whose signal was collected answers). Loose enough for a loaded machine,
 * where a stop took up to 1.2 s.
 */
const ENDED_WITHIN_MS = 1_400;

/** Runs `run` while collecting garbage every 20 ms; resolves with its result and how long it took. */
async function collecting<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const timer = setInterval(gc, 20);
  const started = performance.now();
  try {
    const result = await run();
    return { result, ms: performance.now() - started };
  } finally {
    clearInterval(timer);
  }
}

describe("a caller's AbortSignal.timeout that nothing else holds", () => {
  let swarm: Swarm;
  let pool: SwarmPool;
  beforeAll(async () => {
    swarm = createSwarm({ agents: 2, protocol: 'basic', model });
    pool = createSwarmPool({ swarms: 1, agents: 2, protocol: 'basic', model });
    // Threads started and modules loaded, so the deadline falls mid-run.
    await Promise.all([swarm.run({ prompt: 'w', subTasks: task.subTasks.slice(0, 2) }), pool.run({ prompt: 'w' })]);
  });
  afterAll(() => Promise.all([swarm.close(), pool.close()]));

  it('stops a swarm run at its deadline', async () => {
    const { result, ms } = await collecting(() => swarm.run(task, { signal: AbortSignal.timeout(DEADLINE_MS) }).result);
    expect(result.stopReason).toBe('aborted');
    expect(result.tasks.done).toBeLessThan(60);
    expect(ms).toBeLessThan(ENDED_WITHIN_MS);
  });

  it('stops a pooled run at its deadline', async () => {
    const { result, ms } = await collecting(() => pool.run(task, { signal: AbortSignal.timeout(DEADLINE_MS) }).result);
    expect(result.stopReason).toBe('aborted');
    expect(ms).toBeLessThan(ENDED_WITHIN_MS);
  });

  // The orchestrator's run holds the caller's options until it ends, so its deadline held before too: a guard.
  it('stops an orchestrator run at its deadline', async () => {
    const options = resolveRunnerOptions({ agents: 2, model: { provider: 'offline', latency: { perCallMs: 100 } } });
    const sources = Array.from({ length: 12 }, (_, i) => ({
      label: `D${i + 1}`,
      text: `Document ${i + 1} grants a patent licence.`,
    }));
    const qa = {
      prompt: 'Which documents grant a patent licence?',
      sources,
      subTasks: sources.map((s) => ({ payload: `Read ${s.label}.` })),
    };
    const { result, ms } = await collecting(() =>
      runOrchestrator(qa, options, { signal: AbortSignal.timeout(DEADLINE_MS) }),
    );
    expect(result.stopReason).toBe('aborted');
    expect(ms).toBeLessThan(ENDED_WITHIN_MS);
  });
});
