/**
 * One run of a swarm, supervised from the main thread: plan, start the verifier and the agents,
 * replace crashed agents, enforce the wall-time budget, stop on abort, and gather the result.
 * The main thread never relays task data: agents find work in the queue and knowledge in the ledger.
 */
import { randomUUID } from 'node:crypto';
import type { Piscina } from 'piscina';
import type { AgentOutput, VerifierOutput } from '../../machines/types.js';
import type { SharedRateLimiter } from '../budget/rate-limiter.js';
import { AbortedError, DelmError, WorkerCrashedError, type DelmErrorCode } from '../errors.js';
import { releaseProxy } from '../internal/comlink.js';
import { briefEntry, type SwarmEvent, type WorkerEvent } from './events.js';
import { callListener } from './listener.js';
import { EventStream } from './event-stream.js';
import { HEARTBEAT_MS, HeartbeatWatch } from './heartbeat.js';
import { HeldLeases, releaseHeld } from './held-leases.js';
import type { ResolvedSwarmOptions } from './options.js';
import { loadProtocol, type ProtocolRef } from '../protocols/registry.js';
import type { RunTask } from '../types.js';
import { QueueTelemetry } from './queue-telemetry.js';
import { NO_TASKS, type AgentSummary, type RunResult, type StopReason } from './run-result.js';
import { createRunSubstrate, type RunSubstrate } from './substrate.js';
import { storeRunConfig } from './run-config.js';
import { Timeline } from './timeline.js';
import { RunTelemetry, workerSource } from '../telemetry/run-telemetry.js';
import { loadRunModel } from './run-model.js';
import { emptyUsage } from './empty-usage.js';
import {
  AgentGroup,
  startVerifier,
  type StartedWorker,
  type WorkerEmit,
  type WorkerHooks,
  type WorkerSpec,
} from './worker-start.js';
import { monotonicMs } from '../internal/monotonic.js';
import { extend } from '../internal/extend.js';
import { settlesWithin } from '../internal/settles-within.js';

export type { AgentSummary, RunResult, RunUsage, StopReason } from './run-result.js';

/** Milliseconds rounded to the µs: event times in records stay short. */
const toMicros = (ms: number): number => Math.round(ms * 1000) / 1000;

/** A heartbeat check this late means the whole process was paused, not a thread stalled. */
const PAUSED_MS = 2_000;

/** Seeded ledger entries: how many, how much of each text. */
const SEEDED_ENTRIES = 200;
const SEEDED_TEXT_CHARS = 400;
/** How often a run on Redis looks whether another process stopped it. */
const STOP_POLL_MS = 250;

/**
 * How a run starts: a new run (planned here), or, on Redis, joining a run another process
 * coordinates (agents only: no planning, and leaving does not stop the run; with `standbyVerifier`, a
 * verifier that takes over when the run's verifier dies), or picking up a run whose coordinator died
 * (agents and the verifier, no planning).
 */
export type RunStart =
  | { kind: 'new'; runId?: string }
  | { kind: 'join'; runId: string; standbyVerifier?: boolean }
  | { kind: 'resume'; runId: string };

/** How long a finished run's memory waits for its late workers to end before it is given up (see `releaseSubstrate`). */
const LATE_WORKER_MS = 2_000;

