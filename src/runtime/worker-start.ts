/**
 * Starting swarm workers as piscina tasks, main-thread side: the verifier (with a comlink control
 * port) and groups of agents. A group is one task hosting many agents on one thread (with `threads`),
 * or one agent (a thread each): its agents share one events port, which carries their events, span
 * batches and ends one way, and stop, host and close messages the other.
 */
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { releaseProxy, wrapPort } from '../internal/comlink.js';
import type { AgentOutput } from '../../machines/types.js';
import type { WorkerEvent } from './events.js';
import { EventBatchReader, isEventBatch } from './event-batches.js';
import { CompletionJournal } from './completion-journal.js';
import type { ProtocolRef } from '../protocols/registry.js';
import type { ModelRef, ResolvedSwarmOptions } from './options.js';
import type { RunHandles } from './substrate.js';
import type { WorkerTraceInit } from '../telemetry/span-wire.js';

/** The first message on a task's events port: the thread it runs on. */
export interface ThreadAnnouncement {
  threadId: number;
}

/** Main → group: stop agent `agentId` (every agent of the group when absent). */
export interface StopMessage {
  stop: string | null;
  agentId?: number | undefined;
}

/** Main → group: host one more agent (a replacement for a crashed one). */
export interface HostMessage {
  host: number;
}

/** Main → group: every agent placed here has ended; end the task. */
export interface CloseMessage {
  close: true;
}

/**
 * Group → main, after the agent's last events: agent `ended` finished with `output`, or threw `error`.
 * Carried at the end of an event batch (`EventBatch.ended`), after those events.
 */
export interface AgentEnded {
  ended: number;
  output?: AgentOutput;
  error?: string;
}

/** Group → main: a span batch of agent `spansOf` (the verifier's span batches go unwrapped). */
export interface SpanBatchOf {
  spansOf: number;
  batch: unknown;
}

/** True for a {@link StopMessage}. */
export function isStopMessage(message: unknown): message is StopMessage {
  const stop = (message as Partial<StopMessage> | null)?.stop;
  return stop === null || typeof stop === 'string';
}

/** True for a {@link HostMessage}. */
export function isHostMessage(message: unknown): message is HostMessage {
  return typeof (message as Partial<HostMessage> | null)?.host === 'number';
}

/** True for a {@link CloseMessage}. */
export function isCloseMessage(message: unknown): message is CloseMessage {
  return (message as Partial<CloseMessage> | null)?.close === true;
}

const isThreadAnnouncement = (message: unknown): message is ThreadAnnouncement =>
  typeof (message as Partial<ThreadAnnouncement> | null)?.threadId === 'number';
const isAgentEnded = (message: unknown): message is AgentEnded =>
  typeof (message as Partial<AgentEnded> | null)?.ended === 'number';
const isSpanBatchOf = (message: unknown): message is SpanBatchOf =>
  typeof (message as Partial<SpanBatchOf> | null)?.spansOf === 'number';

/** Shared threads already told to terminate. */
const terminated = new WeakSet<Worker>();

/** Longest wait for an ended task's last messages (its port normally closes within a turn). */
const EVENTS_DRAIN_MS = 1_000;

/** Control handle of a worker, as the main thread holds it: asks it to stop; `releaseProxy` lets the handle go. */
export interface WorkerControlHandle {
  stop(reason?: string): Promise<void>;
  [releaseProxy](): void;
}

/** Control surface the verifier serves over comlink. */
interface WorkerControl {
  stop(reason?: string): void;
}

/** A started worker (an agent, or the verifier): its control, its completion, and the means to terminate it. */
export interface StartedWorker<T> {
  id: number;
  control: WorkerControlHandle;
  /** Settles once the worker ended, after its last events were delivered. */
  done: Promise<T>;
  /** Aborting terminates the worker's thread (with every other agent it hosts). */
  kill: AbortController;
}

/** What a worker task is started with. */
export interface WorkerSpec {
  role: 'agent' | 'verifier';
  handles: RunHandles;
  options: ResolvedSwarmOptions;
  protocol: ProtocolRef;
  model: ModelRef | undefined;
  /** Trace context for the worker's spans (absent when tracing is off). */
  telemetry?: WorkerTraceInit | undefined;
}

