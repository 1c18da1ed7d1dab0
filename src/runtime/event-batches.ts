/**
 * Event batches shared by the agents of one run on one thread. A thread hosting hundreds of agents
 * posts one batch per turn for all of them (postMessage costs tens of µs per call), over whichever of
 * their events ports is open, so an agent's events can travel on another agent's port. Messages on
 * different ports are not ordered, so batches are numbered per shared batch, and an agent's last
 * message on its own port names the batch number its events end at: the main thread counts an agent
 * drained once its port closed and every batch up to that number arrived, whatever port carried it.
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
}

/** True for an {@link EventBatch}. */
export function isEventBatch(message: unknown): message is EventBatch {
  return typeof message === 'object' && message !== null && Array.isArray((message as EventBatch).events);
}

/** True for an {@link EventsDrain}. */
export function isEventsDrain(message: unknown): message is EventsDrain {
  return typeof (message as Partial<EventsDrain> | null)?.lastSeq === 'number';
}

/** What the main thread has received of one shared batch. */
interface Received {
  /** Every batch below it arrived. */
  next: number;
  /** Batches above `next` that arrived early (on a port processed before the one carrying `next`). */
  early: Set<number>;
  waiters: Array<{ seq: number; resolve: () => void }>;
  /** The shared batch's last batch number, once its last agent said so. */
  final: number | undefined;
}

/** Main-thread bookkeeping of the shared batches of every worker thread. */
export class BatchArrivals {
  private readonly batches = new Map<string, Received>();

  /** Records that batch `seq` of `batch` arrived. */
  arrived(batch: string, seq: number): void {
    const r = this.get(batch);
    if (seq !== r.next) {
      if (seq > r.next) r.early.add(seq);
      return;
    }
    r.next++;
    while (r.early.delete(r.next)) r.next++;
    if (r.waiters.length > 0) {
      const due = r.waiters.filter((w) => w.seq < r.next);
      r.waiters = r.waiters.filter((w) => w.seq >= r.next);
      for (const w of due) w.resolve();
    }
    this.forgetIfDone(batch, r);
  }

  /** Resolves once every batch of `drain.batch` up to `drain.lastSeq` arrived. */
  drained(drain: EventsDrain): Promise<void> {
    const r = this.get(drain.batch);
    if (drain.last) r.final = drain.lastSeq;
    const promise =
      drain.lastSeq < r.next
        ? Promise.resolve()
        : new Promise<void>((resolve) => r.waiters.push({ seq: drain.lastSeq, resolve }));
    this.forgetIfDone(drain.batch, r);
    return promise;
  }

  /** Shared batches still tracked (for tests). */
  get size(): number {
    return this.batches.size;
  }

  private get(batch: string): Received {
    let r = this.batches.get(batch);
    if (!r) this.batches.set(batch, (r = { next: 1, early: new Set(), waiters: [], final: undefined }));
    return r;
  }

  private forgetIfDone(batch: string, r: Received): void {
    if (r.final !== undefined && r.next > r.final && r.waiters.length === 0) this.batches.delete(batch);
  }
}