/** Runs `task` on `pool`; see {@link RunSupervisor.execute}. */
export class RunSupervisor {
  readonly id: string;
  readonly events = new EventStream<SwarmEvent>();
  /** When the run started, on {@link monotonicMs} (the clock workers stamp events with). */
  private started = monotonicMs();
  private readonly timeline = new Timeline();
  private substrate: RunSubstrate | undefined;
  private queueTelemetry: QueueTelemetry | undefined;
  private readonly live = new Map<number, StartedWorker<AgentOutput>>();
  /** The tasks hosting this run's agents (see {@link startAgents}). */
  private readonly groups: AgentGroup[] = [];
  /** Each agent's summary; an agent released and started again adds up its tasks over both. */
  private readonly summaries = new Map<number, Omit<AgentSummary, 'usage' | 'costUsd'>>();
  /** Agents released (nothing to claim, or another agent deciding), in the order they were: started again for more work. */
  private readonly released = new Set<number>();
  private heartbeatWatch: HeartbeatWatch | undefined;
  private answer: string | undefined;
  private stopReason: StopReason | undefined;
  private error: string | undefined;
  private errorCode: DelmErrorCode | undefined;
  private nextAgentId = 1;
  private replacements = 0;
  private graceTimer: NodeJS.Timeout | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private stopTimer: NodeJS.Timeout | undefined;
  private verifier: StartedWorker<VerifierOutput> | undefined;
  private verifierEnded = false;
  /** Why the supervisor terminated a worker, by agent id (its rejection only says "aborted"). */
  private readonly killed = new Map<number, string>();
  /** Leases each agent holds, from its events; given back for agents terminated at the stop grace. */
  private readonly held = new HeldLeases();
  private readonly releases: Array<Promise<void>> = [];
  /** Workers terminated before they were ready to work. */
  private readonly notStarted = new Set<number>();
  private allAgentsDone: (() => void) | undefined;
  private finished = false;
  /** A worker died or was terminated: it may have been mid-write, so the run's shared memory is not reused. */
  private tainted = false;
  /** How each worker abandoned before it started ends (see {@link abandon}): the run's memory is reused only after. */
  private readonly late: Array<Promise<unknown>> = [];
  /** Aborted when the run stops (whatever the reason), so a planner call waiting on its model stops with it. */
  private readonly planning = new AbortController();

  constructor(
    private readonly pool: Piscina,
    private readonly options: ResolvedSwarmOptions,
    private readonly protocolRef: ProtocolRef,
    private readonly rateLimiter: SharedRateLimiter,
    private readonly onEvent: ((event: SwarmEvent) => void) | undefined,
    private readonly telemetry: RunTelemetry = new RunTelemetry(options.telemetry),
    private readonly start: RunStart = { kind: 'new' },
    /** The verifier's pool when it is not `pool` (agents sharing threads). */
    private readonly verifierPool: Piscina = pool,
  ) {
    this.id = start.runId ?? randomUUID();
  }

  /** Creates this run's substrate: in shared memory, or under the run's keys in Redis. */
  private async createSubstrate(
    task: RunTask,
    spare: RunSubstrate | undefined,
    signal: AbortSignal | undefined,
  ): Promise<RunSubstrate> {
    const url = this.options.substrate?.redis?.url;
    if (!url) {
      if (this.start.kind !== 'new')
        throw new DelmError(
          'INVALID_CONFIG',
          'joining or resuming a run needs the Redis substrate (substrate.redis.url)',
        );
      return createRunSubstrate(this.options, this.rateLimiter, spare);
    }
    const mode = this.start.kind === 'new' ? 'create' : this.start.kind;
    const config = storeRunConfig(this.options, task, this.telemetry.traceparent);
    // Loaded only for a run on Redis: the shared-memory path never pays for the Redis client's import.
    const { createRedisRunSubstrate } = await import('./redis-substrate.js');
    const standby = this.start.kind === 'join' && this.start.standbyVerifier === true;
    return createRedisRunSubstrate(this.options, url, this.id, mode, config, standby, signal);
  }

  /** Where worker threads' events go, each with the time its thread stamped it. */
  private readonly workerEmit: WorkerEmit = (event, stampedAt) => {
    // A worker the run reported as not started (see abandon) and that starts late says nothing more.
    if (this.notStarted.size > 0 && 'agentId' in event && this.notStarted.has(event.agentId)) return;
    this.emit(event, stampedAt);
  };

  /** Records `event`, which happened at `stampedAt` (`monotonicMs`; now when its thread did not say). */
  private emit(event: WorkerEvent, stampedAt?: number): void {
    // Nothing is reported after the run's end (a terminated worker's stragglers): the record is closed.
    if (this.finished) return;
    // Stamped in place: every event reaches here as an object of its own (a literal, a structured clone
    // or a parse), and copying each of the ~10 events of a sub-task showed in the main thread's profile.
    const time = stampedAt ?? monotonicMs();
    const stamped = event as SwarmEvent;
    stamped.at = toMicros(Math.max(0, time - this.started));
    this.held.observe(event);
    if (stamped.type === 'agent.state' && stamped.agentId > 0)
      this.timeline.record(stamped.agentId, stamped.state, stamped.at);
    this.events.push(stamped);
    this.substrate?.publish?.(stamped);
    this.telemetry.onEvent(stamped);
    callListener(this.onEvent, stamped);
    if (stamped.type === 'task.enqueued') this.workEnqueued(stamped.taskIds.length, stamped.parentTaskId === -1);
  }

