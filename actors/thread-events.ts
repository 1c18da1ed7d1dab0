/**
 * Worker side of a task's events: every agent a piscina task hosts (or the verifier) puts its events
 * in one batch, posted once per turn of the event loop over the task's events port. One port per task
 * keeps each agent's events in order with its end message, whatever else the thread hosts.
 *
 * The events must agree with the queue even when the thread dies next (an uncaught error,
 * `process.exit` in a model, a terminated thread), and the events of a thread's last turn die with
 * it: a completion is also written to the group's journal in shared memory (completion-journal.ts),
 * from which the main thread recovers it; a failure (rare) goes out at once with what is pending.
 * Usage is not urgent: the run's usage is counted in shared memory as calls happen.
 */
import type { MessagePort } from 'node:worker_threads';
import type { CompletionJournal } from '../src/runtime/completion-journal.js';
import { STATE_CODES, packEvent, packState, type EventBatch } from '../src/runtime/event-batches.js';
import type { WorkerEvent } from '../src/runtime/events.js';
import type { AgentEnded } from '../src/runtime/worker-start.js';

/** The events of one task, batched per turn. */
export class EventBatcher {
  private readonly events: (WorkerEvent | number)[] = [];
  /** The fields of the pending events packed as numbers, and their texts (see event-batches.ts). */
  private readonly fields: number[] = [];
  private readonly texts: string[] = [];
  private readonly stamps: number[] = [];
  private readonly ended: AgentEnded[] = [];
  /**
   * Codes of the names this port has carried (states, a usage event's role and model, a commit's kind
   * and labels), and the names new in the pending batch.
   */
  private readonly codes = new Map<string, number>();
  private readonly newNames: string[] = [];
  private scheduled = false;

  constructor(
    private readonly port: MessagePort,
    private readonly journal?: CompletionJournal | undefined,
  ) {}

  /**
   * Adds `event`, which happened at `stampedAt` (`monotonicMs`); posted now for a failed task (or a
   * completion with no journal), else at the end of the turn.
   */
  push(event: WorkerEvent, stampedAt: number): void {
    this.events.push(packEvent(event, this.fields, this.texts, this.code) ?? event);
    this.stamps.push(stampedAt);
    if (event.type === 'task.completed' && this.journal) this.journal.write(event.agentId, event.taskId, stampedAt);
    else if (event.type === 'task.completed' || event.type === 'task.failed') this.flush();
    else this.schedule();
  }

  /** Adds agent `agentId`'s change to `state` at `stampedAt`, packed (see event-batches.ts); posted at the end of the turn. */
  state(agentId: number, state: string, stampedAt: number): void {
    const code = this.code(state);
    if (code === undefined) return this.push({ type: 'agent.state', agentId, state }, stampedAt);
    this.events.push(packState(agentId, code));
    this.stamps.push(stampedAt);
    this.schedule();
  }

  /** The port's code of `name`, named in the pending batch if it is new; undefined once the port can code no more. */
  private readonly code = (name: string): number | undefined => {
    let code = this.codes.get(name);
    if (code === undefined) {
      if (this.codes.size === STATE_CODES) return undefined;
      this.codes.set(name, (code = this.codes.size));
      this.newNames.push(name);
    }
    return code;
  };

  /**
   * Adds an agent's end, after its last events: posted now when `urgent`, else at the end of the turn.
   * An end that dies with its thread is told as the agent failing with it: harmless for a released
   * agent (the run starts a replacement), so only the ends that carry more are urgent.
   */
  end(ended: AgentEnded, urgent: boolean): void {
    this.ended.push(ended);
    if (urgent) this.flush();
    else this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flushScheduled);
  }

  private readonly flushScheduled = (): void => {
    this.scheduled = false;
    this.flush();
  };

  /** Posts what is pending now (before a message that must come after it). */
  readonly flush = (): void => {
    if (this.events.length === 0 && this.ended.length === 0) return;
    const batch: EventBatch = { events: this.events, stamps: this.stamps };
    if (this.fields.length > 0) batch.fields = this.fields;
    if (this.texts.length > 0) batch.texts = this.texts;
    if (this.newNames.length > 0) batch.named = { from: this.codes.size - this.newNames.length, names: this.newNames };
    if (this.ended.length > 0) batch.ended = this.ended;
    try {
      this.port.postMessage(batch);
    } catch (error) {
      // Not sent (an event that cannot be cloned): its new names were never named on the port.
      for (const name of this.newNames) this.codes.delete(name);
      throw error;
    } finally {
      // postMessage has copied the batch: the same arrays take the next one. A new [] per batch changed
      // its elements kind at the first push (objects, fractional stamps), which deoptimised every
      // optimised caller of push once V8 had optimised them.
      this.events.length = 0;
      this.fields.length = 0;
      this.texts.length = 0;
      this.stamps.length = 0;
      this.newNames.length = 0;
      this.ended.length = 0;
    }
  };
}
