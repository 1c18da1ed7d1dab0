/** The agent end a task's events port carries, alone or at the end of an event batch (as the main thread reads it). */
import { isEventBatch } from '../../src/runtime/event-batches.js';
import type { AgentEnded } from '../../src/runtime/worker-start.js';

/** The (last) agent end in `message`, if it carries one. */
export function endOf(message: unknown): AgentEnded | undefined {
  if (isEventBatch(message)) return message.ended?.at(-1);
  return typeof (message as Partial<AgentEnded> | null)?.ended === 'number' ? (message as AgentEnded) : undefined;
}