  /** Runs to the end. Never rejects for a stopped run: the reason is in the result. */
  async execute(task: RunTask, signal: AbortSignal | undefined, spare?: RunSubstrate): Promise<RunResult> {
    const onAbort = () => this.stop('aborted');
    let wallTimer: NodeJS.Timeout | undefined;
    // Wall time counts from here: a run queued behind another starts when it starts, worker start-up included.
    this.started = monotonicMs();
    try {
      this.telemetry.begin(this.id, {
        agents: this.options.agents,
        protocol: 'builtIn' in this.protocolRef ? this.protocolRef.builtIn : this.protocolRef.module,
      });
      const substrate = (this.substrate = await this.createSubstrate(task, spare, signal));
      this.nextAgentId = substrate.firstAgentId;
      if (signal?.aborted) throw new AbortedError('the run was aborted before it started');
      signal?.addEventListener('abort', onAbort, { once: true });
      // A process that joins a run leaves the run's wall time to its coordinator.
      if (this.options.budgets.wallTimeMs && this.start.kind !== 'join')
        wallTimer = setTimeout(
          () => this.stop('wall-time'),
          Math.max(0, this.options.budgets.wallTimeMs - (monotonicMs() - this.started)),
        );
      let tasks: number;
      if (this.start.kind === 'new') {
        const protocol = await loadProtocol(this.protocolRef);
        const model = this.telemetry.traceModel(
          await loadRunModel(this.options.model, this.options.prices, {
            agentId: 0,
            role: 'planner',
            budget: substrate.budget,
            rateLimiter: substrate.rateLimiter,
            emit: (e) => this.emit(e),
            usage: substrate.usage,
          }),
        );
        const subTasks = await protocol.plan(task, {
          ledger: substrate.ledger,
          model,
          signal: this.planning.signal,
        });
        await substrate.afterPlan(); // the verifier is the single writer from here on
        // Enqueued in order, without waiting for each (on Redis: one round trip for all, not one per task).
        await Promise.all(
          subTasks.map((t) =>
            substrate.queue.enqueue({
              payload: t.payload,
              ...(t.priority !== undefined ? { priority: t.priority } : {}),
            }),
          ),
        );
        await substrate.planned?.();
        tasks = subTasks.length;
      } else tasks = (await substrate.queue.stats()).total;
      const { agents, threads } = this.options;
      this.emit({
        type: 'run.started',
        runId: this.id,
        agents,
        tasks,
        ...(threads !== undefined ? { threads: Math.min(threads, agents) } : {}),
      });
      substrate.watchDepartures?.(({ member, taskIds }) =>
        this.emit({
          type: 'process.left',
          member: member.id,
          host: member.host,
          pid: member.pid,
          agents: member.agents,
          taskIds,
        }),
      );
      const seeded = substrate.ledger.slice(0, SEEDED_ENTRIES);
      this.emit({
        type: 'ledger.seeded',
        entries: seeded.map((e) => briefEntry(e, SEEDED_TEXT_CHARS)),
        omitted: substrate.ledger.count - seeded.length,
      });
      this.queueTelemetry = new QueueTelemetry(substrate.queue, (e) => this.emit(e));
      this.queueTelemetry.start();

      // A process that joins a run brings agents (the run's verifier is its coordinator's), and maybe a standby verifier.
      const standby = this.start.kind === 'join' && this.start.standbyVerifier === true;
      const verifier =
        this.start.kind === 'join' && !standby
          ? undefined
          : (this.verifier = startVerifier<VerifierOutput>(
              this.verifierPool,
              this.workerSpec('verifier'),
              this.workerEmit,
              this.workerHooks('verifier'),
            ));
      // A verifier that ends while agents still work (a full ledger, a crash) ends the run: nothing more can be committed.
      // One that was deposed (a standby took its lease over while it was frozen) stands by itself, and ends with the channel.
      verifier?.done.then(
        (v) => {
          this.verifierEnded = true;
          if (v.status === 'failed' && !this.notStarted.has(0)) this.fail(`verifier failed: ${v.reason ?? 'unknown'}`);
        },
        (e: unknown) => {
          this.verifierEnded = true;
          this.tainted = true;
          if (!this.notStarted.has(0))
            this.fail(`verifier failed: ${this.killed.get(0) ?? (e instanceof Error ? e.message : String(e))}`);
        },
      );
      this.watch(substrate);
      this.watchStop(substrate);
      const agentsDone = new Promise<void>((resolve) => (this.allAgentsDone = resolve));
      this.startAgents();
      await agentsDone;
      await Promise.all(this.releases);
      // Every agent has ended: let the verifier drain what is left, then close it. A worker leaving a
      // run that goes on stops its standby instead (giving the writer lease back if it held it).
      if (verifier && standby && this.stopReason === 'aborted')
        void verifier.control.stop('aborted').catch(() => undefined);
      else if (verifier) await substrate.proposals.close();
      const verdicts =
        !verifier || this.notStarted.has(0)
          ? undefined
          : await verifier.done.catch((e: unknown) => ({ status: 'failed', reason: String(e) }) as VerifierOutput);
      if (verdicts?.status === 'failed')
        this.fail(`verifier failed: ${this.killed.get(0) ?? verdicts.reason ?? 'unknown'}`);
    } catch (error) {
      // A run stopped already (its wall time, an abort) failed here because of the stop, which says why.
      if (this.planning.signal.aborted) {
        /* the stop's reason stands */
      } else if (error instanceof AbortedError || signal?.aborted) this.stopReason ??= 'aborted';
      else if (error instanceof DelmError) this.fail(error.message, error.code);
      else this.fail(error instanceof Error ? error.message : String(error));
    } finally {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(wallTimer);
      clearTimeout(this.graceTimer);
      clearInterval(this.watchTimer);
      clearInterval(this.stopTimer);
      this.queueTelemetry?.stop();
    }
    const result = await this.result();
    await this.substrate?.dispose().catch(() => undefined);
    return result;
  }

