/**
 * A run's substrate in Redis (`substrate: { redis: { url } }`): the queue, the ledger, the proposals,
 * the budget, the rate limiter and the run's coordination live under the run's keys, so processes on
 * any machine share the run. Each process keeps a local copy of the ledger (see ledger-mirror.ts) that
 * its agent threads read; usage counters and heartbeats stay per process. Every worker thread opens
 * connections of its own. The main thread keeps this process's member key (see members.ts) and, as it
 * leaves a finished or stopped run, gives the run's keys their expiry.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortedError, DelmError } from '../errors.js';
import { SharedLedger } from '../ledger/shared-ledger.js';
import type { ContextLedger } from '../ledger/types.js';
import { RedisBudget } from '../redis/budget.js';
import { RedisChannel } from '../redis/channel.js';
import { RedisEventLog } from '../redis/event-log.js';
import type { RedisClient } from '../redis/client.js';
import { ConnectionCache } from '../redis/connection-cache.js';
import { RedisLedger } from '../redis/ledger.js';
import { RedisTaskQueue } from '../redis/queue.js';
import { RedisRateLimiter } from '../redis/rate-limiter.js';
import { RedisRunControl } from '../redis/run-control.js';
import { RedisMembership } from '../redis/members.js';
import { deadHere, watchDepartures } from '../redis/departures.js';
import type { EntryWriter, ProposalPort, RunCoordination } from './coordination.js';
import { reach, seatProposals, seatWriter, WriterSeat } from './redis-verifier.js';
import { SharedBudget } from '../budget/shared-budget.js';
import { unlimitedRateLimiter } from '../budget/rate-limiter.js';
import { ensureLibrary } from '../redis/library.js';
import { Heartbeats } from './heartbeat.js';
import { LedgerMirror } from './ledger-mirror.js';
import type { ResolvedSwarmOptions } from './options.js';
import type { SwarmEvent } from './events.js';
import { SharedUsage } from './shared-usage.js';
import {
  agentSlots,
  createLedger,
  type AttachedSubstrate,
  type Departure,
  type RedisBackendHandle,
  type RunHandles,
  type RunSubstrate,
} from './substrate.js';

/** How often a coordinator looks whether the other processes' agents have ended, to sum the run's usage. */
const USAGE_POLL_MS = 50;
/**
 * How often a process looks for members that left the run (a dead process of this host is seen at the
 * next look; one elsewhere a member TTL after its member key expired).
 */
const DEPARTURE_LOOK_MS = 1_000;
/** How often a process that joins a run still planning looks whether its tasks are enqueued. */
const PLAN_POLL_MS = 100;

/** The run's coordinator died while planning: no task was enqueued, so there is nothing to resume. */
export class RunNotPlannedError extends DelmError {
  constructor(readonly runId: string) {
    super('RUN_NOT_PLANNED', `run "${runId}" ended while planning, before any task was enqueued: start it again`);
  }
}

const MEMBER_ROLE = { create: 'coordinator', join: 'worker', resume: 'resume' } as const;

/** How this process takes part in the run: it creates it, joins it, or picks it up after its coordinator died. */
export type RedisRunMode = 'create' | 'join' | 'resume';

/** Lease of the ledger's writer; the verifier renews it three times per lease. */
export const WRITER_LEASE_MS = 5_000;

/** The run does not exist in Redis (never created, or its keys are gone). */
export class RunNotFoundError extends DelmError {
  constructor(readonly runId: string) {
    super('RUN_NOT_FOUND', `no run "${runId}" in Redis: check the run id (delm run --redis prints it)`);
  }
}

/**
 * Opens everything of a run on one connection, in one burst of round trips. A run without budgets or
 * rate limits keeps none in Redis: there is nothing to share, and every model call saves three round trips.
 */
