/**
 * What a worker task posts its events in: one batch per turn of its event loop, for every agent the
 * task hosts (see actors/thread-events.ts). Batches of one task travel on its own events port, in order.
 *
 * State changes, about half of all events, travel as numbers: `agentId × STATE_CODES + code`, the
 * code indexing the names of states this port has carried (each name is sent once, in the batch that
 * first uses it). A structured clone writes each object's keys and strings out in full, and the main
 * thread reads every thread's events: 1,000 agents on 2 threads cost it 57–59 ms a run so, 67–70 as objects.
 */
import type { WorkerEvent } from './events.js';
import type { AgentEnded } from './worker-start.js';

/** Distinct state names one port can code; a name past them travels as an event object. */
export const STATE_CODES = 1024;

/** A state change as it travels: agent `agentId` entered the state coded `code`. */
export const packState = (agentId: number, code: number): number => agentId * STATE_CODES + code;

/**
 * Events of one task's agents (or the verifier), posted on its events port; then the ends of agents
 * whose last events these are (a thread releasing hundreds of agents at a round's end posts their ends
 * in a few batches, not a message each).
 */
export interface EventBatch {
  /** Events in order: objects, or state changes packed by {@link packState}. */
  events: (WorkerEvent | number)[];
  /**
   * When each event happened (ms on the process-wide monotonic clock, `monotonicMs`), stamped by the
   * thread where it happened: events travel in batches, so the time they reach the main thread says
   * nothing about a state's length. Beside the events rather than in them, so no event object grows
   * a property on its way.
   */
  stamps: number[];
  /** State names first used in this batch, coded from `from` (the number of names the port carried before it) on. */
  named?: { from: number; names: string[] };
  ended?: AgentEnded[];
}

/** True for an {@link EventBatch}. */
export function isEventBatch(message: unknown): message is EventBatch {
  return typeof message === 'object' && message !== null && Array.isArray((message as EventBatch).events);
}

/** Reads the batches of one events port, in order: it keeps the state names the port has carried. */
export class EventBatchReader {
  private readonly names: string[] = [];

  /** Calls `emit` with each event of `batch` (state changes as `agent.state` events) and its stamp. */
  read(batch: EventBatch, emit: (event: WorkerEvent, stampedAt: number | undefined) => void): void {
    if (batch.named) {
      if (batch.named.from !== this.names.length)
        throw new Error(`event batch: names from code ${batch.named.from}, but this port carried ${this.names.length}`);
      for (const name of batch.named.names) this.names.push(name);
    }
    const { events, stamps } = batch;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      if (typeof event !== 'number') emit(event, stamps[i]);
      else {
        const code = event % STATE_CODES;
        const state = this.names[code];
        if (state === undefined) throw new Error(`event batch: state code ${code} was never named on this port`);
        emit({ type: 'agent.state', agentId: (event - code) / STATE_CODES, state }, stamps[i]);
      }
    }
  }
}