/** Where a worker's events go: each with when it happened (`monotonicMs`), if its thread said. */
export type WorkerEmit = (event: WorkerEvent, stampedAt?: number) => void;

/** Optional hooks on a worker's messages. */
export interface WorkerHooks {
  /** Sees span batches (and anything else unrecognised) of worker `agentId` (0: the verifier). */
  intercept?: (agentId: number, message: unknown) => void;
  /** Called once worker `agentId` ended and its last events were delivered. */
  ended?: (agentId: number) => void;
}

/** One task's events port, main side: delivers events, remembers the thread, and tells when it closed. */
function listen(
  port: MessagePort,
  emit: WorkerEmit,
  other: (message: unknown) => void,
): { threadId: () => number | undefined; drained: () => Promise<void> } {
  let threadId: number | undefined;
  const batches = new EventBatchReader();
  port.on('message', (message: unknown) => {
    if (isEventBatch(message)) {
      batches.read(message, emit);
      message.ended?.forEach(other);
    } else if (isThreadAnnouncement(message)) threadId = message.threadId;
    else other(message);
  });
  // The worker closes its end after its last message; 'close' comes after every message sent before it.
  const closed = new Promise<void>((resolve) => port.once('close', () => resolve()));
  return {
    threadId: () => threadId,
    drained: () => Promise.race([closed, new Promise<void>((resolve) => setTimeout(resolve, EVENTS_DRAIN_MS).unref())]),
  };
}

/** Terminates the pool thread `threadId` once, however many of its agents are killed. */
function terminateThread(pool: Piscina, threadId: number | undefined): void {
  const thread = threadId === undefined ? undefined : pool.threads.find((t) => t.threadId === threadId);
  if (thread && !terminated.has(thread)) {
    terminated.add(thread);
    void thread.terminate();
  }
}

/** Starts the verifier on `pool`; every event it sends goes to `emit`. */
export function startVerifier<T>(
  pool: Piscina,
  spec: WorkerSpec,
  emit: WorkerEmit,
  hooks: WorkerHooks = {},
): StartedWorker<T> {
  const controlChannel = new MessageChannel();
  const eventsChannel = new MessageChannel();
  const events = listen(eventsChannel.port1, emit, (message) => hooks.intercept?.(0, message));
  const kill = new AbortController();
  const done = (
    pool.run(
      { init: spec, controlPort: controlChannel.port2, eventsPort: eventsChannel.port2 },
      { transferList: [controlChannel.port2, eventsChannel.port2] as never, signal: kill.signal },
    ) as Promise<T>
  ).finally(async () => {
    controlChannel.port1.close();
    await events.drained();
    eventsChannel.port1.close();
    hooks.ended?.(0);
  });
  return { id: 0, control: wrapPort<WorkerControl>(controlChannel.port1), done, kill };
}

/** An agent of a group, main side. */
interface GroupMember {
  started: StartedWorker<AgentOutput>;
  resolve: (output: AgentOutput) => void;
  reject: (error: unknown) => void;
  ended: boolean;
}

/**
 * Agents hosted by one piscina task. The task ends when the main thread closes it, which it does
 * once every agent it placed there has ended; until then {@link host} can add agents to it.
 */
export class AgentGroup {
  private readonly members = new Map<number, GroupMember>();
  private readonly port: MessagePort;
  private readonly events: ReturnType<typeof listen>;
  private live = 0;
  private closing = false;
  private readonly journal: CompletionJournal;
  /** Completions the group's events delivered (in journal order: one port, in order). */
  private delivered = 0;
  /** Settles when the task ended (its thread died, or it was closed). */
  readonly finished: Promise<void>;

