/**
 * The chaos harness: a swarm of real workers over the chaos model, a fault schedule written into
 * shared memory before each run, and the invariants every run must keep.
 */
import { expect } from 'vitest';
import type { SwarmEvent } from '../../src/runtime/events.js';
import type { RunResult } from '../../src/runtime/run.js';
import { createSwarm, type Swarm } from '../../src/runtime/swarm.js';
import type { SwarmOptions } from '../../src/runtime/options.js';
import { COUNT, FAULT, type FaultName } from './fixtures/chaos-model.js';

const modelModule = new URL('./fixtures/chaos-model.ts', import.meta.url).href;

/** USD per million tokens of the chaos model. */
export const CHAOS_PRICES = { chaos: { input: 1, cachedInput: 1, output: 2 } };
/** Calls in the fault schedule (it repeats). */
const SCHEDULE_LENGTH = 64;

/** Settings shared by every chaos swarm: short leases, timeouts and heartbeats so faults resolve fast. */
export const CHAOS = {
  agents: 3,
  wallTimeMs: 10_000,
  stopGraceMs: 500,
  heartbeatTimeoutMs: 3_000,
  callTimeoutMs: 2_000,
  leaseMs: 1_500,
  /**
   * How far past its wall time a run may resolve: the stop grace, one heartbeat timeout (a blocked
   * thread is found), and 3 s for terminated threads to exit and their event ports to drain.
   */
  graceMs: 500 + 3_000 + 3_000,
} as const;

/** Which budget a swarm is tight on. */
export type BudgetKind = 'none' | 'tokens' | 'costUsd' | 'modelCalls';

const BUDGETS: Record<BudgetKind, NonNullable<SwarmOptions['budgets']>> = {
  none: {},
  // A call reserves ~1.3k tokens (its prompt plus 1,024 of output): room for a handful of calls.
  tokens: { tokens: 7_000 },
  // ≈ 2.2 m$ reserved per call at these prices.
  costUsd: { costUsd: 0.009 },
  modelCalls: { modelCalls: 5 },
};

/** A swarm of the chaos model, its counters and its schedule. */
export interface ChaosSwarm {
  swarm: Swarm;
  kind: BudgetKind;
  counters: BigInt64Array;
  schedule: Int32Array;
}

/** Creates a chaos swarm tight on `kind`. */
export function chaosSwarm(kind: BudgetKind): ChaosSwarm {
  const counters = new SharedArrayBuffer(8 * 8);
  const schedule = new SharedArrayBuffer(SCHEDULE_LENGTH * 4);
  const swarm = createSwarm({
    agents: CHAOS.agents,
    protocol: 'basic',
    model: {
      module: modelModule,
      options: { counters, schedule, delayMs: 5, prices: CHAOS_PRICES },
      timeoutMs: CHAOS.callTimeoutMs,
    },
    prices: CHAOS_PRICES,
    budgets: { ...BUDGETS[kind], wallTimeMs: CHAOS.wallTimeMs },
    leaseMs: CHAOS.leaseMs,
    maxAttempts: 3,
    retry: { baseDelayMs: 10, maxDelayMs: 50, maxRetries: 1 },
    stopGraceMs: CHAOS.stopGraceMs,
    heartbeatTimeoutMs: CHAOS.heartbeatTimeoutMs,
    // Small heaps, so the out-of-memory fault kills its thread quickly.
    workerResourceLimits: { maxOldGenerationSizeMb: 160 },
  });
  return { swarm, kind, counters: new BigInt64Array(counters), schedule: new Int32Array(schedule) };
}

/** One run's scenario. */
export interface Scenario {
  subTasks: number;
  /** Faults of the first calls (then healthy calls). */
  faults: FaultName[];
  /** Abort the run this long after it starts, if set. */
  abortAfterMs: number | undefined;
}

/** What a run survived. */
export interface RunReport {
  stopReason: RunResult['stopReason'];
  faults: number;
  calls: number;
  elapsedMs: number;
}

/**
 * Fault-free runs until one answers: brings the swarm's worker threads up. Threads replaced after a
 * fault start cold too; on a busy machine a cold start can take longer than a chaos run's wall time.
 */
export async function warmUp(chaos: ChaosSwarm, tries = 12): Promise<void> {
  chaos.schedule.fill(FAULT.ok);
  for (let i = 0; i < tries; i++) {
    const result = await chaos.swarm.run({ prompt: 'warm up', subTasks: [{ payload: 'task 0' }] });
    if (result.stopReason === 'answered' || result.stopReason === 'budget') return;
  }
}