async function openRun(
  client: RedisClient,
  options: ResolvedSwarmOptions,
  runId: string,
  opened?: RedisBackendHandle['opened'],
) {
  const target = { client };
  // A worker thread attaching to what its main thread opened neither checks the library again (a
  // call the server cannot find loads it: see fcall) nor asks for the queue's and ledger's settings.
  if (!opened) await ensureLibrary(client);
  const { tokens, costUsd, modelCalls } = options.budgets;
  const { requestsPerMinute, tokensPerMinute, burstWindowMs } = options.rateLimits;
  const [queue, ledger, budget, rateLimiter, proposals, control] = await Promise.all([
    opened
      ? RedisTaskQueue.attach(client, runId, opened.queue)
      : RedisTaskQueue.open(target, {
          runId,
          leaseMs: options.leaseMs,
          maxAttempts: options.maxAttempts,
          ...(options.queue.maxTasks ? { maxTasks: options.queue.maxTasks } : {}),
        }),
    opened
      ? RedisLedger.attach(client, runId, opened.ledger)
      : RedisLedger.open(target, {
          runId,
          ...(options.ledger.maxEntries ? { maxEntries: options.ledger.maxEntries } : {}),
          ...(options.ledger.maxBytes ? { maxBytes: options.ledger.maxBytes } : {}),
        }),
    tokens || costUsd || modelCalls
      ? RedisBudget.open(target, {
          runId,
          ...(tokens ? { tokens } : {}),
          ...(costUsd ? { costMicroUsd: Math.round(costUsd * 1e6) } : {}),
          ...(modelCalls ? { modelCalls } : {}),
        })
      : undefined,
    requestsPerMinute || tokensPerMinute
      ? RedisRateLimiter.open(target, {
          runId,
          ...(requestsPerMinute ? { requestsPerMinute } : {}),
          ...(tokensPerMinute ? { tokensPerMinute } : {}),
          ...(burstWindowMs ? { burstWindowMs } : {}),
        })
      : undefined,
    opened ? RedisChannel.attach(client, runId) : RedisChannel.open(target, runId),
    opened ? RedisRunControl.attach(client, runId) : RedisRunControl.open(target, runId),
  ]);
  return {
    queue,
    ledger,
    budget: budget ?? unlimitedBudget(),
    rateLimiter: rateLimiter ?? unlimitedRateLimiter,
    proposals,
    control,
  };
}

/**
 * This thread's connections, lent to one run after another (a pool's thread hosts many runs): a run
 * (its main thread's part, or a worker thread's) opens none when an earlier one left its connections idle.
 */
const threadConnections = new ConnectionCache();

/**
 * The substrate of run `runId` in Redis at `url`, as this process's main thread holds it. `create`
 * stores `config` with the run; `join` and `resume` require the run to exist (RUN_NOT_FOUND) and
 * replay its ledger first; `resume` also reopens an election whose finalizer died and recounts the
 * proposals its verifier left.
 */
