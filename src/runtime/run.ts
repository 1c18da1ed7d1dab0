/**
 * One run of a swarm, supervised from the main thread: plan, start the verifier and the agents,
 * replace crashed agents, enforce the wall-time budget, stop on abort, and gather the result.
 * The main thread never relays task data: agents find work in the queue and knowledge in the ledger.
 */
import { randomUUID } from 'node:crypto';
import { MessageChannel } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import type { AgentOutput, VerifierOutput } from '../../machines/types.js';
import type { SharedRateLimiter } from '../budget/rate-limiter.js';
import { AbortedError, DelmError, WorkerCrashedError } from '../errors.js';
import { releaseProxy, wrapPort, type Remote } from '../internal/comlink.js';
import type { LedgerEntry } from '../ledger/types.js';
import type { QueueStats } from '../queue/types.js';
import { briefEntry, clipText, type SwarmEvent, type TaskBrief, type WorkerEvent } from './events.js';
import { EventStream } from './event-stream.js';
import { loadModel, meterModel } from './model-loader.js';
import type { ResolvedSwarmOptions } from './options.js';
import { loadProtocol, type ProtocolRef } from '../protocols/registry.js';
import type { RunTask } from '../types.js';
import { createRunSubstrate, type RunSubstrate } from './substrate.js';
import { Timeline, type TimelineSpan } from './timeline.js';
import { RunTelemetry } from '../telemetry/run-telemetry.js';

/** Why a run ended. */
export type StopReason = 'answered' | 'no-answer' | 'aborted' | 'budget' | 'wall-time' | 'error';

/** Token usage summed over a run. */
export interface RunUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  modelCalls: number;
}

/** What one agent did in a run. */
export interface AgentSummary {
  agentId: number;
  status: 'done' | 'stopped' | 'failed' | 'crashed';
  reason: string | undefined;
  tasksCompleted: number;
  tasksFailed: number;
  /** Model calls, tokens and cost of this agent's calls. */
  usage: RunUsage;
  costUsd: number;
}

/** The outcome of a run. Whatever was verified is returned even when the run stopped early. */
export interface RunResult {
  runId: string;
  answer: string | undefined;
  stopReason: StopReason;
  /** Detail for `error` stops (a worker failure, a full ledger, …). */
  error: string | undefined;
  entries: LedgerEntry[];
  usage: RunUsage;
  costUsd: number;
  wallTimeMs: number;
  tasks: QueueStats;
  agents: AgentSummary[];
  /** Each agent's states over time (ms since start), for the waiting share and the inspector. */
  timeline: TimelineSpan[];
  /** Share of agent time spent waiting on coordination (claiming, electing), 0..1. */
  waitingShare: number;
}

/** Longest wait for a finished worker's last events (its port normally closes within a turn). */
const EVENTS_DRAIN_MS = 1_000;
/** Queue snapshots: how often at most, how many tasks, how much of a payload. */
const SNAPSHOT_MS = 1_000;
const SNAPSHOT_TASKS = 300;
const SNAPSHOT_PAYLOAD_CHARS = 160;
/** Seeded ledger entries: how many, how much of each text. */
const SEEDED_ENTRIES = 200;
const SEEDED_TEXT_CHARS = 400;

/** Control handle of a worker, as the main thread holds it. */
interface WorkerControl {
  stop(reason?: string): void;
}

/** A started worker: its control, its completion, and the means to terminate it. */
interface Started<T> {
  id: number;
  control: Remote<WorkerControl>;
  done: Promise<T>;
  kill: AbortController;
}

