/**
 * What a worker task posts its events in: one batch per turn of its event loop, for every agent the
 * task hosts (see actors/thread-events.ts). Batches of one task travel on its own events port, in order.
 */
import type { WorkerEvent } from './events.js';
import type { AgentEnded } from './worker-start.js';

/**
 * Events of one task's agents (or the verifier), posted on its events port; then the ends of agents
 * whose last events these are (a thread releasing hundreds of agents at a round's end posts their ends
 * in a few batches, not a message each).
 */
export interface EventBatch {
  events: WorkerEvent[];
  /**
   * When each event happened (ms on the process-wide monotonic clock, `monotonicMs`), stamped by the
   * thread where it happened: events travel in batches, so the time they reach the main thread says
   * nothing about a state's length. Beside the events rather than in them, so no event object grows
   * a property on its way.
   */
  stamps: number[];
  ended?: AgentEnded[];
}

/** True for an {@link EventBatch}. */
export function isEventBatch(message: unknown): message is EventBatch {
  return typeof message === 'object' && message !== null && Array.isArray((message as EventBatch).events);
}
