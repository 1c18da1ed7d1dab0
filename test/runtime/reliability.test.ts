/**
 * The failures of issue 13 (items 1, 4, 5, 7, 11), each reproduced on real workers with the chaos
 * model and shown fixed.
 */
import { describe, expect, it, vi } from 'vitest';
import type { SwarmEvent } from '../../src/runtime/events.js';
import { createSwarm } from '../../src/runtime/swarm.js';
import type { SwarmOptions } from '../../src/runtime/options.js';
import { COUNT, FAULT, type FaultName } from '../chaos/fixtures/chaos-model.js';
import { CHAOS_PRICES } from '../chaos/harness.js';
import { closedAfterEach } from '../helpers/swarms.js';

const modelModule = new URL('../chaos/fixtures/chaos-model.ts', import.meta.url).href;
const subTasks = (n: number) => Array.from({ length: n }, (_, i) => ({ payload: `task ${i}` }));

// Each test starts a cold swarm of real worker threads: slow on a busy machine.
vi.setConfig({ testTimeout: 180_000 });

const open = closedAfterEach();

/** A swarm over the chaos model whose first calls get `faults`. */
function swarmWith(faults: FaultName[], options: Partial<SwarmOptions> = {}, delayMs = 5) {
  const counters = new BigInt64Array(new SharedArrayBuffer(64));
  const schedule = new Int32Array(new SharedArrayBuffer(Math.max(1, faults.length + 1) * 4));
  faults.forEach((f, i) => (schedule[i] = FAULT[f]));
  const swarm = createSwarm({
    agents: 3,
    protocol: 'basic',
    // A short per-call timeout only where a call hangs on purpose: on a busy machine a healthy call can take a while.
    model: {
      module: modelModule,
      options: { counters: counters.buffer, schedule: schedule.buffer, delayMs, prices: CHAOS_PRICES },
      timeoutMs: faults.includes('hang') ? 1_000 : 30_000,
    },
    prices: CHAOS_PRICES,
    leaseMs: 1_500,
    retry: { baseDelayMs: 10, maxDelayMs: 50, maxRetries: 1 },
    stopGraceMs: 500,
    ...options,
  });
  open.push(swarm);
  return { swarm, calls: () => Number(counters[COUNT.CALLS]), counters };
}

describe('liveness (issue 13.1)', () => {
  it('resolves soon after its answer when a model busy-loops its worker thread, terminating and replacing that thread', async () => {
    // One busy loop: the schedule repeats (call i gets schedule[i % length]), and ['busyLoop'] alone made
    // every other call loop, so a task whose three attempts all drew one failed ('3 findings'). Its lease
    // outlasts the heartbeat timeout, so the watch (not the end of the run) is what ends that thread.
    const once: FaultName[] = ['busyLoop', ...Array<FaultName>(63).fill('ok')];
    const { swarm } = swarmWith(once, { budgets: { wallTimeMs: 120_000 }, heartbeatTimeoutMs: 3_000, leaseMs: 5_000 });
    const events: SwarmEvent[] = [];
    const result = await swarm.run({ prompt: 'p', subTasks: subTasks(4) }, { onEvent: (e) => events.push(e) });
    expect(result.stopReason).toBe('answered');
    expect(result.answer).toBe('4 findings');
    expect(result.agents.find((a) => a.status === 'crashed')?.reason).toMatch(/stopped responding/);
    // Resolved soon after the answer (the stop grace plus thread exits), not at the wall time.
    const answeredAt = events.find((e) => e.type === 'final.decision')!.at;
    expect(result.wallTimeMs - answeredAt).toBeLessThan(500 + 3_000);
  });

  it('gives custom models a per-call timeout: a call that hangs is abandoned and retried', async () => {
    // One hanging call (the schedule repeats: ['hang'] alone would hang every other call, and a task
    // whose every call drew one would fail).
    const { swarm } = swarmWith(['hang', ...Array<FaultName>(63).fill('ok')], {
      budgets: { wallTimeMs: 60_000 },
    });
    const result = await swarm.run({ prompt: 'p', subTasks: subTasks(2) });
    expect(result.stopReason).toBe('answered');
    expect(result.tasks).toMatchObject({ done: 2, failed: 0 });
  });
});

