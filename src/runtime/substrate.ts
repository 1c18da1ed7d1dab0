/**
 * The substrate of one run, created on the main thread and attached in every worker: in shared
 * memory (the default, one machine), or in Redis (see redis-substrate.ts) when the run is shared by
 * processes. This is the only runtime module that names the shared-memory implementations; above it,
 * everything sees contracts (AsyncTaskQueue, RunCoordination, ProposalPort, EntryWriter).
 */
import { SharedChannel, type ChannelHandle, type ConsumerWake } from '../channel/shared-channel.js';
import { SharedBudget, type BudgetHandle } from '../budget/shared-budget.js';
import { SharedRateLimiter, type RateLimiterHandle } from '../budget/rate-limiter.js';
import { SharedLedger, type LedgerHandle } from '../ledger/shared-ledger.js';
import { SharedTaskQueue, type QueueHandle } from '../queue/shared-queue.js';
import { asyncQueue } from '../queue/async-queue.js';
import type { RateLimiter } from '../budget/types.js';
import type { ContextLedger } from '../ledger/types.js';
import type { AsyncTaskQueue } from '../queue/types.js';
import {
  sharedCoordination,
  sharedProposals,
  sharedWriter,
  type AnyBudget,
  type EntryWriter,
  type ProposalPort,
  type RunCoordination,
} from './coordination.js';
import { Heartbeats } from './heartbeat.js';
import { RunControl } from './run-control.js';
import { SharedUsage, type SharedUsageHandle } from './shared-usage.js';
import type { ResolvedSwarmOptions } from './options.js';
import type { SwarmEvent } from './events.js';
import type { StopReason } from './run-result.js';
import type { RunMember } from '../redis/members.js';
import type { UsageTotal } from './usage.js';

/** Handles of the structures that live in shared memory only on the one-machine backend. */
export interface SharedBackendHandles {
  kind: 'shared';
  queue: QueueHandle;
  proposals: ChannelHandle;
  budget: BudgetHandle;
  rateLimiter: RateLimiterHandle;
  control: SharedArrayBuffer;
}

/** Where a worker finds a run kept in Redis (never credentials beyond what the URL holds). */
export interface RedisBackendHandle {
  kind: 'redis';
  url: string;
  runId: string;
  /** Lease of the ledger's writer (the verifier renews it while it lives). */
  writerLeaseMs: number;
  /**
   * This process's verifier, if it starts one: `active` takes the writer lease at start (the run's
   * coordinator, `delm resume`); `standby` takes it over once the holder's lease lapses (a worker's).
   */
  verifier: 'active' | 'standby';
  /**
   * The queue's settings and the ledger's limits as the main thread opened them, so a worker thread
   * attaches without asking Redis again (absent: it opens them itself).
   */
  opened?: {
    queue: {
      leaseMs: number;
      maxAttempts: number;
      maxTasks: number;
      maxPayloadBytes: number;
      clock: 'server' | 'manual';
    };
    ledger: { maxEntries: number; maxBytes: number };
  };
}

/** Structured-cloneable handles of a run's substrate. The ledger is this process's copy on Redis. */
export interface RunHandles {
  ledger: LedgerHandle;
  usage: SharedUsageHandle;
  heartbeats: SharedArrayBuffer;
  backend: SharedBackendHandles | RedisBackendHandle;
}

/** A process that left a run on Redis, and the tasks its agents held that went back to the queue. */
export interface Departure {
  member: RunMember;
  /** Tasks whose leases ended with it: pending again, or failed when they had used up their attempts. */
  taskIds: number[];
}

/** A run's substrate as the main thread holds it. */
export interface RunSubstrate {
  handles: RunHandles;
  queue: AsyncTaskQueue;
  /** The planner writes here; {@link afterPlan} hands the write side over. On Redis: this process's copy. */
  ledger: SharedLedger;
  budget: AnyBudget;
  rateLimiter: Pick<RateLimiter, 'acquire'>;
  control: RunCoordination;
  proposals: ProposalPort;
  usage: SharedUsage;
  heartbeats: Heartbeats;
  /** The first agent id this process may use (ids are unique across the processes of a run). */
  firstAgentId: number;
  /** Planning is over: the verifier becomes the ledger's single writer. */
  afterPlan(): Promise<void>;
  /** On Redis: the plan's tasks are enqueued, so processes waiting to join may start their agents. */
  planned?(): Promise<void>;
  /** On Redis: the agent ids this process runs now, for its member key. */
  setAgents?(ids: number[]): void;
  /** On Redis: the run's live processes. */
  members?(): Promise<RunMember[]>;
  /**
   * On Redis: from now until {@link dispose}, each process that leaves the run has its agents' leases
   * ended at once, and `onLeft` hears of it (see departures.ts). Every process of a run watches: the
   * first to see a departure takes the tasks back, the others find nothing left to take.
   */
  watchDepartures?(onLeft: (departure: Departure) => void): void;
  /**
   * On Redis: the usage of the run's model calls over every process that took part, once the other
   * processes' agents have ended (at most a member expiry later).
   */
  runUsage?(): Promise<UsageTotal>;
  /** Closes what this process opened (Redis connections); the run itself lives on there. */
  dispose(): Promise<void>;
  /** The shared-memory parts a later run of the same swarm may empty and reuse. */
  readonly reusable?: SharedParts | undefined;
  /**
   * On Redis, for the process that runs the run's verifier (it creates or resumes the run): records
   * each event in the run's event stream, which any process can read. Flushed by {@link dispose}.
   */
  readonly publish?: ((event: SwarmEvent) => void) | undefined;
  /**
   * On Redis: why the run was stopped, when a stop reason is stored with it (another process may have
   * stopped it, e.g. `DELETE /v1/runs/:id` on another `delm serve`); undefined while it goes on.
   */
  readonly stoppedFor?:
    (() => Promise<Exclude<StopReason, 'answered' | 'no-answer' | 'tasks-failed'> | undefined>) | undefined;
}

