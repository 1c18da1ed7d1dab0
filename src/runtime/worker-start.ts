/**
 * Starting one swarm worker (an agent or the verifier) as a piscina task, with its comlink control
 * port and its events port. Main-thread side only.
 */
import { MessageChannel, type Worker } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { releaseProxy, wrapPort } from '../internal/comlink.js';
import type { WorkerEvent } from './events.js';
import { BatchArrivals, GAP_MS, isEventBatch, isEventsDrain } from './event-batches.js';
import type { ProtocolRef } from '../protocols/registry.js';
import type { ModelRef, ResolvedSwarmOptions } from './options.js';
import type { RunHandles } from './substrate.js';
import type { WorkerTraceInit } from '../telemetry/span-wire.js';

/** The first message on a worker's events port: the thread it runs on (the rest are event and span batches). */
export interface ThreadAnnouncement {
  threadId: number;
}

const isThreadAnnouncement = (message: unknown): message is ThreadAnnouncement =>
  typeof (message as Partial<ThreadAnnouncement> | null)?.threadId === 'number';

/** Which event batches of each thread's shared batches arrived (see event-batches.ts). */
const arrivals = new BatchArrivals();

/**
 * Forgets thread `threadId`'s event batches once its stragglers had time to arrive: a thread that
 * ended (terminated, or crashed) never sends its agents' last batches. Call when a pool's thread is gone.
 */
export function forgetThreadEvents(threadId: number): void {
  setTimeout(() => arrivals.forgetThread(threadId), EVENTS_DRAIN_MS + GAP_MS).unref();
}

/** Shared event batches the main thread still tracks, of every thread (for tests). */
export function trackedEventBatches(): number {
  return arrivals.size;
}

/** Shared threads already told to terminate. */
const terminated = new WeakSet<Worker>();

/** Longest wait for a finished worker's last events (its port normally closes within a turn). */
const EVENTS_DRAIN_MS = 1_000;

/** Control surface of a worker. */
export interface WorkerControl {
  stop(reason?: string): void;
}

/** Control handle of a worker, as the main thread holds it: asks it to stop; `releaseProxy` lets the handle go. */
export interface WorkerControlHandle {
  stop(reason?: string): Promise<void>;
  [releaseProxy](): void;
}

/**
 * What the main thread posts on an agent's events port to stop it: an agent has no control port of
 * its own (the events port runs both ways), which spares a MessageChannel, its transfer and a comlink
 * endpoint on both sides per agent per run — a thread hosting hundreds of agents starts them every run.
 */
export interface StopMessage {
  stop: string | null;
}

/** True for a {@link StopMessage}. */
export function isStopMessage(message: unknown): message is StopMessage {
  const stop = (message as Partial<StopMessage> | null)?.stop;
  return stop === null || typeof stop === 'string';
}

/** A started worker: its control, its completion, and the means to terminate it. */
export interface StartedWorker<T> {
  id: number;
  control: WorkerControlHandle;
  /** Settles once the worker's task ended and its last events were delivered (or {@link EVENTS_DRAIN_MS} passed). */
  done: Promise<T>;
  /** Aborting terminates the worker's thread (with every other agent it hosts). */
  kill: AbortController;
}

/** What a worker is started with. */
export interface WorkerSpec {
  role: 'agent' | 'verifier';
  agentId: number;
  handles: RunHandles;
  options: ResolvedSwarmOptions;
  protocol: ProtocolRef;
  model: ModelRef | undefined;
  /** Trace context for the worker's spans (absent when tracing is off). */
  telemetry?: WorkerTraceInit | undefined;
  /** The run's id (agents of a run that share a thread share its ledger view). */
  runId?: string | undefined;
}

/** Optional hooks on a worker's event stream. */
export interface WorkerHooks {
  /** Sees every batch first; returning true consumes it (telemetry's span batches). */
  intercept?: (message: unknown) => boolean;
  /** Called once the worker ended and its last events were delivered. */
  ended?: () => void;
}

/** Starts `spec` on `pool`; every event the worker sends goes to `emit`. */
export function startWorker<T>(
  pool: Piscina,
  spec: WorkerSpec,
  emit: (event: WorkerEvent) => void,
  hooks: WorkerHooks = {},
): StartedWorker<T> {
  // The verifier serves its control over comlink on a port of its own; an agent is stopped over its events port.
  const controlChannel = spec.role === 'verifier' ? new MessageChannel() : undefined;
  const eventsChannel = new MessageChannel();
  let threadId: number | undefined;
  let lastBatch: Promise<void> | undefined;
  // Four kinds of message: the thread's announcement, span batches (for `intercept`), event batches
  // (this worker's and other agents' of its run on its thread), and last the batch its events end at.
  eventsChannel.port1.on('message', (message: unknown) => {
    if (isEventBatch(message)) arrivals.arrived(message.batch, message.seq, () => message.events.forEach(emit));
    else if (isThreadAnnouncement(message)) threadId = message.threadId;
    else if (isEventsDrain(message)) lastBatch = arrivals.drained(message);
    else hooks.intercept?.(message);
  });
  const kill = new AbortController();
  // Piscina runs an abortable task alone on its thread (aborting it terminates the thread). Where
  // agents share threads, a kill terminates the thread itself: its other agents die with it, and are
  // replaced like any crashed agent. Before the thread announced itself the agent has not started.
  const shared = pool.options.concurrentTasksPerWorker > 1;
  if (shared)
    kill.signal.addEventListener(
      'abort',
      () => {
        const thread = pool.threads.find((t) => t.threadId === threadId && threadId !== undefined);
        // Killing a thread's agents one by one terminates it once.
        if (thread && !terminated.has(thread)) {
          terminated.add(thread);
          void thread.terminate();
        }
      },
      { once: true },
    );
  // The worker closes its end of the events port after its last batch; the port's 'close' comes after
  // every message sent before it, so waiting for it keeps a worker's last events before the run's end.
  // Its events may travel on other agents' ports: the last batch it named must have arrived too.
  const eventsDrained = new Promise<void>((resolve) => eventsChannel.port1.once('close', () => resolve())).then(
    () => lastBatch,
  );
  const drained = () =>
    Promise.race([eventsDrained, new Promise<void>((resolve) => setTimeout(resolve, EVENTS_DRAIN_MS).unref())]);
  let ended = false;
  const done = (
    pool.run(
      controlChannel
        ? { init: spec, controlPort: controlChannel.port2, eventsPort: eventsChannel.port2 }
        : { init: spec, eventsPort: eventsChannel.port2 },
      {
        transferList: (controlChannel ? [controlChannel.port2, eventsChannel.port2] : [eventsChannel.port2]) as never,
        ...(shared ? {} : { signal: kill.signal }),
      },
    ) as Promise<T>
  ).finally(async () => {
    ended = true;
    controlChannel?.port1.close();
    await drained();
    eventsChannel.port1.close();
    hooks.ended?.();
  });
  const control: WorkerControlHandle = controlChannel
    ? wrapPort<WorkerControl>(controlChannel.port1)
    : {
        stop(reason) {
          if (!ended) eventsChannel.port1.postMessage({ stop: reason ?? null } satisfies StopMessage);
          return Promise.resolve();
        },
        [releaseProxy]() {},
      };
  return { id: spec.agentId, control, done, kill };
}
