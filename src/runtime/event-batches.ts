/**
 * What a worker task posts its events in: one batch per turn of its event loop, for every agent the
 * task hosts (see actors/thread-events.ts). Batches of one task travel on its own events port, in order.
 *
 * State changes, about half of all events, travel as numbers: `agentId × STATE_CODES + code`, the
 * code indexing the names this port has carried (each name is sent once, in the batch that first uses
 * it). A structured clone writes each object's keys and strings out in full, and the main thread reads
 * every thread's events: 1,000 agents on 2 threads cost it 57–59 ms a run so, 67–70 as objects. The
 * other events of every sub-task (`task.claimed`, `usage`, `proposal`, `task.completed`, and the
 * verifier's `commit`) travel as numbers too, in the batch's `fields`, a commit's text in its `texts`
 * (see {@link packEvent}): as objects, serialising one cost its thread ~0.7 µs and reading it the main
 * thread ~1.1 µs (`v8.serialize` of a batch of them), 20,000 a 1,000-agent run.
 */
import type { WorkerEvent } from './events.js';
import type { AgentEnded } from './worker-start.js';

/**
 * Distinct names (of states, and those packed events carry) one port can code; an event with a name
 * past them travels as an object.
 */
export const STATE_CODES = 1024;

/** A state change as it travels: agent `agentId` entered the state coded `code`. */
export const packState = (agentId: number, code: number): number => agentId * STATE_CODES + code;

/**
 * Events of one task's agents (or the verifier), posted on its events port; then the ends of agents
 * whose last events these are (a thread releasing hundreds of agents at a round's end posts their ends
 * in a few batches, not a message each).
 */
export interface EventBatch {
  /**
   * Events in order: objects, state changes packed by {@link packState} (numbers ≥ 0), or events
   * packed into `fields` by {@link packEvent} (negative numbers: `-1 - ` where their fields start).
   */
  events: (WorkerEvent | number)[];
  /** The fields of the events packed by {@link packEvent}, one after the other. */
  fields?: number[];
  /** The texts of the packed `commit` events, which their fields index. */
  texts?: string[];
  /**
   * When each event happened (ms on the process-wide monotonic clock, `monotonicMs`), stamped by the
   * thread where it happened: events travel in batches, so the time they reach the main thread says
   * nothing about a state's length. Beside the events rather than in them, so no event object grows
   * a property on its way.
   */
  stamps: number[];
  /**
   * Names (of states; a usage event's role and model; a commit's kind and labels) first used in this
   * batch, coded from `from` (the number of names the port carried before it) on.
   */
  named?: { from: number; names: string[] };
  ended?: AgentEnded[];
}

/** The type code, in `fields`, of each event type {@link packEvent} packs. */
const PACKED = { 'task.claimed': 0, 'task.completed': 1, proposal: 2, usage: 3, commit: 4 } as const;

/**
 * Appends the fields of `event` to `fields` as numbers (names coded by `code`, a commit's text
 * appended to `texts` and indexed; absent numbers as NaN, an absent text or list as -1) and returns
 * where it goes in the batch's `events`: `-1 - ` its first field's index. Undefined for an event that
 * travels as an object: not of a packed type, or with a name `code` cannot code.
 */
export function packEvent(
  event: WorkerEvent,
  fields: number[],
  texts: string[],
  code: (name: string) => number | undefined,
): number | undefined {
  const at = fields.length;
  switch (event.type) {
    case 'task.claimed':
      fields.push(
        PACKED['task.claimed'],
        event.agentId,
        event.taskId,
        event.attempt,
        event.leaseMs ?? Number.NaN,
        event.generation ?? Number.NaN,
      );
      break;
    case 'task.completed':
    case 'proposal':
      fields.push(PACKED[event.type], event.agentId, event.taskId);
      break;
    case 'usage': {
      const role = code(event.role);
      const model = role === undefined ? undefined : code(event.model);
      if (model === undefined) return undefined;
      fields.push(
        PACKED.usage,
        event.agentId,
        role!,
        model,
        event.taskId ?? Number.NaN,
        event.inputTokens,
        event.outputTokens,
        event.cachedInputTokens,
        event.costUsd,
        event.latencyMs,
      );
      break;
    }
    case 'commit': {
      const { labels, text } = event;
      const kind = code(event.kind);
      if (kind === undefined) return undefined;
      if (labels) for (const label of labels) if (code(label) === undefined) return undefined;
      fields.push(
        PACKED.commit,
        event.entryId,
        kind,
        event.authorId,
        event.taskId,
        event.level ?? Number.NaN,
        event.parentId ?? Number.NaN,
        event.chars ?? Number.NaN,
        event.waitedMs ?? Number.NaN,
        event.latencyMs ?? Number.NaN,
        text === undefined ? -1 : texts.push(text) - 1,
        labels === undefined ? -1 : labels.length,
      );
      if (labels) for (const label of labels) fields.push(code(label)!);
      break;
    }
    default:
      return undefined;
  }
  return -1 - at;
}