/** Runs `task` on `pool`; see {@link RunSupervisor.execute}. */
export class RunSupervisor {
  readonly id = randomUUID();
  readonly events = new EventStream<SwarmEvent>();
  private readonly started = Date.now();
  private readonly timeline = new Timeline();
  private readonly usage: RunUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, modelCalls: 0 };
  private costUsd = 0;
  private readonly perAgent = new Map<number, { usage: RunUsage; costUsd: number }>();
  private substrate: RunSubstrate | undefined;
  private readonly live = new Map<number, Started<AgentOutput>>();
  private readonly summaries: Array<Omit<AgentSummary, 'usage' | 'costUsd'>> = [];
  private answer: string | undefined;
  private stopReason: StopReason | undefined;
  private error: string | undefined;
  private nextAgentId = 1;
  private replacements = 0;
  private graceTimer: NodeJS.Timeout | undefined;
  private allAgentsDone: (() => void) | undefined;
  private snapshotTimer: NodeJS.Timeout | undefined;
  private finished = false;
  /** A worker died or was terminated: it may have been mid-write, so the run's shared memory is not reused. */
  private tainted = false;
  private lastSnapshot = '';
  private readonly payloadSent = new Set<number>();

  constructor(
    private readonly pool: Piscina,
    private readonly options: ResolvedSwarmOptions,
    private readonly protocolRef: ProtocolRef,
    private readonly rateLimiter: SharedRateLimiter,
    private readonly onEvent: ((event: SwarmEvent) => void) | undefined,
    private readonly telemetry: RunTelemetry = new RunTelemetry(options.telemetry),
  ) {}

  private emit(event: WorkerEvent): void {
    // Nothing is reported after the run's end (a terminated worker's stragglers): the record is closed.
    if (this.finished) return;
    const stamped = { ...event, at: Date.now() - this.started };
    if (stamped.type === 'usage') {
      this.usage.inputTokens += stamped.inputTokens;
      this.usage.outputTokens += stamped.outputTokens;
      this.usage.cachedInputTokens += stamped.cachedInputTokens;
      this.usage.modelCalls += 1;
      this.costUsd += stamped.costUsd;
      let mine = this.perAgent.get(stamped.agentId);
      if (!mine) this.perAgent.set(stamped.agentId, (mine = { usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, modelCalls: 0 }, costUsd: 0 }));
      mine.usage.inputTokens += stamped.inputTokens;
      mine.usage.outputTokens += stamped.outputTokens;
      mine.usage.cachedInputTokens += stamped.cachedInputTokens;
      mine.usage.modelCalls += 1;
      mine.costUsd += stamped.costUsd;
    } else if (stamped.type === 'agent.state' && stamped.agentId > 0) {
      this.timeline.record(stamped.agentId, stamped.state, stamped.at);
    }
    this.events.push(stamped);
    this.telemetry.onEvent(stamped);
    this.onEvent?.(stamped);
  }

  /** Runs to the end. Never rejects for a stopped run: the reason is in the result. */
  async execute(task: RunTask, signal: AbortSignal | undefined, spare?: RunSubstrate): Promise<RunResult> {
    const onAbort = () => this.stop('aborted');
    let wallTimer: NodeJS.Timeout | undefined;
    try {
      this.telemetry.begin(this.id, { agents: this.options.agents, protocol: 'builtIn' in this.protocolRef ? this.protocolRef.builtIn : this.protocolRef.module });
      const substrate = (this.substrate = createRunSubstrate(this.options, this.rateLimiter, spare));
      if (signal?.aborted) throw new AbortedError('the run was aborted before it started');
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.options.budgets.wallTimeMs) wallTimer = setTimeout(() => this.stop('wall-time'), this.options.budgets.wallTimeMs);
      const planner = new AbortController();
      const protocol = await loadProtocol(this.protocolRef);
      const model = this.telemetry.traceModel(meterModel(await loadModel(this.options.model, this.options.prices), {
        agentId: 0,
        role: 'planner',
        budget: substrate.budget,
        rateLimiter: this.rateLimiter,
        emit: (e) => this.emit(e),
      }));
      const subTasks = await protocol.plan(task, { ledger: substrate.ledger, model, signal: signal ? AbortSignal.any([signal, planner.signal]) : planner.signal });
      substrate.ledger.releaseWriter(); // the verifier is the single writer from here on
      for (const t of subTasks) substrate.queue.enqueue({ payload: t.payload, ...(t.priority !== undefined ? { priority: t.priority } : {}) });
      this.emit({ type: 'run.started', runId: this.id, agents: this.options.agents, tasks: subTasks.length });
      const seeded = substrate.ledger.slice(0, SEEDED_ENTRIES);
      this.emit({ type: 'ledger.seeded', entries: seeded.map((e) => briefEntry(e, SEEDED_TEXT_CHARS)), omitted: substrate.ledger.count - seeded.length });
      this.snapshotQueue();
      this.snapshotTimer = setInterval(() => this.snapshotQueue(), SNAPSHOT_MS);
      this.snapshotTimer.unref();

      const verifier = this.startWorker<VerifierOutput>('verifier', 0);
      // A verifier that ends while agents still work (a full ledger, a crash) ends the run: nothing more can be committed.
      verifier.done.then(
        (v) => v.status === 'failed' && this.fail(`verifier failed: ${v.reason ?? 'unknown'}`),
        (e: unknown) => {
          this.tainted = true;
          this.fail(`verifier failed: ${e instanceof Error ? e.message : String(e)}`);
        },
      );
      const agentsDone = new Promise<void>((resolve) => (this.allAgentsDone = resolve));
      for (let i = 0; i < this.options.agents; i++) this.startAgent();
      await agentsDone;
      // Every agent has ended: let the verifier drain what is left, then close it.
      substrate.proposals.close();
      const verdicts = await verifier.done.catch((e: unknown) => ({ status: 'failed', reason: String(e) }) as VerifierOutput);
      if (verdicts.status === 'failed') this.fail(`verifier failed: ${verdicts.reason ?? 'unknown'}`);
    } catch (error) {
      if (error instanceof AbortedError || signal?.aborted) this.stopReason ??= 'aborted';
      else this.fail(error instanceof Error ? error.message : String(error));
    } finally {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(wallTimer);
      clearTimeout(this.graceTimer);
      clearInterval(this.snapshotTimer);
    }
    return this.result();
  }

  private result(): RunResult {
    const stopReason: StopReason = this.stopReason ?? (this.answer !== undefined ? 'answered' : 'no-answer');
    const wallTimeMs = Date.now() - this.started;
    this.snapshotQueue();
    this.emit({ type: 'run.finished', stopReason });
    this.finished = true;
    this.events.end();
    const substrate = this.substrate;
    const spans = this.timeline.close(wallTimeMs);
    const result: RunResult = {
      runId: this.id,
      answer: this.answer,
      stopReason,
      error: this.error,
      entries: substrate ? substrate.ledger.slice() : [],
      usage: { ...this.usage },
      costUsd: this.costUsd,
      wallTimeMs,
      tasks: substrate ? substrate.queue.stats() : { total: 0, pending: 0, claimed: 0, done: 0, failed: 0, open: 0 },
      agents: this.summaries
        .map((a) => ({ ...a, ...(this.perAgent.get(a.agentId) ?? { usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, modelCalls: 0 }, costUsd: 0 }) }))
        .sort((a, b) => a.agentId - b.agentId),
      timeline: spans,
      waitingShare: Timeline.waitingShare(spans),
    };
    this.telemetry.end(result);
    return result;
  }

  /**
   * Hands over the finished run's shared memory for the next run of the same swarm, or `undefined`
   * when it must not be reused (the run has not finished, or one of its workers was terminated).
   */
  releaseSubstrate(): RunSubstrate | undefined {
    if (!this.finished || this.tainted) return undefined;
    const substrate = this.substrate;
    this.substrate = undefined;
    return substrate;
  }

  /** Emits a `queue.snapshot` when the queue changed since the last one (payloads only on first sight). */
  private snapshotQueue(): void {
    const queue = this.substrate?.queue;
    if (!queue) return;
    const stats = queue.stats();
    const shown = Math.min(stats.total, SNAPSHOT_TASKS);
    const seen = Array.from({ length: shown }, (_, id) => queue.get(id));
    const tasks: TaskBrief[] = seen.map((t, id) => ({ id, state: t.state, attempts: t.attempts, parentId: t.parentId }));
    const signature = JSON.stringify([stats, tasks]);
    if (signature === this.lastSnapshot) return;
    this.lastSnapshot = signature;
    for (const task of tasks) {
      if (this.payloadSent.has(task.id)) continue;
      this.payloadSent.add(task.id);
      task.payload = clipText(seen[task.id]!.payload, SNAPSHOT_PAYLOAD_CHARS);
    }
    this.emit({ type: 'queue.snapshot', stats, tasks, omitted: stats.total - shown });
  }

  private startAgent(replaces?: number): void {
    const agentId = this.nextAgentId++;
    const started = this.startWorker<AgentOutput>('agent', agentId);
    this.live.set(agentId, started);
    this.emit({ type: 'agent.started', agentId, ...(replaces !== undefined ? { replaces } : {}) });
    started.done.then(
      (output) => {
        this.summaries.push({ agentId, status: output.status, reason: output.reason, tasksCompleted: output.tasksCompleted, tasksFailed: output.tasksFailed });
        this.emit({ type: 'agent.stopped', agentId, status: output.status, reason: output.reason });
        if (output.answer !== undefined) this.answer = output.answer;
        if (output.status === 'stopped' && output.reason === 'budget') this.stop('budget');
        if (output.status === 'failed') this.fail(`agent ${agentId} failed: ${output.reason ?? 'unknown'}`);
        this.retire(agentId);
      },
      (error: unknown) => {
        this.tainted = true;
        const { message } = new WorkerCrashedError(agentId, error);
        this.summaries.push({ agentId, status: 'crashed', reason: message, tasksCompleted: 0, tasksFailed: 0 });
        this.emit({ type: 'agent.crashed', agentId, error: message, heldTaskId: undefined });
        this.substrate?.control.releaseFinalizer(agentId);
        this.live.delete(agentId);
        if (this.stopReason === undefined) {
          // The crashed agent's lease expires and its task is claimed again; a fresh agent takes its place.
          if (this.replacements++ < this.options.agents * 4) this.startAgent(agentId);
          else this.fail('agents keep crashing; giving up');
        }
        this.retire(agentId);
      },
    );
  }

  private retire(agentId: number): void {
    this.live.delete(agentId);
    if (this.live.size === 0) this.allAgentsDone?.();
  }

  private startWorker<T>(role: 'agent' | 'verifier', agentId: number): Started<T> {
    const substrate = this.substrate!;
    const controlChannel = new MessageChannel();
    const eventsChannel = new MessageChannel();
    const source = `${role}-${agentId}`;
    eventsChannel.port1.on('message', (message: WorkerEvent[]) => this.telemetry.receive(source, message) || message.forEach((e) => this.emit(e)));
    const kill = new AbortController();
    const model = role === 'verifier' ? this.options.judgeModel : this.options.model;
    // The worker closes its end of the events port after its last batch; the port's 'close' comes after
    // every message sent before it, so waiting for it keeps a worker's last events before the run's end.
    const eventsDrained = new Promise<void>((resolve) => eventsChannel.port1.once('close', () => resolve()));
    const drained = () => Promise.race([eventsDrained, new Promise<void>((resolve) => setTimeout(resolve, EVENTS_DRAIN_MS).unref())]);
    const done = (
      this.pool.run(
        {
          init: { role, agentId, handles: substrate.handles, options: this.options, protocol: this.protocolRef, model, telemetry: this.telemetry.workerInit() },
          controlPort: controlChannel.port2,
          eventsPort: eventsChannel.port2,
        },
        { transferList: [controlChannel.port2, eventsChannel.port2] as never, signal: kill.signal },
      ) as Promise<T>
    ).finally(async () => {
      controlChannel.port1.close();
      await drained();
      eventsChannel.port1.close();
      this.telemetry.workerEnded(source);
    });
    return { id: agentId, control: wrapPort<WorkerControl>(controlChannel.port1), done, kill };
  }

  /** Stops the run: agents get `stopGraceMs` to stop on their own, then their threads are terminated. */
  stop(reason: Exclude<StopReason, 'answered' | 'no-answer'>): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    const substrate = this.substrate;
    if (!substrate) return;
    substrate.control.stop(reason === 'wall-time' ? 'wall-time' : reason === 'budget' ? 'budget' : reason === 'error' ? 'error' : 'aborted');
    substrate.queue.close();
    for (const agent of this.live.values()) {
      agent.control.stop(reason).catch(() => undefined);
      agent.control[releaseProxy]();
    }
    this.graceTimer = setTimeout(() => {
      for (const agent of this.live.values()) agent.kill.abort(new DelmError('ABORTED', `agent did not stop within ${this.options.stopGraceMs} ms`));
    }, this.options.stopGraceMs);
  }

  private fail(message: string): void {
    this.error ??= message;
    this.stop('error');
  }
}
