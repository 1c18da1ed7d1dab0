/**
 * Many agents per worker thread (`threads`): every agent still runs its own machine and shares only
 * the run's shared memory; a thread that dies takes its agents (and their leases) with it, and the
 * run reclaims their tasks. Real worker threads, the chaos model.
 */
import { availableParallelism } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import type { SwarmEvent } from '../../src/runtime/events.js';
import { createSwarm, type Swarm } from '../../src/runtime/swarm.js';
import { MAX_AGENTS_ONE_PER_THREAD, resolveSwarmOptions, type SwarmOptions } from '../../src/runtime/options.js';
import { FAULT, type FaultName } from '../chaos/fixtures/chaos-model.js';
import { CHAOS_PRICES } from '../chaos/harness.js';
import { closedAfterEach } from '../helpers/swarms.js';

const modelModule = new URL('../chaos/fixtures/chaos-model.ts', import.meta.url).href;
const scriptedModel = new URL('./fixtures/scripted-swarm-model.ts', import.meta.url).href;
const subTasks = (n: number) => Array.from({ length: n }, (_, i) => ({ payload: `task ${i}` }));

// Cold swarms of real worker threads: slow on a busy machine.
vi.setConfig({ testTimeout: 240_000 });

const open = closedAfterEach();

/** A swarm over the chaos model; call `i` gets `faults[i % (faults.length + 1)]`. */
function swarmWith(
  options: Partial<SwarmOptions>,
  faults: FaultName[] = [],
  creators?: { creators: SharedArrayBuffer; failNextInWorker?: SharedArrayBuffer },
) {
  const schedule = new Int32Array(new SharedArrayBuffer((faults.length + 1) * 4));
  faults.forEach((f, i) => (schedule[i] = FAULT[f]));
  const swarm = createSwarm({
    protocol: 'basic',
    model: {
      module: modelModule,
      options: {
        counters: new SharedArrayBuffer(64),
        schedule: schedule.buffer,
        delayMs: 20,
        prices: CHAOS_PRICES,
        ...creators,
      },
    },
    prices: CHAOS_PRICES,
    leaseMs: 1_500,
    stopGraceMs: 500,
    ...options,
  });
  open.push(swarm);
  return swarm;
}

/** Runs `tasks` sub-tasks, keeping every event. */
async function runWithEvents(swarm: Swarm, tasks: number) {
  const events: SwarmEvent[] = [];
  const result = await swarm.run({ prompt: 'p', subTasks: subTasks(tasks) }, { onEvent: (e) => events.push(e) });
  const completed = events.flatMap((e) => (e.type === 'task.completed' ? [e.taskId] : []));
  const stateful = new Set(events.flatMap((e) => (e.type === 'agent.state' && e.agentId > 0 ? [e.agentId] : [])));
  return { result, events, completed, stateful };
}