/** Runs `scenario` on `chaos` and checks every invariant. */
export async function runChecked(chaos: ChaosSwarm, scenario: Scenario): Promise<RunReport> {
  const { swarm, counters, schedule } = chaos;
  schedule.fill(FAULT.ok);
  scenario.faults.forEach((f, i) => (schedule[i] = FAULT[f]));
  for (let i = 0; i < counters.length; i++) Atomics.store(counters, i, 0n);

  const events: SwarmEvent[] = [];
  const started = Date.now();
  const run = swarm.run(
    { prompt: 'chaos', subTasks: Array.from({ length: scenario.subTasks }, (_, i) => ({ payload: `task ${i}` })) },
    { onEvent: (e) => events.push(e) },
  );
  const timer = scenario.abortAfterMs === undefined ? undefined : setTimeout(() => run.abort(), scenario.abortAfterMs);
  const result = await run;
  clearTimeout(timer);
  const elapsedMs = Date.now() - started;
  const context = JSON.stringify({
    kind: chaos.kind,
    scenario,
    stopReason: result.stopReason,
    error: result.error,
    tasks: result.tasks,
    usage: result.usage,
    costUsd: result.costUsd,
    wallTimeMs: result.wallTimeMs,
  });

  // 1. It resolves within its wall time plus the stated grace.
  expect(result.wallTimeMs, context).toBeLessThanOrEqual(CHAOS.wallTimeMs + CHAOS.graceMs);
  // 2. Every sub-task ends done or failed at most once, and exactly once when the run was not cut short.
  const ended = new Map<number, number>();
  for (const e of events)
    if (e.type === 'task.completed' || e.type === 'task.failed') ended.set(e.taskId, (ended.get(e.taskId) ?? 0) + 1);
  for (const [taskId, n] of ended) expect(n, `task ${taskId} ended ${n} times; ${context}`).toBe(1);
  if (['answered', 'no-answer', 'tasks-failed'].includes(result.stopReason)) {
    expect(result.tasks.pending + result.tasks.claimed, context).toBe(0);
    expect(result.tasks.done + result.tasks.failed, context).toBe(scenario.subTasks);
  }
  expect(result.tasks.done, context).toBe(events.filter((e) => e.type === 'task.completed').length);
  // 3. Usage equals what the model really served.
  expect(result.usage.modelCalls, context).toBe(Number(counters[COUNT.CALLS]));
  expect(result.usage.inputTokens, context).toBe(Number(counters[COUNT.INPUT]));
  expect(result.usage.outputTokens, context).toBe(Number(counters[COUNT.OUTPUT]));
  expect(Math.round(result.costUsd * 1e9), context).toBe(Number(counters[COUNT.COST_NANO]));
  // 4. No budget is exceeded (the documented bound is zero for a model that reports within its reservation, as this one does).
  const b = swarm.options.budgets;
  if (b.tokens) expect(result.usage.inputTokens + result.usage.outputTokens, context).toBeLessThanOrEqual(b.tokens);
  if (b.modelCalls) expect(result.usage.modelCalls, context).toBeLessThanOrEqual(b.modelCalls);
  if (b.costUsd) expect(result.costUsd, context).toBeLessThanOrEqual(b.costUsd + 1e-9);
  // No agent that never started is reported as crashed.
  for (const a of result.agents)
    if (a.status === 'crashed') expect(a.reason, context).not.toMatch(/task has been aborted/i);
  return {
    stopReason: result.stopReason,
    faults: Number(counters[COUNT.FAULTS]),
    calls: Number(counters[COUNT.CALLS]),
    elapsedMs,
  };
}

/** 5. The swarm serves the next run: a fault-free run answers with every finding. */
export async function expectServes(chaos: ChaosSwarm): Promise<void> {
  await warmUp(chaos); // threads replaced during the chaos have started
  const result = await chaos.swarm.run({
    prompt: 'after chaos',
    subTasks: [{ payload: 'task 0' }, { payload: 'task 1' }],
  });
  expect(result.stopReason, JSON.stringify({ kind: chaos.kind, error: result.error })).toMatch(
    chaos.kind === 'none' ? /^answered$/ : /^(answered|budget)$/,
  );
  if (chaos.kind === 'none') expect(result.answer).toBe('2 findings');
}