/** Shared-memory structures kept between the runs of one swarm. */
export interface SharedParts {
  queue: SharedTaskQueue;
  ledger: SharedLedger;
  proposals: SharedChannel;
  usage: SharedUsage;
  heartbeats: Heartbeats;
}

/** Agent ids a run can use: 0 (planner, verifier), the agents, and up to four replacements each. */
export const agentSlots = (agents: number): number => 1 + agents * 5 + 1;

/** A new, empty ledger with the run's limits. */
export function createLedger(options: ResolvedSwarmOptions): SharedLedger {
  return SharedLedger.create({
    ...(options.ledger.maxBytes ? { maxBytes: options.ledger.maxBytes } : {}),
    ...(options.ledger.maxEntries ? { maxEntries: options.ledger.maxEntries } : {}),
  });
}

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
  let parts: SharedParts;
  if (previous?.reusable) {
    parts = previous.reusable;
    parts.queue.reset();
    parts.ledger.reset();
    parts.proposals.reset();
    parts.usage.reset();
    parts.heartbeats.reset();
  } else {
    parts = {
      queue: SharedTaskQueue.create({
        leaseMs: options.leaseMs,
        maxAttempts: options.maxAttempts,
        ...(options.queue.maxTasks ? { maxTasks: options.queue.maxTasks } : {}),
        ...(options.queue.maxArenaBytes ? { maxArenaBytes: options.queue.maxArenaBytes } : {}),
      }),
      ledger: createLedger(options),
      proposals: SharedChannel.create({}),
      usage: SharedUsage.create(agentSlots(options.agents)),
      heartbeats: new Heartbeats(agentSlots(options.agents)),
    };
  }
  const { queue, ledger, proposals, usage, heartbeats } = parts;
  const { tokens, costUsd, modelCalls } = options.budgets;
  const budget = SharedBudget.create({
    ...(tokens ? { tokens } : {}),
    ...(costUsd ? { costMicroUsd: Math.round(costUsd * 1e6) } : {}),
    ...(modelCalls ? { modelCalls } : {}),
  });
  const control = new RunControl();
  return {
    handles: {
      ledger: ledger.handle,
      usage: usage.handle,
      heartbeats: heartbeats.buffer,
      backend: {
        kind: 'shared',
        queue: queue.handle,
        proposals: proposals.handle,
        budget: budget.handle,
        rateLimiter: rateLimiter.handle,
        control: control.buffer,
      },
    },
    queue: asyncQueue(queue),
    ledger,
    budget,
    rateLimiter,
    control: sharedCoordination(control, queue),
    proposals: sharedProposals(proposals),
    usage,
    heartbeats,
    firstAgentId: 1,
    afterPlan: async () => ledger.releaseWriter(),
    dispose: async () => undefined,
    reusable: parts,
  };
}

/** The run's substrate as a worker sees it. Only the verifier gets the ledger's write side. */
export interface AttachedSubstrate {
  queue: AsyncTaskQueue;
  ledger: ContextLedger;
  writer: EntryWriter | undefined;
  proposals: ProposalPort;
  budget: AnyBudget;
  rateLimiter: Pick<RateLimiter, 'acquire'>;
  control: RunCoordination;
  usage: SharedUsage;
  heartbeats: Heartbeats;
  /** Closes what the worker opened (Redis connections). */
  detach(): Promise<void>;
}

/**
 * Attaches a run's shared memory inside a worker (the shared-memory backend). `wake`: when this
 * worker's proposals wake the verifier (a thread hosting many agents: at the end of its turn).
 */
export function attachSharedSubstrate(
  handles: RunHandles,
  backend: SharedBackendHandles,
  role: 'agent' | 'verifier',
  wake: ConsumerWake = 'now',
): AttachedSubstrate {
  const writer = role === 'verifier' ? SharedLedger.attachWriter(handles.ledger) : undefined;
  const queue = SharedTaskQueue.attach(backend.queue);
  return {
    queue: asyncQueue(queue),
    ledger: writer ?? SharedLedger.attach(handles.ledger),
    writer: writer ? sharedWriter(writer) : undefined,
    proposals: sharedProposals(SharedChannel.attach(backend.proposals), wake),
    budget: SharedBudget.attach(backend.budget),
    rateLimiter: SharedRateLimiter.attach(backend.rateLimiter),
    control: sharedCoordination(new RunControl(backend.control), queue),
    usage: SharedUsage.attach(handles.usage),
    heartbeats: new Heartbeats(handles.heartbeats),
    detach: async () => undefined,
  };
}
