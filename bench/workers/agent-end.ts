/** The agent end a task's events port carries at the end of an event batch (as the main thread reads it). */
import { isEventBatch } from '../../src/runtime/event-batches.js';
import type { AgentEnded } from '../../src/runtime/worker-start.js';

/** The (last) agent end in `message`, if it is an event batch that carries one. */
export function endOf(message: unknown): AgentEnded | undefined {
  return isEventBatch(message) ? message.ended?.at(-1) : undefined;
}