describe('agents sharing worker threads', () => {
  it('runs 64 agents on 2 threads: every sub-task done exactly once, every agent in the events', async () => {
    const swarm = swarmWith({ agents: 64, threads: 2 });
    const { result, events, completed, stateful } = await runWithEvents(swarm, 128);
    expect(result.stopReason, result.error).toBe('answered');
    expect(result.tasks).toMatchObject({ total: 128, done: 128, failed: 0 });
    expect(completed).toHaveLength(128);
    expect(new Set(completed).size).toBe(128);
    expect(events.find((e) => e.type === 'run.started')).toMatchObject({ agents: 64, threads: 2 });
    // Every agent ran its own machine, whichever thread hosted it.
    expect(stateful.size).toBe(64);
    expect(result.agents.filter((a) => a.status === 'crashed')).toEqual([]);
    // States are stamped in the worker where they change: each of the 128 model calls (20 ms) lies
    // inside a thinking span, however the event batches were delayed on their way.
    const thinking = result.timeline
      .filter((s) => s.state.startsWith('thinking'))
      .reduce((sum, s) => sum + (s.end - s.start), 0);
    expect(thinking).toBeGreaterThanOrEqual(128 * 19);
  });

  it("wakes the verifier once per turn of a thread's event loop, for all the proposals of the turn", async () => {
    // 16 agents on one thread call the 20 ms model in the same few turns, so their calls end in a few
    // turns too: each round's 16 proposals wake the verifier a few times, not once each (woken per
    // proposal it took them in 32–41 batches; 6–19 now).
    const swarm = swarmWith({ agents: 16, threads: 1 });
    const { result, events } = await runWithEvents(swarm, 64);
    expect(result.stopReason, result.error).toBe('answered');
    const proposals = events.filter((e) => e.type === 'proposal').length;
    expect(proposals).toBe(64);
    // The verifier enters `waiting` once at the start and once after each batch.
    const waits = events.filter((e) => e.type === 'agent.state' && e.agentId === 0 && e.state === 'waiting');
    expect(waits.length - 1).toBeLessThan(proposals / 2);
  });

  it('has each agent a thread hosts claim its first task before the next one starts, not after all have', async () => {
    const swarm = swarmWith({ agents: 16, threads: 1 });
    await runWithEvents(swarm, 16); // the thread loads the model module and compiles the agents' code once
    const { result, events } = await runWithEvents(swarm, 16);
    expect(result.stopReason, result.error).toBe('answered');
    // Stamped in the one agent thread, in the order things happened there. Started together, every
    // agent entered `claiming` before the first claim returned (their first steps interleaved).
    const firstState = new Map<number, number>();
    for (const e of events)
      if (e.type === 'agent.state' && e.agentId > 0 && !firstState.has(e.agentId)) firstState.set(e.agentId, e.at);
    const firstClaim = Math.min(...events.flatMap((e) => (e.type === 'task.claimed' ? [e.at] : [])));
    expect(firstState.size).toBe(16);
    expect(firstClaim).toBeLessThan(Math.max(...firstState.values()));
  });

  it('reclaims the tasks of a thread that dies mid-run: its agents crash together and are replaced', async () => {
    // Call 24 (a few sub-tasks in) ends its thread, and so every agent that thread hosts.
    const faults = Array<FaultName>(24).fill('ok');
    faults.push('exit', ...Array<FaultName>(1_000).fill('ok')); // the schedule repeats: once only
    const swarm = swarmWith({ agents: 8, threads: 2 }, faults);
    const { result, events, completed } = await runWithEvents(swarm, 48);
    expect(result.stopReason, result.error).toBe('answered');
    expect(result.tasks).toMatchObject({ total: 48, done: 48, failed: 0 });
    expect(new Set(completed).size).toBe(48);
    const crashed = result.agents.filter((a) => a.status === 'crashed');
    // The four agents of the dead thread, not one.
    expect(crashed.length).toBe(4);
    const replaced = events.flatMap((e) =>
      e.type === 'agent.started' && e.replaces !== undefined ? [e.replaces] : [],
    );
    expect(replaced.sort()).toEqual(crashed.map((a) => a.agentId).sort());
    // A reclaimed task shows its second attempt.
    expect(events.some((e) => e.type === 'task.claimed' && e.attempt === 2)).toBe(true);
  });

  /** Thread ids of the agent models created from model `from` on (the planner's, on the main thread, left out). */
  const agentModelThreads = (creators: SharedArrayBuffer, from: number) => {
    const view = new Int32Array(creators);
    return [...view.subarray(1 + from, 1 + view[0]!)].filter((id) => id !== 0);
  };

  it("spreads a run's agents evenly, one task per thread, each thread attaching its agents' models", async () => {
    const creators = new SharedArrayBuffer(4 * 64);
    const swarm = swarmWith({ agents: 12, threads: 3 }, [], { creators });
    // Threads up: a run where every agent started (on a cold thread agents can miss a short run, and
    // start after it; the next run's task waits for that thread until they have ended).
    for (let i = 0; i < 5; i++) {
      const { result } = await runWithEvents(swarm, 12);
      if (result.agents.every((a) => a.status !== 'not-started')) break;
    }
    const from = new Int32Array(creators)[0]!;
    const { result } = await runWithEvents(swarm, 24);
    expect(result.stopReason, result.error).toBe('answered');
    const byThread = new Map<number, number>();
    for (const id of agentModelThreads(creators, from)) byThread.set(id, (byThread.get(id) ?? 0) + 1);
    expect([...byThread.values()]).toEqual([4, 4, 4]);
  });

  it('hosts the replacement of an agent that crashed alone on a thread still running, with no new task', async () => {
    const creators = new SharedArrayBuffer(4 * 64);
    const failNextInWorker = new SharedArrayBuffer(4);
    const swarm = swarmWith({ agents: 4, threads: 2 }, [], { creators, failNextInWorker });
    for (let i = 0; i < 5; i++) {
      const { result } = await runWithEvents(swarm, 4);
      if (result.agents.every((a) => a.status !== 'not-started')) break;
    }
    const from = new Int32Array(creators)[0]!;
    // The first agent whose model is created next cannot start; its thread goes on.
    Atomics.store(new Int32Array(failNextInWorker), 0, 1);
    const { result, events } = await runWithEvents(swarm, 8);
    expect(result.stopReason, result.error).toBe('answered');
    expect(result.tasks).toMatchObject({ total: 8, done: 8 });
    const crashed = result.agents.filter((a) => a.status === 'crashed');
    expect(crashed).toHaveLength(1);
    expect(crashed[0]!.reason).toMatch(/could not be created/);
    expect(events.some((e) => e.type === 'agent.started' && e.replaces === crashed[0]!.agentId)).toBe(true);
    // Five agent models on the run's two threads: the replacement joined a running task.
    const threads = agentModelThreads(creators, from);
    expect(threads).toHaveLength(5);
    expect(new Set(threads).size).toBe(2);
  });

  it('gives an agent alone on its thread the small young generation of a thread per agent, however it was asked for', async () => {
    const youngGeneration = async (options: Partial<SwarmOptions>) => {
      const swarm = createSwarm({
        protocol: 'basic',
        model: { module: scriptedModel, options: { reportYoungGeneration: true } },
        ...options,
      });
      open.push(swarm);
      return (await swarm.run({ prompt: 'x', subTasks: subTasks(2) })).answer;
    };
    expect(await youngGeneration({ agents: 2 })).toBe('young generation 4 MB');
    expect(await youngGeneration({ agents: 2, threads: 2 })).toBe('young generation 4 MB');
    expect(await youngGeneration({ agents: 2, threads: 8 })).toBe('young generation 4 MB');
    // Many agents on a thread keep V8's default (as large as the thread's heap allows).
    expect(await youngGeneration({ agents: 4, threads: 2 })).not.toBe('young generation 4 MB');
  });

  it('shares one thread per core among more agents than get a thread each, and says so in run.started', async () => {
    const perCore = Math.min(MAX_AGENTS_ONE_PER_THREAD, availableParallelism());
    expect(resolveSwarmOptions({ agents: MAX_AGENTS_ONE_PER_THREAD }).threads).toBeUndefined();
    expect(resolveSwarmOptions({ agents: MAX_AGENTS_ONE_PER_THREAD + 1, threads: 3 }).threads).toBe(3);
    const swarm = swarmWith({ agents: MAX_AGENTS_ONE_PER_THREAD + 1 });
    expect(swarm.options.threads).toBe(perCore);
    const { result, events, stateful } = await runWithEvents(swarm, 300);
    expect(result.stopReason, result.error).toBe('answered');
    expect(result.tasks).toMatchObject({ total: 300, done: 300, failed: 0 });
    expect(events.find((e) => e.type === 'run.started')).toMatchObject({ agents: 257, threads: perCore });
    expect(stateful.size).toBe(257);
    expect(result.agents.filter((a) => a.status === 'crashed')).toEqual([]);
  });
});
