/**
 * The shared memory of one run, created on the main thread and attached in every worker. This is the
 * only runtime module that names the shared-memory implementations; everything else sees interfaces.
 */
import { SharedChannel, type ChannelHandle } from '../channel/shared-channel.js';
import { SharedBudget, type BudgetHandle } from '../budget/shared-budget.js';
import { SharedRateLimiter, type RateLimiterHandle } from '../budget/rate-limiter.js';
import { SharedLedger, type LedgerHandle } from '../ledger/shared-ledger.js';
import { SharedTaskQueue, type QueueHandle } from '../queue/shared-queue.js';
import type { Budget, RateLimiter } from '../budget/types.js';
import type { ContextLedger, LedgerWriter } from '../ledger/types.js';
import { Heartbeats } from './heartbeat.js';
import { RunControl } from './run-control.js';
import { SharedUsage, type SharedUsageHandle } from './shared-usage.js';
import type { ResolvedSwarmOptions } from './options.js';

/** Structured-cloneable handles of a run's shared memory. */
export interface RunHandles {
  queue: QueueHandle;
  ledger: LedgerHandle;
  proposals: ChannelHandle;
  budget: BudgetHandle;
  rateLimiter: RateLimiterHandle;
  control: SharedArrayBuffer;
  usage: SharedUsageHandle;
  heartbeats: SharedArrayBuffer;
}

/** A run's shared memory as the main thread holds it. */
export interface RunSubstrate {
  handles: RunHandles;
  queue: SharedTaskQueue;
  /** The main thread writes only while planning, then releases the write side to the verifier. */
  ledger: SharedLedger;
  proposals: SharedChannel;
  budget: Budget;
  control: RunControl;
  usage: SharedUsage;
  heartbeats: Heartbeats;
}

/** Agent ids a run can use: 0 (planner, verifier), the agents, and up to four replacements each. */
export const agentSlots = (agents: number): number => 1 + agents * 5 + 1;

/**
 * The shared memory of a new run; the rate limiter is the swarm's, shared by all its runs. With
 * `previous` (a finished run's memory that no thread uses any more) the queue, ledger and proposal
 * channel are emptied and reused rather than allocated again: a swarm that serves thousands of runs
 * would otherwise churn through megabytes of shared memory per run, which the C allocator may never
 * return to the system.
 */
export function createRunSubstrate(
  options: ResolvedSwarmOptions,
  rateLimiter: SharedRateLimiter,
  previous?: RunSubstrate,
): RunSubstrate {
  let queue: SharedTaskQueue;
  let ledger: SharedLedger;
  let proposals: SharedChannel;
  let usage: SharedUsage;
  let heartbeats: Heartbeats;
  if (previous) {
    ({ queue, ledger, proposals, usage, heartbeats } = previous);
    queue.reset();
    ledger.reset();
    proposals.reset();
    usage.reset();
    heartbeats.reset();
  } else {
    queue = SharedTaskQueue.create({
      leaseMs: options.leaseMs,
      maxAttempts: options.maxAttempts,
      ...(options.queue.maxTasks ? { maxTasks: options.queue.maxTasks } : {}),
      ...(options.queue.maxArenaBytes ? { maxArenaBytes: options.queue.maxArenaBytes } : {}),
    });
    ledger = SharedLedger.create({
      ...(options.ledger.maxBytes ? { maxBytes: options.ledger.maxBytes } : {}),
      ...(options.ledger.maxEntries ? { maxEntries: options.ledger.maxEntries } : {}),
    });
    proposals = SharedChannel.create({});
    usage = SharedUsage.create(agentSlots(options.agents));
    heartbeats = new Heartbeats(agentSlots(options.agents));
  }
  const { tokens, costUsd, modelCalls } = options.budgets;
  const budget = SharedBudget.create({
    ...(tokens ? { tokens } : {}),
    ...(costUsd ? { costMicroUsd: Math.round(costUsd * 1e6) } : {}),
    ...(modelCalls ? { modelCalls } : {}),
  });
  const control = new RunControl();
  return {
    handles: {
      queue: queue.handle,
      ledger: ledger.handle,
      proposals: proposals.handle,
      budget: budget.handle,
      rateLimiter: rateLimiter.handle,
      control: control.buffer,
      usage: usage.handle,
      heartbeats: heartbeats.buffer,
    },
    queue,
    ledger,
    proposals,
    budget,
    control,
    usage,
    heartbeats,
  };
}

/** The run's shared memory as a worker sees it. Only the verifier gets the ledger's write side. */
export interface AttachedSubstrate {
  queue: SharedTaskQueue;
  ledger: ContextLedger;
  writer: LedgerWriter | undefined;
  proposals: SharedChannel;
  budget: Budget;
  rateLimiter: RateLimiter;
  control: RunControl;
  usage: SharedUsage;
  heartbeats: Heartbeats;
}

/** Attaches a run's shared memory inside a worker. */
export function attachRunSubstrate(handles: RunHandles, role: 'agent' | 'verifier'): AttachedSubstrate {
  const writer = role === 'verifier' ? SharedLedger.attachWriter(handles.ledger) : undefined;
  return {
    queue: SharedTaskQueue.attach(handles.queue),
    ledger: writer ?? SharedLedger.attach(handles.ledger),
    writer,
    proposals: SharedChannel.attach(handles.proposals),
    budget: SharedBudget.attach(handles.budget),
    rateLimiter: SharedRateLimiter.attach(handles.rateLimiter),
    control: new RunControl(handles.control),
    usage: SharedUsage.attach(handles.usage),
    heartbeats: new Heartbeats(handles.heartbeats),
  };
}