describe('budgets (issue 13.4)', () => {
  it('stops at the wall-time budget while the planner waits on a model that never answers', async () => {
    const swarm = createSwarm({
      agents: 1,
      model: { module: new URL('./fixtures/hanging-planner-model.mjs', import.meta.url).href, timeoutMs: 60_000 },
      budgets: { wallTimeMs: 1_000 },
    });
    open.push(swarm);
    const result = await swarm.run('Is there a warranty?');
    expect(result.stopReason, result.error).toBe('wall-time');
    // At the budget, not at the model's 60 s per-call timeout.
    expect(result.wallTimeMs).toBeLessThan(10_000);
  });

  it('never spends past a cost budget: each call reserves its priced upper bound first', async () => {
    const { swarm, counters } = swarmWith([], { agents: 8, budgets: { costUsd: 0.0025 } });
    const result = await swarm.run({ prompt: 'p', subTasks: subTasks(40) });
    expect(result.stopReason, result.error).toBe('budget');
    expect(result.costUsd).toBeLessThanOrEqual(0.0025);
    expect(result.usage.modelCalls).toBe(Number(counters[COUNT.CALLS]));
    expect(Math.round(result.costUsd * 1e9)).toBe(Number(counters[COUNT.COST_NANO]));
  });

  it('never spends past a token budget, and records every call that was made', async () => {
    // 40 sub-tasks need ~3,100 tokens, and eight calls in flight reserve ~8,800 (prompt + 1,024 output
    // each): 2,000 tokens cannot fit the work whatever the scheduling, so the budget must stop the run.
    const { swarm, counters } = swarmWith([], { agents: 8, budgets: { tokens: 2_000 } });
    const result = await swarm.run({ prompt: 'p', subTasks: subTasks(40) });
    expect(result.stopReason, result.error).toBe('budget');
    expect(result.usage.inputTokens + result.usage.outputTokens).toBeLessThanOrEqual(2_000);
    expect(result.usage.modelCalls).toBe(Number(counters[COUNT.CALLS]));
    expect(result.usage.inputTokens).toBe(Number(counters[COUNT.INPUT]));
  });
});

describe('a dying worker (issue 13.5)', () => {
  it('keeps the usage of a call made just before its worker died', async () => {
    // Every agent step's worker dies (an uncaught error) right after its call returned.
    const { swarm, counters } = swarmWith(Array<FaultName>(4).fill('uncaught'), { budgets: { wallTimeMs: 60_000 } });
    const result = await swarm.run({ prompt: 'p', subTasks: subTasks(4) });
    expect(result.agents.some((a) => a.status === 'crashed')).toBe(true);
    expect(result.usage.modelCalls).toBe(Number(counters[COUNT.CALLS]));
    expect(result.usage.inputTokens).toBe(Number(counters[COUNT.INPUT]));
    expect(result.usage.outputTokens).toBe(Number(counters[COUNT.OUTPUT]));
  });
});

describe('a worker that dies between runs', () => {
  it('does not take the host process down: the thread is replaced and the swarm serves the next run', async () => {
    const uncaught: unknown[] = [];
    const record = (error: unknown) => uncaught.push(error);
    process.on('uncaughtExceptionMonitor', record);
    try {
      // One sub-task: call 0 is its step, call 1 the final decision, whose worker throws 300 ms after the run.
      const { swarm } = swarmWith(['ok', 'uncaughtLater', 'ok', 'ok', 'ok', 'ok'], { agents: 1 });
      expect((await swarm.run({ prompt: 'p', subTasks: subTasks(1) })).stopReason).toBe('answered');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(uncaught).toEqual([]);
      const next = await swarm.run({ prompt: 'p', subTasks: subTasks(2) });
      expect(next.stopReason).toBe('answered');
      expect(next.answer).toBe('2 findings');
    } finally {
      process.off('uncaughtExceptionMonitor', record);
    }
  });
});

describe('wall time on a cold swarm (issue 13.7)', () => {
  it('resolves near its wall time, counting worker start-up, and reports agents that never started as not started', async () => {
    const { swarm } = swarmWith([], { agents: 6, budgets: { wallTimeMs: 1_000 } }, 400);
    const result = await swarm.run({ prompt: 'p', subTasks: subTasks(30) });
    expect(result.stopReason).toBe('wall-time');
    // The stop grace (500 ms) and thread exits, not a second wall time.
    expect(result.wallTimeMs).toBeLessThan(1_000 + 500 + 3_000);
    expect(result.agents.filter((a) => a.status === 'crashed')).toEqual([]);
    for (const a of result.agents.filter((x) => x.status === 'not-started')) expect(a.usage.modelCalls).toBe(0);
  });
});

describe('model errors (issue 13.11)', () => {
  it('retries a sub-task whose model call threw a plain Error, within maxAttempts', async () => {
    // The schedule repeats, so pad it: the first two calls throw (possibly the same sub-task twice, still
    // within its three attempts), the rest (the retries among them) succeed.
    const { swarm } = swarmWith([...Array<FaultName>(2).fill('throw'), ...Array<FaultName>(30).fill('ok')], {
      maxAttempts: 3,
      retry: { baseDelayMs: 10, maxDelayMs: 50, maxRetries: 0 },
    });
    const result = await swarm.run({ prompt: 'p', subTasks: subTasks(3) });
    expect(result.tasks, JSON.stringify({ error: result.error, agents: result.agents })).toMatchObject({
      done: 3,
      failed: 0,
    });
    expect(result.stopReason).toBe('answered');
  });

  it('says so in its stop reason when every sub-task failed', async () => {
    // Every step call throws; the final decision (the 10th call on) answers.
    const { swarm } = swarmWith(Array<FaultName>(9).fill('throw'), {
      maxAttempts: 3,
      retry: { baseDelayMs: 10, maxDelayMs: 50, maxRetries: 0 },
    });
    const result = await swarm.run({ prompt: 'p', subTasks: subTasks(3) });
    expect(result.tasks).toMatchObject({ done: 0, failed: 3 });
    expect(result.stopReason).toBe('tasks-failed');
  });
});