  private async result(): Promise<RunResult> {
    const substrate = this.substrate;
    const tasks = substrate ? await substrate.queue.stats().catch(() => ({ ...NO_TASKS })) : { ...NO_TASKS };
    // Stopped by another process of the run before this one's watch saw it: its agents exited on the stop.
    if (this.stopReason === undefined && substrate?.stoppedFor)
      this.stopReason = await substrate.stoppedFor().catch(() => undefined);
    // On Redis the finalizer may have been another process's agent: the answer is in the ledger.
    if (this.answer === undefined && substrate && !substrate.reusable)
      this.answer = substrate.ledger.slice().findLast((e) => e.kind === 'answer')?.text;
    const allFailed = tasks.total > 0 && tasks.failed === tasks.total;
    const stopReason: StopReason =
      this.stopReason ?? (allFailed ? 'tasks-failed' : this.answer !== undefined ? 'answered' : 'no-answer');
    const wallTimeMs = Math.round(monotonicMs() - this.started);
    await this.queueTelemetry?.snapshot();
    this.emit({ type: 'run.finished', stopReason });
    this.finished = true;
    this.events.end();
    const spans = this.timeline.close(wallTimeMs);
    // Usage from the shared counters, which every thread updated as its calls happened (events can be lost with a thread).
    // A run on Redis coordinated here counts every process's calls; a process that joined counts its own.
    const local = substrate ? substrate.usage.total() : { usage: emptyUsage(), costUsd: 0 };
    const total =
      substrate?.runUsage && this.start.kind !== 'join' ? await substrate.runUsage().catch(() => local) : local;
    const result: RunResult = {
      runId: this.id,
      answer: this.answer,
      stopReason,
      error: this.error,
      errorCode: this.errorCode,
      entries: substrate ? substrate.ledger.slice() : [],
      usage: total.usage,
      costUsd: total.costUsd,
      wallTimeMs,
      tasks,
      agents: [...this.summaries.values()]
        .map((a) => extend(a, substrate ? substrate.usage.agent(a.agentId) : { usage: emptyUsage(), costUsd: 0 }))
        .sort((a, b) => a.agentId - b.agentId),
      timeline: spans,
      waitingShare: Timeline.waitingShare(spans),
      waiting: Timeline.waitingByCause(spans),
    };
    this.telemetry.end(result);
    return result;
  }

  /**
   * Ends a run that never started, with nothing done: `aborted` (its signal aborted while it waited
   * for the run ahead of it), or `error` with `error` (refused before any worker started: a missing key).
   */
  endUnstarted(error?: Error): Promise<RunResult> {
    if (error === undefined) this.stopReason = 'aborted';
    else {
      this.stopReason = 'error';
      this.error = error.message;
      if (error instanceof DelmError) this.errorCode = error.code;
    }
    return this.result();
  }

