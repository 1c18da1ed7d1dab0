/**
 * Usage of a run's model calls, counted in shared memory by the thread that made each call, so that
 * what budgets and bills rest on survives a worker that dies before its events reach the main thread.
 * One slot per agent id (0: the planner and the verifier); BigInt64 words, cost in nano-dollars.
 *
 * A call is counted when it is handed to the model (so a thread that dies during the call still
 * counts it); its tokens and cost when the model returns them.
 */
import { DelmError } from '../errors.js';
import { emptyUsage } from './empty-usage.js';
import type { UsageTotal } from './usage.js';

const F = { CALLS: 0, INPUT: 1, OUTPUT: 2, CACHED: 3, COST_NANO_USD: 4 } as const;
/** Words per slot: the five fields, padded to a 64-byte line so agents do not share one. */
const SLOT = 8;

/** Structured-cloneable handle of a run's usage counters. */
export interface SharedUsageHandle {
  readonly kind: 'delm.usage';
  readonly buffer: SharedArrayBuffer;
}

/** Usage counters of one run, per agent id. */
export class SharedUsage {
  readonly handle: SharedUsageHandle;
  private readonly w: BigInt64Array;
  /** Number of agent-id slots. */
  readonly slots: number;

  private constructor(handle: SharedUsageHandle) {
    if (handle?.kind !== 'delm.usage') throw new DelmError('INVALID_ARGUMENT', 'not a delm usage handle');
    this.handle = handle;
    this.w = new BigInt64Array(handle.buffer);
    this.slots = this.w.length / SLOT;
  }

  /** Counters for agent ids `0 .. slots-1`. */
  static create(slots: number): SharedUsage {
    return new SharedUsage({ kind: 'delm.usage', buffer: new SharedArrayBuffer(slots * SLOT * 8) });
  }

  /** Opens counters created in another thread. */
  static attach(handle: SharedUsageHandle): SharedUsage {
    return new SharedUsage(handle);
  }

  private at(agentId: number): number {
    if (!Number.isInteger(agentId) || agentId < 0 || agentId >= this.slots)
      throw new DelmError('INVALID_ARGUMENT', `agent id ${agentId} has no usage slot (0..${this.slots - 1})`);
    return agentId * SLOT;
  }

  /** Counts one call handed to the model. */
  callStarted(agentId: number): void {
    Atomics.add(this.w, this.at(agentId) + F.CALLS, 1n);
  }

  /** Adds what a call used. */
  addUsage(
    agentId: number,
    usage: { inputTokens: number; outputTokens: number; cachedInputTokens: number },
    costUsd: number,
  ): void {
    const at = this.at(agentId);
    Atomics.add(this.w, at + F.INPUT, BigInt(Math.max(0, Math.round(usage.inputTokens))));
    Atomics.add(this.w, at + F.OUTPUT, BigInt(Math.max(0, Math.round(usage.outputTokens))));
    Atomics.add(this.w, at + F.CACHED, BigInt(Math.max(0, Math.round(usage.cachedInputTokens))));
    Atomics.add(this.w, at + F.COST_NANO_USD, BigInt(Math.max(0, Math.round(costUsd * 1e9))));
  }

  /** One agent's usage (ids without a slot have none). */
  agent(agentId: number): UsageTotal {
    if (!Number.isInteger(agentId) || agentId < 0 || agentId >= this.slots) return { usage: emptyUsage(), costUsd: 0 };
    const at = agentId * SLOT;
    const read = (f: number) => Number(Atomics.load(this.w, at + f));
    return {
      usage: {
        inputTokens: read(F.INPUT),
        outputTokens: read(F.OUTPUT),
        cachedInputTokens: read(F.CACHED),
        modelCalls: read(F.CALLS),
      },
      costUsd: read(F.COST_NANO_USD) / 1e9,
    };
  }

  /** The sum over every slot. */
  total(): UsageTotal {
    const sum: UsageTotal = { usage: emptyUsage(), costUsd: 0 };
    let nano = 0;
    for (let id = 0; id < this.slots; id++) {
      const a = this.agent(id);
      sum.usage.inputTokens += a.usage.inputTokens;
      sum.usage.outputTokens += a.usage.outputTokens;
      sum.usage.cachedInputTokens += a.usage.cachedInputTokens;
      sum.usage.modelCalls += a.usage.modelCalls;
      nano += Number(Atomics.load(this.w, id * SLOT + F.COST_NANO_USD));
    }
    sum.costUsd = nano / 1e9;
    return sum;
  }

  /** Zeroes every counter (a finished run's memory reused by the next run). */
  reset(): void {
    this.w.fill(0n);
  }
}