  constructor(
    private readonly pool: Piscina,
    spec: WorkerSpec,
    agentIds: readonly number[],
    private readonly emit: WorkerEmit,
    private readonly hooks: WorkerHooks,
    /** One agent per thread: a kill aborts the task (piscina terminates its thread), else the thread is terminated. */
    private readonly dedicated: boolean,
  ) {
    const channel = new MessageChannel();
    this.port = channel.port1;
    // Room for far more completions than one turn of the thread's event loop makes.
    this.journal = new CompletionJournal(Math.max(256, 16 * agentIds.length));
    this.events = listen(
      this.port,
      (event, stampedAt) => {
        if (event.type === 'task.completed') this.delivered++;
        emit(event, stampedAt);
      },
      (message) => this.onMessage(message),
    );
    const kill = this.killSwitch();
    for (const id of agentIds) this.add(id, kill);
    const run = pool.run(
      { init: spec, agentIds, eventsPort: channel.port2, journal: this.journal.buffer },
      { transferList: [channel.port2] as never, ...(dedicated ? { signal: kill.signal } : {}) },
    ) as Promise<unknown>;
    this.finished = run.then(
      () => this.settleRest(undefined),
      (error: unknown) => this.settleRest(error),
    );
  }

  /** Whether agents can still be added (the task is not closing). */
  get open(): boolean {
    return !this.closing;
  }

  /** Agents placed here that have not ended. */
  get size(): number {
    return this.live;
  }

  /** The handle of agent `agentId`, placed here. */
  agent(agentId: number): StartedWorker<AgentOutput> {
    return this.members.get(agentId)!.started;
  }

  /** Hosts agent `agentId` here too; undefined when the group is closing (start a new one). */
  host(agentId: number): StartedWorker<AgentOutput> | undefined {
    if (this.closing) return undefined;
    const started = this.add(agentId, this.killSwitch());
    this.port.postMessage({ host: agentId } satisfies HostMessage);
    return started;
  }

  /**
   * What kills agents of this group: in a dedicated group piscina aborts the task (terminating its
   * thread); otherwise the thread is terminated, with every agent it hosts.
   */
  private killSwitch(): AbortController {
    const kill = new AbortController();
    if (!this.dedicated)
      kill.signal.addEventListener('abort', () => terminateThread(this.pool, this.events.threadId()), { once: true });
    return kill;
  }

  private add(agentId: number, kill: AbortController): StartedWorker<AgentOutput> {
    let resolve!: (output: AgentOutput) => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<AgentOutput>((res, rej) => ((resolve = res), (reject = rej)));
    const started: StartedWorker<AgentOutput> = {
      id: agentId,
      done,
      kill,
      control: {
        stop: (reason) => {
          if (!member.ended && !this.closing)
            this.port.postMessage({ stop: reason ?? null, agentId } satisfies StopMessage);
          return Promise.resolve();
        },
        [releaseProxy]() {},
      },
    };
    const member: GroupMember = { started, resolve, reject, ended: false };
    this.members.set(agentId, member);
    this.live++;
    return started;
  }

  private onMessage(message: unknown): void {
    if (isSpanBatchOf(message)) this.hooks.intercept?.(message.spansOf, message.batch);
    else if (isAgentEnded(message)) {
      const member = this.members.get(message.ended);
      if (!member || member.ended) return;
      if (message.error !== undefined) this.end(member, undefined, new Error(message.error));
      else this.end(member, message.output, undefined);
    } else this.hooks.intercept?.(0, message);
  }

  private end(member: GroupMember, output: AgentOutput | undefined, error: unknown): void {
    member.ended = true;
    this.live--;
    this.hooks.ended?.(member.started.id);
    if (error === undefined) member.resolve(output!);
    else member.reject(error);
    // Every agent placed here has ended: nothing more can be hosted, and the task can end.
    if (this.live === 0 && !this.closing) {
      this.closing = true;
      this.port.postMessage({ close: true } satisfies CloseMessage);
    }
  }

  /** The task ended: its last messages are read, then any agent that did not report its end failed with it. */
  private async settleRest(error: unknown): Promise<void> {
    this.closing = true;
    await this.events.drained();
    this.port.close();
    // Completions whose events died with the thread (its last turn's batch), as the journal has them.
    for (const { agentId, taskId, stampedAt } of this.journal.since(this.delivered))
      this.emit({ type: 'task.completed', agentId, taskId }, stampedAt);
    for (const member of this.members.values())
      if (!member.ended) this.end(member, undefined, error ?? new Error('its task ended without reporting the agent'));
  }
}