  /**
   * Hands over the finished run's shared memory for the next run of the same swarm, or `undefined`
   * when it must not be reused (the run has not finished, or one of its workers was terminated). A
   * worker that started after the run ended (see {@link abandon}) still attaches that memory: it is
   * handed over once such workers have ended, which they do at once, or not at all when one has not
   * ended within {@link LATE_WORKER_MS}. (Not reusing it left 16 MB of shared memory per such run to
   * the worker threads' next collections, which idle threads may not have for thousands of runs.)
   */
  async releaseSubstrate(): Promise<RunSubstrate | undefined> {
    if (!this.finished || this.tainted || !this.substrate?.reusable) return undefined;
    const substrate = this.substrate;
    this.substrate = undefined;
    if (this.late.length > 0 && !(await settlesWithin(Promise.allSettled(this.late), LATE_WORKER_MS))) return undefined;
    // A late worker that crashed or was terminated instead of ending taints the run.
    return this.tainted ? undefined : substrate;
  }

  /**
   * Starts the run's agents: with `threads`, one task per thread hosting its share of them (a thread
   * attaches the run once, and the main thread starts `threads` tasks, not one per agent); otherwise a
   * task, and so a thread, each.
   */
  private startAgents(): void {
    const ids = Array.from({ length: this.options.agents }, () => this.nextAgentId++);
    const threads = this.options.threads;
    const groups = threads === undefined ? ids.length : Math.min(threads, ids.length);
    const per = Math.ceil(ids.length / groups);
    for (let g = 0; g * per < ids.length; g++) {
      const members = ids.slice(g * per, (g + 1) * per);
      const group = this.startGroup(members);
      for (const agentId of members) this.track(agentId, group.agent(agentId));
    }
    this.substrate?.setAgents?.([...this.live.keys()]);
  }

  /**
   * Starts a replacement for agent `replaces`, or starts agent `released` again: hosted by the least
   * busy task still open, or a task of its own.
   */
  private startAgent(start: { replaces: number } | { released: number }): void {
    const agentId = 'released' in start ? start.released : this.nextAgentId++;
    let started: StartedWorker<AgentOutput> | undefined;
    if (this.options.threads !== undefined) {
      const open = this.groups.filter((g) => g.open).sort((a, b) => a.size - b.size);
      started = open[0]?.host(agentId);
    }
    started ??= this.startGroup([agentId]).agent(agentId);
    this.track(agentId, started, 'replaces' in start ? start.replaces : undefined);
    this.substrate?.setAgents?.([...this.live.keys()]);
  }

  /**
   * Work was enqueued: released agents come back for it, one per task, less the one the final agent
   * takes (it enqueued a round's work itself and goes on claiming). An agent whose release arrives
   * after the work (events of two threads are not ordered) stays released: the agents at work claim
   * it when they are done, and the next tasks enqueued bring it back.
   */
  private workEnqueued(tasks: number, byFinalAgent: boolean): void {
    if (this.stopReason !== undefined || this.answer !== undefined) return;
    let wanted = tasks - (byFinalAgent ? 1 : 0);
    for (const agentId of this.released) {
      if (wanted-- <= 0) return;
      this.released.delete(agentId);
      this.startAgent({ released: agentId });
    }
  }

  /** Agent `agentId` was released: it is started again when work is enqueued, and timed afresh then. */
  private park(agentId: number): void {
    this.released.add(agentId);
    this.heartbeatWatch?.forget(agentId);
  }

  /** Records an agent's end; an agent started again adds to what it did before. */
  private summarize(summary: Omit<AgentSummary, 'usage' | 'costUsd'>): void {
    const before = this.summaries.get(summary.agentId);
    this.summaries.set(
      summary.agentId,
      before
        ? {
            ...summary,
            tasksCompleted: before.tasksCompleted + summary.tasksCompleted,
            tasksFailed: before.tasksFailed + summary.tasksFailed,
          }
        : summary,
    );
  }

  private startGroup(agentIds: readonly number[]): AgentGroup {
    const group = new AgentGroup(
      this.pool,
      this.workerSpec('agent'),
      agentIds,
      this.workerEmit,
      this.workerHooks('agent'),
      this.options.threads === undefined,
    );
    this.groups.push(group);
    void group.finished.then(() => this.groups.splice(this.groups.indexOf(group), 1));
    return group;
  }