export async function createRedisRunSubstrate(
  options: ResolvedSwarmOptions,
  url: string,
  runId: string,
  mode: RedisRunMode,
  config?: string,
  standbyVerifier = false,
  signal?: AbortSignal,
  connections: ConnectionCache = threadConnections,
): Promise<RunSubstrate> {
  const client = await connections.lend(url);
  const opened: { disconnect(): Promise<void> }[] = [];
  let mirror: LedgerMirror | undefined;
  let membership: RedisMembership | undefined;
  try {
    const control = await RedisRunControl.open({ client }, runId);
    const redis = options.substrate?.redis;
    // A new run's creation is not waited for: the calls below go after it on the same connection, and
    // Redis runs them in that order (one round trip fewer per run).
    const created =
      mode === 'create'
        ? control.init(config ?? '{}', {
            ...(redis?.keepFinishedMs ? { keepFinishedMs: redis.keepFinishedMs } : {}),
            ...(redis?.memberTtlMs ? { memberTtlMs: redis.memberTtlMs } : {}),
          })
        : undefined;
    created?.catch(() => undefined);
    if (mode !== 'create' && (await control.config()) === undefined) throw new RunNotFoundError(runId);
    if (mode === 'join') await untilPlanned(control, signal);
    else if (mode === 'resume' && !(await control.isPlanned())) throw new RunNotPlannedError(runId);
    const slots = agentSlots(options.agents);
    // Independent of each other: sent together, one round trip.
    const [run, firstAgentId, { memberTtlMs }] = await Promise.all([
      openRun(client, options, runId),
      control.allocateAgents(slots - 1),
      control.keep(),
      created,
    ]);
    opened.push(run.queue, run.ledger, run.proposals, run.control, control);
    const size = firstAgentId + slots;
    const usage = SharedUsage.create(size);
    membership = await RedisMembership.join(
      { client },
      runId,
      {
        role: MEMBER_ROLE[mode],
        agents: Array.from({ length: options.agents }, (_, i) => firstAgentId + i),
        threads: options.threads === undefined ? options.agents : Math.min(options.threads, options.agents),
        verifier: mode !== 'join' ? 'active' : standbyVerifier ? 'standby' : 'none',
      },
      memberTtlMs,
      () => {
        const total = usage.total();
        return { ...total.usage, costUsd: total.costUsd };
      },
    );
    const local = createLedger(options);
    mirror = new LedgerMirror(run.ledger, local);
    if (mode !== 'create') await mirror.start();
    if (mode === 'resume') {
      await control.releaseFinalizer();
      await control.recount();
      await control.persist();
    }
    const started = mirror;
    // The process that creates or resumes the run records its events; a joining worker's are its own.
    const events =
      mode === 'join'
        ? undefined
        : await RedisEventLog.open(
            { client },
            { runId, ...(options.substrate?.redis?.maxEvents ? { maxEvents: options.substrate.redis.maxEvents } : {}) },
          );
    const member = membership;
    const backend: RedisBackendHandle = {
      kind: 'redis',
      url,
      runId,
      writerLeaseMs: WRITER_LEASE_MS,
      verifier: mode === 'join' ? 'standby' : 'active',
      opened: { queue: run.queue.settings, ledger: run.ledger.limits },
    };
    const heartbeats = new Heartbeats(size);
    let stopWatching: (() => void) | undefined;
    return {
      handles: { ledger: local.handle, usage: usage.handle, heartbeats: heartbeats.buffer, backend },
      queue: run.queue,
      ledger: local,
      budget: run.budget,
      rateLimiter: run.rateLimiter,
      control: coordination(run.control, run.ledger, local),
      proposals: run.proposals,
      usage,
      heartbeats,
      firstAgentId,
      ...(events ? { publish: (event: SwarmEvent) => events.publish(event.type, JSON.stringify(event)) } : {}),
      stoppedFor: async () => {
        const state = await control.state();
        return state.phase === 'stopped' ? state.stopReason : undefined;
      },
      afterPlan: async () => {
        if (mode !== 'create') return;
        await publishPlan(run.ledger, local, runId);
        await started.start();
      },
      planned: () => control.markPlanned(),
      setAgents: (ids) => member.setAgents(ids),
      members: () => member.members(),
      watchDepartures: (onLeft: (departure: Departure) => void) => {
        stopWatching ??= watchDepartures({
          selfId: member.id,
          members: () => member.members(),
          everyMs: Math.max(50, Math.min(DEPARTURE_LOOK_MS, Math.floor(memberTtlMs / 3))),
          absentMs: memberTtlMs,
          onLeft: async (left) => onLeft({ member: left, taskIds: await run.queue.expireHeldBy(left.agents) }),
        });
      },
      runUsage: async () => {
        // Other processes' agents record their last calls as they end: wait for that (a process that
        // died drops out when its member key expires, at once when it ran on this host; its usage as
        // last recorded counts).
        const until = Date.now() + memberTtlMs + 1_000;
        while (Date.now() < until) {
          const others = (await member.members()).filter(
            (m) => m.id !== member.id && m.agents.length > 0 && !deadHere(m),
          );
          if (others.length === 0) break;
          await sleep(USAGE_POLL_MS);
        }
        const { costUsd, ...counters } = await member.runUsage();
        return { usage: counters, costUsd };
      },
      dispose: async () => {
        stopWatching?.();
        // Independent of each other: together, one round trip.
        await Promise.all([events?.flush(), started.stop(), member.leave()]);
        // The last process to leave a finished or stopped run gives every key it left (events included) its expiry.
        await control.expireIfEnded().catch(() => undefined);
        for (const o of opened) await o.disconnect().catch(() => undefined);
        connections.giveBack(url, client);
      },
    };
  } catch (error) {
    await membership?.leave();
    await mirror?.stop();
    for (const o of opened) await o.disconnect().catch(() => undefined);
    connections.giveBack(url, client);
    throw error;
  }
}

/**
 * Waits until the run's coordinator has enqueued its plan, or the run ended (its agents then exit at
 * once): agents that joined earlier would find the queue drained and finalize a run not begun.
 */
