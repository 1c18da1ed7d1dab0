/**
 * Worker side of the shared event batches (src/runtime/event-batches.ts): the agents of one run on
 * this thread put their events in one batch, posted once per turn of the event loop over any of their
 * events ports, or at once for an urgent event over the emitting agent's own port.
 */
import { threadId, type MessagePort } from 'node:worker_threads';
import type { EventBatch, EventsDrain } from '../src/runtime/event-batches.js';
import type { WorkerEvent } from '../src/runtime/events.js';

let created = 0;

/** One batch of events shared by the agents that joined it. */
export class SharedEventBatch {
  /** Unique in the process: threads have distinct ids, and a thread numbers its batches. */
  readonly key = `${threadId}:${++created}`;
  private events: WorkerEvent[] = [];
  private seq = 0;
  private scheduled = false;
  private joined = 0;
  private readonly ports = new Set<MessagePort>();

  /** An agent with events port `port` uses this batch from now on. */
  join(port: MessagePort): void {
    this.ports.add(port);
    this.joined++;
  }

  /** Adds `event`; posts the batch now over `port` (the emitting agent's) when urgent, else at the end of the turn. */
  push(event: WorkerEvent, port: MessagePort, urgent: boolean): void {
    this.events.push(event);
    if (urgent) this.post(port);
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.postAny);
    }
  }

  /** The agent with `port` leaves: posts what is pending over it, then what its port's last message must say. */
  leave(port: MessagePort): EventsDrain {
    this.ports.delete(port);
    this.post(port);
    return { batch: this.key, lastSeq: this.seq, last: this.ports.size === 0, agents: this.joined };
  }

  /** True once every agent that joined left. */
  get empty(): boolean {
    return this.ports.size === 0;
  }

  private readonly postAny = () => {
    this.scheduled = false;
    const [port] = this.ports;
    if (port) this.post(port);
  };

  private post(port: MessagePort): void {
    if (this.events.length === 0) return;
    const events = this.events;
    this.events = [];
    port.postMessage({ batch: this.key, seq: ++this.seq, events } satisfies EventBatch);
  }
}

/** The shared batch of each run this thread hosts agents of. */
const byRun = new Map<string, SharedEventBatch>();
/** The batch each joined events port posts in. */
const byPort = new Map<MessagePort, { batch: SharedEventBatch; runId: string | undefined }>();

/**
 * The batch the agent with events port `port` posts its events in: its run's shared batch on this
 * thread, or one of its own when it has no run id (a verifier, or a host outside a swarm run).
 */
export function joinEventBatch(runId: string | undefined, port: MessagePort): SharedEventBatch {
  let batch = runId === undefined ? undefined : byRun.get(runId);
  if (!batch) {
    batch = new SharedEventBatch();
    if (runId !== undefined) byRun.set(runId, batch);
  }
  batch.join(port);
  byPort.set(port, { batch, runId });
  return batch;
}

/**
 * The agent with events port `port` leaves its batch, posting what is pending over its port; returns
 * what its port's last message must say, or undefined if it had left already (or never joined). The
 * worker's task calls it when the agent ends however it ends, so no batch keeps a port nobody closes.
 */
export function leaveEventBatch(port: MessagePort): EventsDrain | undefined {
  const joined = byPort.get(port);
  if (!joined) return undefined;
  byPort.delete(port);
  const { batch, runId } = joined;
  const drain = batch.leave(port);
  if (batch.empty && runId !== undefined && byRun.get(runId) === batch) byRun.delete(runId);
  return drain;
}