  /** Follows agent `agentId` to its end. */
  private track(agentId: number, started: StartedWorker<AgentOutput>, replaces?: number): void {
    this.live.set(agentId, started);
    this.emit({ type: 'agent.started', agentId, ...(replaces !== undefined ? { replaces } : {}) });
    started.done.then(
      (output) => {
        if (this.notStarted.has(agentId)) return;
        this.summarize({
          agentId,
          status: output.status,
          reason: output.reason,
          tasksCompleted: output.tasksCompleted,
          tasksFailed: output.tasksFailed,
        });
        this.emit({ type: 'agent.stopped', agentId, status: output.status, reason: output.reason });
        // An agent that leaves a run going on (a worker taken out, a lent swarm called back) while it was
        // the finalizer reopens the election, so the run's other agents do not wait for its decision.
        if (this.start.kind === 'join' && output.answer === undefined)
          void this.substrate?.control.releaseFinalizer(agentId).catch(() => undefined);
        if (output.answer !== undefined) {
          this.answer = output.answer;
          // The answer exists: agents still running get the grace period to see it, then their threads end.
          this.abandonUnstarted();
          this.armGrace();
        }
        if (output.status === 'stopped' && output.reason === 'budget') this.stop('budget');
        if (output.status === 'failed')
          // A host sets the code from a DelmError it caught (see agent-host.ts `failedToStart`).
          this.fail(
            `agent ${agentId} failed: ${output.reason ?? 'unknown'}`,
            output.errorCode as DelmErrorCode | undefined,
          );
        this.retire(agentId);
        if (output.status === 'released') this.park(agentId);
      },
      (error: unknown) => {
        this.tainted = true;
        if (this.notStarted.has(agentId)) return;
        const message = this.killed.get(agentId) ?? new WorkerCrashedError(agentId, error).message;
        const held = this.held.take(agentId);
        this.summarize({ agentId, status: 'crashed', reason: message, tasksCompleted: 0, tasksFailed: 0 });
        this.emit({ type: 'agent.crashed', agentId, error: message, heldTaskId: held[0] });
        // Terminated at the stop grace: its tasks go back now. A crash mid-run leaves them to lease
        // expiry, which counts the attempt (a task that kills its agent must run out of attempts).
        if (this.stopReason !== undefined && this.killed.has(agentId) && this.substrate)
          this.releases.push(releaseHeld(this.substrate.queue, agentId).catch(() => undefined));
        void this.substrate?.control.releaseFinalizer(agentId).catch(() => undefined);
        this.live.delete(agentId);
        if (this.stopReason === undefined) {
          // The crashed agent's lease expires and its task is claimed again; a fresh agent takes its place.
          if (this.replacements++ < this.options.agents * 4) this.startAgent({ replaces: agentId });
          else this.fail(`agents keep crashing; giving up (the last: ${message})`);
        }
        this.retire(agentId);
      },
    );
  }

  private retire(agentId: number): void {
    this.live.delete(agentId);
    this.substrate?.setAgents?.([...this.live.keys()]);
    if (this.live.size === 0) this.allAgentsDone?.();
  }

  private workerSpec(role: 'agent' | 'verifier'): WorkerSpec {
    return {
      role,
      handles: this.substrate!.handles,
      options: this.options,
      protocol: this.protocolRef,
      model: role === 'verifier' ? this.options.judgeModel : this.options.model,
      telemetry: this.telemetry.workerInit(),
    };
  }

  private workerHooks(role: 'agent' | 'verifier'): WorkerHooks {
    return {
      intercept: (agentId, message) => this.telemetry.receive(workerSource(role, agentId), message),
      ended: (agentId) => this.telemetry.workerEnded(workerSource(role, agentId)),
    };
  }