async function untilPlanned(control: RedisRunControl, signal: AbortSignal | undefined): Promise<void> {
  while (!(await control.isPlanned())) {
    const { phase } = await control.state();
    if (phase === 'finished' || phase === 'stopped') return;
    if (signal?.aborted) throw new AbortedError('the run was aborted while waiting for its plan');
    await sleep(PLAN_POLL_MS, undefined, { signal }).catch(() => undefined);
  }
}

/** Appends what the planner wrote to the local ledger to the run's ledger in Redis, in order. */
async function publishPlan(ledger: RedisLedger, local: SharedLedger, runId: string): Promise<void> {
  const entries = local.slice();
  if (entries.length === 0) return;
  const writer = await ledger.acquireWriter(`planner:${runId}`, WRITER_LEASE_MS);
  if (!writer) throw new DelmError('FENCED', 'another process holds the ledger of this new run');
  // Sent together, in order on one connection (Redis runs them in that order), the resignation right
  // behind the appends: one round trip, not one per entry.
  const appended = Promise.all(
    entries.map((e) => {
      const { id: _id, hash: _hash, meta, ...rest } = e;
      return writer.append({ ...rest, ...(meta !== undefined ? { meta } : {}) });
    }),
  );
  const resigned = writer.resign();
  resigned.catch(() => undefined);
  try {
    await appended;
  } finally {
    await resigned;
  }
}

/** The run's control; `settled` also waits until this process's copy of the ledger holds everything processed. */
function coordination(control: RedisRunControl, ledger: RedisLedger, local: ContextLedger): RunCoordination {
  return {
    elect: (agentId, signal) => control.elect(agentId, signal),
    resume: () => control.resume(),
    finish: () => control.finish(),
    stop: (reason) => control.stop(reason),
    releaseFinalizer: (agentId) => control.releaseFinalizer(agentId),
    // Counted by the channel as a proposal is added, in the same step (see RedisChannel.send).
    proposalSent: async () => undefined,
    // Counted by the channel as the verifier acknowledges a proposal: in one step, and once even when a
    // deposed verifier and its successor both finish the same proposal.
    proposalProcessed: async () => undefined,
    settled: async (signal) => {
      await control.settled(signal);
      await reach(local, (await ledger.count()) - 1);
    },
  };
}

/** A budget with no limits: nothing to share, so no round trips. */
const unlimitedBudget = () => SharedBudget.create({});

/**
 * Attaches a run kept in Redis inside a worker thread, on connections of this thread's own (kept
 * open for the thread's next run once this one detaches: see connection-cache.ts).
 */
export async function attachRedisSubstrate(
  handles: RunHandles,
  backend: RedisBackendHandle,
  options: ResolvedSwarmOptions,
  role: 'agent' | 'verifier',
  connections: ConnectionCache = threadConnections,
): Promise<AttachedSubstrate> {
  const client = await connections.lend(backend.url);
  const closers: Array<() => Promise<unknown>> = [];
  try {
    const run = await openRun(client, options, backend.runId, backend.opened);
    closers.push(
      () => run.queue.disconnect(),
      () => run.proposals.disconnect(),
      () => run.ledger.disconnect(),
      () => run.control.disconnect(),
    );
    const ledger = SharedLedger.attach(handles.ledger);
    let writer: EntryWriter | undefined;
    let proposals: ProposalPort = run.proposals;
    if (role === 'verifier') {
      const seat = new WriterSeat(run.ledger, run.proposals, backend.writerLeaseMs);
      // The run's own verifier takes the seat now, waiting for a dead predecessor's lease to lapse; if a
      // live verifier (a standby that came first) holds it, this one stands by. A standby takes the seat
      // when the holder's lease lapses.
      if (backend.verifier === 'active') await seat.take(backend.writerLeaseMs * 3).catch(() => undefined);
      closers.unshift(() => seat.release());
      writer = seatWriter(seat, ledger);
      proposals = seatProposals(seat, run.proposals);
    }
    return {
      queue: run.queue,
      ledger,
      writer,
      proposals,
      budget: run.budget,
      rateLimiter: run.rateLimiter,
      control: coordination(run.control, run.ledger, ledger),
      usage: SharedUsage.attach(handles.usage),
      heartbeats: new Heartbeats(handles.heartbeats),
      detach: async () => {
        for (const close of closers) await close().catch(() => undefined);
        connections.giveBack(backend.url, client);
      },
    };
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    connections.giveBack(backend.url, client);
    throw error;
  }
}