/** True for an {@link EventBatch}. */
export function isEventBatch(message: unknown): message is EventBatch {
  return typeof message === 'object' && message !== null && Array.isArray((message as EventBatch).events);
}

/** Reads the batches of one events port, in order: it keeps the names the port has carried. */
export class EventBatchReader {
  private readonly names: string[] = [];

  /** Calls `emit` with each event of `batch` (packed ones as the objects they were) and its stamp. */
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
      else if (event < 0) emit(this.unpack(batch, -1 - event), stamps[i]);
      else {
        const code = event % STATE_CODES;
        emit({ type: 'agent.state', agentId: (event - code) / STATE_CODES, state: this.name(code) }, stamps[i]);
      }
    }
  }

  private name(code: number): string {
    const name = this.names[code];
    if (name === undefined) throw new Error(`event batch: name code ${code} was never named on this port`);
    return name;
  }

  /** The event {@link packEvent} packed from `batch.fields[at]` on. */
  private unpack(batch: EventBatch, at: number): WorkerEvent {
    const fields = batch.fields ?? [];
    const field = (i: number): number => {
      const value = fields[at + i];
      if (value === undefined) throw new Error(`event batch: no field ${at + i} for the event packed at ${at}`);
      return value;
    };
    const type = field(0);
    if (type === PACKED['task.claimed']) {
      const [leaseMs, generation] = [field(4), field(5)];
      return {
        type: 'task.claimed',
        agentId: field(1),
        taskId: field(2),
        attempt: field(3),
        ...(Number.isNaN(leaseMs) ? {} : { leaseMs }),
        ...(Number.isNaN(generation) ? {} : { generation }),
      };
    }
    if (type === PACKED['task.completed']) return { type: 'task.completed', agentId: field(1), taskId: field(2) };
    if (type === PACKED.proposal) return { type: 'proposal', agentId: field(1), taskId: field(2) };
    if (type === PACKED.usage) {
      const taskId = field(4);
      return {
        type: 'usage',
        agentId: field(1),
        role: this.name(field(2)),
        model: this.name(field(3)),
        taskId: Number.isNaN(taskId) ? undefined : taskId,
        inputTokens: field(5),
        outputTokens: field(6),
        cachedInputTokens: field(7),
        costUsd: field(8),
        latencyMs: field(9),
      };
    }
    if (type === PACKED.commit) return this.unpackCommit(field, batch.texts ?? []);
    throw new Error(`event batch: no packed event type ${type}`);
  }

  /** A packed `commit`, its keys in the order the verifier writes them. */
  private unpackCommit(field: (i: number) => number, texts: readonly string[]): WorkerEvent {
    const commit: Extract<WorkerEvent, { type: 'commit' }> = {
      type: 'commit',
      entryId: field(1),
      kind: this.name(field(2)),
      authorId: field(3),
      taskId: field(4),
    };
    const level = field(5);
    const parentId = field(6);
    const chars = field(7);
    const waitedMs = field(8);
    const latencyMs = field(9);
    const text = field(10);
    const labels = field(11);
    if (!Number.isNaN(level)) commit.level = level;
    if (!Number.isNaN(parentId)) commit.parentId = parentId;
    if (text >= 0) {
      const value = texts[text];
      if (value === undefined) throw new Error(`event batch: no text ${text} for a packed commit`);
      commit.text = value;
    }
    if (!Number.isNaN(chars)) commit.chars = chars;
    if (labels >= 0) commit.labels = Array.from({ length: labels }, (_, i) => this.name(field(12 + i)));
    if (!Number.isNaN(waitedMs)) commit.waitedMs = waitedMs;
    if (!Number.isNaN(latencyMs)) commit.latencyMs = latencyMs;
    return commit;
  }
}