  /** Stops the run: agents get `stopGraceMs` to stop on their own, then their threads are terminated. */
  stop(reason: Exclude<StopReason, 'answered' | 'no-answer'>): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    this.planning.abort(new AbortedError(`the run stopped (${reason})`));
    const substrate = this.substrate;
    if (!substrate) return;
    // A process that joined a run leaves it alone: only its own agents stop (and give their leases back).
    if (this.start.kind !== 'join') {
      void substrate.control
        .stop(
          reason === 'wall-time'
            ? 'wall-time'
            : reason === 'budget'
              ? 'budget'
              : reason === 'error'
                ? 'error'
                : 'aborted',
        )
        .catch(() => undefined);
      void substrate.queue.close().catch(() => undefined);
    }
    this.abandonUnstarted();
    for (const agent of this.live.values()) {
      agent.control.stop(reason).catch(() => undefined);
      agent.control[releaseProxy]();
    }
    this.armGrace();
  }

  /** Stops waiting for every worker that has not started yet (see {@link abandon}). */
  private abandonUnstarted(): void {
    const beats = this.substrate?.heartbeats;
    if (!beats) return;
    for (const agent of [...this.live.values()]) if (!beats.read(agent.id)) this.abandon(agent.id);
    if (this.verifier && !this.verifierEnded && !beats.read(0)) this.abandon(0);
  }

  /**
   * A worker that has not started yet (its thread still starting up) has nothing to finish: the run
   * stops waiting for it. When it starts it finds the run stopped and ends at once; its thread stays
   * in the pool, warm. The run's memory is reused only after it has ended (see {@link releaseSubstrate}).
   */
  private abandon(agentId: number): void {
    this.notStarted.add(agentId);
    const worker = agentId === 0 ? this.verifier : this.live.get(agentId);
    if (worker) this.late.push(worker.done);
    else this.tainted = true;
    const role = agentId === 0 ? 'verifier' : 'agent';
    this.telemetry.workerNotStarted(role, agentId);
    if (agentId === 0) return;
    this.summarize({ agentId, status: 'not-started', reason: this.stopReason, tasksCompleted: 0, tasksFailed: 0 });
    this.emit({ type: 'agent.stopped', agentId, status: 'not-started', reason: this.stopReason });
    this.retire(agentId);
  }

  /** After `stopGraceMs`, terminates every agent thread still running. */
  private armGrace(): void {
    if (this.graceTimer) return;
    this.graceTimer = setTimeout(() => {
      for (const agent of this.live.values())
        this.kill(agent, `agent did not stop within ${this.options.stopGraceMs} ms`);
    }, this.options.stopGraceMs);
  }

  /** Terminates a worker's thread, remembering why. */
  private kill(worker: StartedWorker<unknown>, why: string): void {
    if (!this.killed.has(worker.id)) this.killed.set(worker.id, why);
    worker.kill.abort(new DelmError('WORKER_CRASHED', why));
  }

  /** Terminates (and so replaces) any worker whose heartbeat stopped moving: its thread is blocked. */
  private watch(substrate: RunSubstrate): void {
    const limit = this.options.heartbeatTimeoutMs;
    const watch = (this.heartbeatWatch = new HeartbeatWatch(substrate.heartbeats, limit));
    let tick = Date.now();
    this.watchTimer = setInterval(() => {
      // A tick far later than due: this process was paused (SIGSTOP: a verifier frozen for a failover
      // test, a suspended machine), its threads with it — not one thread stalled.
      const late = Date.now() - tick - HEARTBEAT_MS;
      tick = Date.now();
      if (late > PAUSED_MS) return watch.resumed();
      const workers: Array<StartedWorker<unknown>> = [
        ...this.live.values(),
        ...(this.verifier && !this.verifierEnded ? [this.verifier] : []),
      ];
      for (const worker of workers) {
        if (!this.killed.has(worker.id) && watch.stalled(worker.id))
          this.kill(
            worker,
            `${worker.id === 0 ? 'the verifier' : `agent ${worker.id}`} stopped responding (no heartbeat for ${limit} ms)`,
          );
      }
    }, HEARTBEAT_MS);
    this.watchTimer.unref();
  }

  /**
   * On Redis, stops this process's part of the run when another process stopped the run (its reason
   * stored with the run, e.g. cancelled through another `delm serve`), looking every {@link STOP_POLL_MS}.
   */
  private watchStop(substrate: RunSubstrate): void {
    const stoppedFor = substrate.stoppedFor;
    if (!stoppedFor) return;
    let looking = false;
    this.stopTimer = setInterval(() => {
      if (looking || this.stopReason !== undefined) return;
      looking = true;
      stoppedFor()
        .then(
          (reason) => {
            if (reason === undefined || this.stopReason !== undefined) return;
            if (reason === 'error') this.error ??= 'stopped with an error by another process of the run';
            this.stop(reason);
          },
          () => undefined,
        )
        .finally(() => (looking = false));
    }, STOP_POLL_MS);
    this.stopTimer.unref();
  }

  private fail(message: string, code?: DelmErrorCode): void {
    if (this.error === undefined) [this.error, this.errorCode] = [message, code];
    this.stop('error');
  }
}
