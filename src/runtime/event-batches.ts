/**
 * Event batches shared by the agents of one run on one thread. A thread hosting hundreds of agents
 * posts one batch per turn for all of them (postMessage costs tens of µs per call), over whichever of
 * their events ports is open, so an agent's events can travel on another agent's port. Messages on
 * different ports are not ordered, so batches are numbered per shared batch: the main thread delivers
 * them in that order, and an agent's last message on its own port names the batch number its events
 * end at, so it counts an agent drained once its port closed and every batch up to that number was
 * delivered, whatever port carried it.
 */
import type { WorkerEvent } from './events.js';

/** Events of one or more agents of a run, posted on one of their events ports. */
export interface EventBatch {
  /** The shared batch they belong to (unique in the process: the thread and a counter). */
  batch: string;
  /** 1, 2, 3, … per shared batch. */
  seq: number;
  events: WorkerEvent[];
}

/** An agent's last message on its events port: its events end at batch `lastSeq` of `batch`. */
export interface EventsDrain {
  batch: string;
  lastSeq: number;
  /** No agent uses the shared batch any more: `lastSeq` is its last batch. */
  last: boolean;
  /** Agents that joined the shared batch so far (with `last`: all that ever will). */
  agents: number;
}

/** True for an {@link EventBatch}. */
export function isEventBatch(message: unknown): message is EventBatch {
  return typeof message === 'object' && message !== null && Array.isArray((message as EventBatch).events);
}

/** True for an {@link EventsDrain}. */
export function isEventsDrain(message: unknown): message is EventsDrain {
  return typeof (message as Partial<EventsDrain> | null)?.lastSeq === 'number';
}

/** Longest a batch waits for an earlier one that has not arrived (its port was closed unread, say). */
export const GAP_MS = 1_000;

/** What the main thread has received of one shared batch. */
interface Received {
  /** Every batch below it was delivered (or given up on). */
  next: number;
  /** Batches above `next` that arrived early (on a port processed before the one carrying `next`), held back. */
  held: Map<number, () => void>;
  gapTimer: NodeJS.Timeout | undefined;
  waiters: Array<{ seq: number; resolve: () => void }>;
  /** The shared batch's last batch number and how many agents used it, once its last agent said so. */
  final: { seq: number; agents: number } | undefined;
  /** Drains received: another agent's may come after the last agent's, over a port read later. */
  drains: number;
}

/**
 * Main-thread bookkeeping of the shared batches of every worker thread. Batches are delivered in their
 * order, so each agent's events keep theirs (a claim before its completion) whichever ports carried
 * them; one that overtook an earlier batch waits for it, at most {@link GAP_MS}.
 */
export class BatchArrivals {
  private readonly batches = new Map<string, Received>();

  constructor(private readonly gapMs = GAP_MS) {}

  /** Batch `seq` of `batch` arrived: `deliver` runs now, or once the batches before it were delivered. */
  arrived(batch: string, seq: number, deliver: () => void): void {
    const r = this.get(batch);
    if (seq < r.next) return deliver(); // after a gap given up on: late, but not lost
    if (seq > r.next) {
      r.held.set(seq, deliver);
      r.gapTimer ??= setTimeout(() => this.skipGap(batch), this.gapMs).unref();
      return;
    }
    deliver();
    r.next++;
    this.release(batch, r);
  }

  /** Resolves once every batch of `drain.batch` up to `drain.lastSeq` was delivered. */
  drained(drain: EventsDrain): Promise<void> {
    const r = this.get(drain.batch);
    r.drains++;
    if (drain.last) r.final = { seq: drain.lastSeq, agents: drain.agents };
    const promise =
      drain.lastSeq < r.next
        ? Promise.resolve()
        : new Promise<void>((resolve) => r.waiters.push({ seq: drain.lastSeq, resolve }));
    this.forgetIfDone(drain.batch, r);
    return promise;
  }

  /**
   * Forgets every shared batch of thread `threadId` (keys `<threadId>:<n>`), waking whoever waits on
   * them: for a thread that was terminated, whose agents never send their last batch.
   */
  forgetThread(threadId: number): void {
    const prefix = `${threadId}:`;
    for (const [batch, r] of this.batches) {
      if (!batch.startsWith(prefix)) continue;
      if (r.gapTimer) clearTimeout(r.gapTimer);
      for (const deliver of [...r.held.entries()].sort((a, b) => a[0] - b[0]).map(([, d]) => d)) deliver();
      for (const w of r.waiters) w.resolve();
      this.batches.delete(batch);
    }
  }

  /** Shared batches still tracked (for tests). */
  get size(): number {
    return this.batches.size;
  }

  /** Delivers the held batches that are next in order, then wakes the drains they complete. */
  private release(batch: string, r: Received): void {
    for (let deliver = r.held.get(r.next); deliver; deliver = r.held.get(r.next)) {
      r.held.delete(r.next++);
      deliver();
    }
    if (r.held.size === 0 && r.gapTimer) {
      clearTimeout(r.gapTimer);
      r.gapTimer = undefined;
    }
    if (r.waiters.length > 0) {
      const due = r.waiters.filter((w) => w.seq < r.next);
      r.waiters = r.waiters.filter((w) => w.seq >= r.next);
      for (const w of due) w.resolve();
    }
    this.forgetIfDone(batch, r);
  }

  /** The missing batch did not come: deliver from the earliest held one on. */
  private skipGap(batch: string): void {
    const r = this.batches.get(batch);
    if (!r) return;
    r.gapTimer = undefined;
    if (r.held.size === 0) return;
    r.next = Math.min(...r.held.keys());
    this.release(batch, r);
  }

  private get(batch: string): Received {
    let r = this.batches.get(batch);
    if (!r)
      this.batches.set(
        batch,
        (r = { next: 1, held: new Map(), gapTimer: undefined, waiters: [], final: undefined, drains: 0 }),
      );
    return r;
  }

  /** Forgotten once every agent that used it drained and its last batch was delivered. */
  private forgetIfDone(batch: string, r: Received): void {
    const final = r.final;
    if (final && r.drains >= final.agents && r.next > final.seq && r.waiters.length === 0) this.batches.delete(batch);
  }
}
