/**
 * The task queue on SharedArrayBuffers and Atomics. Any thread that holds the handle can enqueue,
 * claim, complete, fail or release. No locks: every state change of a task is one
 * `Atomics.compareExchange` on its state word, whose generation makes stale leases harmless.
 */
import { z } from 'zod';
import { MANUAL_POLL_MS, ManualClockSchema, msClock, type ClockHandle } from '../internal/clock.js';
import { parseConfig } from '../internal/parse.js';
import { DelmError, LeaseLostError, QueueFullError } from '../errors.js';
import {
  atomicMax,
  atomicMin,
  ensureByteLength,
  growableBuffer,
  int32View,
  waitAsync,
} from '../internal/shared-memory.js';
import {
  BANDS,
  CONTROL_BYTES,
  H,
  QUEUE_MAGIC,
  QUEUE_VERSION,
  S,
  SLOT_WORDS,
  ST,
  generationOf,
  stateOf,
  word,
} from './layout.js';
import type { ClaimOptions, Lease, QueueStats, TaskInput, TaskQueue, TaskRecord, TaskState } from './types.js';
import { extend } from '../internal/extend.js';

/** Structured-cloneable handle: send it to a worker and `SharedTaskQueue.attach` it there. */
export interface QueueHandle {
  readonly kind: 'delm.queue';
  readonly control: SharedArrayBuffer;
  readonly slots: SharedArrayBuffer;
  readonly arena: SharedArrayBuffer;
  readonly bands: readonly SharedArrayBuffer[];
  /** The manual clock the queue was created with; absent: the real clock. */
  readonly clock?: ClockHandle;
}

/** Options of a new queue (validated). */
export const QueueOptionsSchema = z
  .object({
    initialTasks: z.number().int().min(1).default(1024),
    maxTasks: z.number().int().min(1).max(16_000_000).default(1_000_000),
    initialArenaBytes: z
      .number()
      .int()
      .min(64)
      .default(1 << 20),
    maxArenaBytes: z
      .number()
      .int()
      .min(64)
      .max(2 ** 31 - 1)
      .default(256 << 20),
    /** Default lease length in ms. */
    leaseMs: z.number().int().min(1).max(86_400_000).default(30_000),
    /** Claims allowed per task before an expired lease fails it. */
    maxAttempts: z.number().int().min(1).max(1000).default(3),
    /** Time for leases and claim timeouts in every attached thread; default: the real clock (Date.now). */
    clock: ManualClockSchema.optional(),
  })
  .strict();

/** Options of {@link SharedTaskQueue.create}. */
export type QueueOptions = z.input<typeof QueueOptionsSchema>;

const STATE_NAMES: Record<number, TaskState> = {
  [ST.EMPTY]: 'pending',
  [ST.PENDING]: 'pending',
  [ST.CLAIMED]: 'claimed',
  [ST.FINISHING]: 'claimed',
  [ST.DONE]: 'done',
  [ST.FAILED]: 'failed',
};

const MIN_SPIN_ROUNDS = 8;
const DEFAULT_SPIN_MICROS = 50;
const POLLS_PER_ATTEMPT = 256;

/** "Sleep on SEQ while it equals `seq`, for at most `ms`." */
class Sleep {
  constructor(
    readonly seq: number,
    readonly ms: number,
  ) {}
}
const MAX_SLEEP_MS = 1_000;

class SharedLease implements Lease {
  private decoded: string | undefined = undefined;
  constructor(
    private readonly queue: SharedTaskQueue,
    readonly taskId: number,
    readonly generation: number,
    readonly deadline: number,
    readonly attempt: number,
    readonly agentId: number,
    readonly priority: number,
    readonly parentId: number,
  ) {}
  /** Decoded on first use: most hot-path claims never need the text twice. */
  get payload(): string {
    return (this.decoded ??= this.queue.payloadOf(this.taskId));
  }
}

/** Shared-memory implementation of {@link TaskQueue}. */
export class SharedTaskQueue implements TaskQueue {
  readonly handle: QueueHandle;
  private readonly ctl: Int32Array;
  private slots: Int32Array;
  private arenaBytes: Buffer;
  private bands: Int32Array[];
  private epoch: number;
  /** ms on the queue's clock: Date.now, or the ManualClock the queue was created with. */
  private readonly clock: () => number;
  private readonly maxSleepMs: number;
  /**
   * This instance's last full sweep (queue-clock ms) and the nearest live deadline it saw. Until the
   * earlier of that deadline and the sweep's start plus the shortest lease any claim used, no lease
   * can have expired, so a sweep would find nothing (a claim racing the sweep's clock read can make
   * this a scheduling delay late). Pending tasks behind a band's head are not the sweep's to find:
   * whoever leaves one there lowers the head (enqueue, release, retry).
   */
  private sweptAt = Number.NEGATIVE_INFINITY;
  private sweptNext = Number.NEGATIVE_INFINITY;

  private constructor(handle: QueueHandle) {
    this.handle = handle;
    this.ctl = new Int32Array(handle.control);
    if (this.ctl[H.MAGIC] !== QUEUE_MAGIC || this.ctl[H.VERSION] !== QUEUE_VERSION) {
      throw new DelmError('INVALID_ARGUMENT', 'not a delm task queue handle (bad magic or version)');
    }
    this.epoch = new Float64Array(handle.control, 0, 8)[H.EPOCH_F64_INDEX]!;
    this.slots = int32View(handle.slots);
    this.arenaBytes = Buffer.from(handle.arena);
    this.bands = handle.bands.map(int32View);
    this.clock = msClock(handle.clock);
    // On a manual clock time moves only when another thread advances it: re-read it often.
    this.maxSleepMs = handle.clock ? MANUAL_POLL_MS : MAX_SLEEP_MS;
  }

  /** Creates a queue in new shared memory. */
  static create(options: QueueOptions = {}): SharedTaskQueue {
    const o = parseConfig(QueueOptionsSchema, options, 'invalid queue options');
    const initialTasks = Math.min(o.initialTasks, o.maxTasks);
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const ctl = new Int32Array(control);
    ctl[H.MAGIC] = QUEUE_MAGIC;
    ctl[H.VERSION] = QUEUE_VERSION;
    ctl[H.MAX_TASKS] = o.maxTasks;
    ctl[H.MAX_ARENA_BYTES] = o.maxArenaBytes;
    ctl[H.DEFAULT_LEASE_MS] = o.leaseMs;
    ctl[H.MIN_LEASE_MS] = o.leaseMs;
    ctl[H.DEFAULT_MAX_ATTEMPTS] = o.maxAttempts;
    new Float64Array(control, 0, 8)[H.EPOCH_F64_INDEX] = msClock(o.clock?.handle)();
    const handle: QueueHandle = {
      kind: 'delm.queue',
      control,
      slots: growableBuffer(initialTasks * SLOT_WORDS * 4, o.maxTasks * SLOT_WORDS * 4),
      arena: growableBuffer(Math.min(o.initialArenaBytes, o.maxArenaBytes), o.maxArenaBytes),
      bands: Array.from({ length: BANDS }, () => growableBuffer(initialTasks * 4, o.maxTasks * 4)),
    };
    return new SharedTaskQueue(o.clock ? extend(handle, { clock: o.clock.handle }) : handle);
  }

  /**
   * Empties the queue for reuse by a new run (keeping its memory: a long-running swarm allocates its
   * queues once), with a new epoch so relative deadlines never overflow. Only safe when no other
   * thread uses the queue any more.
   */
  reset(): void {
    new Int32Array(this.handle.slots).fill(0);
    for (const band of this.handle.bands) new Int32Array(band).fill(0);
    this.ctl.fill(0, H.TAIL);
    const epoch = this.clock();
    new Float64Array(this.handle.control, 0, 8)[H.EPOCH_F64_INDEX] = epoch;
    this.epoch = epoch;
    this.slots = int32View(this.handle.slots);
    this.bands = this.handle.bands.map(int32View);
  }

  /** Opens a queue created elsewhere (another thread) from its handle. */
  static attach(handle: QueueHandle): SharedTaskQueue {
    return new SharedTaskQueue(handle);
  }

  /** ms on the queue's clock for a queue-relative time. */
  private toWallClock(relative: number): number {
    return this.epoch + relative;
  }

  private now(): number {
    return this.clock() - this.epoch;
  }

  // Fixed-length views (see int32View), refreshed when an index falls beyond them: buffers only grow.
  private slotView(id: number): Int32Array {
    if ((id + 1) * SLOT_WORDS > this.slots.length) this.slots = int32View(this.handle.slots);
    return this.slots;
  }

  private bandView(band: number, pos: number): Int32Array {
    let view = this.bands[band]!;
    if (pos >= view.length) view = this.bands[band] = int32View(this.handle.bands[band]!);
    return view;
  }

  private arena(end: number): Buffer {
    if (end > this.arenaBytes.length) this.arenaBytes = Buffer.from(this.handle.arena);
    return this.arenaBytes;
  }

  /** Reserves `length` arena bytes; returns the offset. */
  private allocate(length: number): number {
    const max = this.ctl[H.MAX_ARENA_BYTES]!;
    for (;;) {
      const used = Atomics.load(this.ctl, H.ARENA_USED);
      if (used + length > max) throw new QueueFullError(used + length, max, 'bytes');
      if (Atomics.compareExchange(this.ctl, H.ARENA_USED, used, used + length) === used) {
        if (!ensureByteLength(this.handle.arena, used + length)) throw new QueueFullError(used + length, max, 'bytes');
        return used;
      }
    }
  }

  private writeText(text: string): [offset: number, length: number] {
    const length = Buffer.byteLength(text, 'utf8');
    if (length === 0) return [0, 0];
    const offset = this.allocate(length);
    this.arena(offset + length).write(text, offset, length, 'utf8');
    return [offset, length];
  }

  private readText(offset: number, length: number): string {
    return length === 0 ? '' : this.arena(offset + length).toString('utf8', offset, offset + length);
  }

  /**
   * Wakes sleepers, if there are any, after the caller made its change visible: one per new claimable
   * task (waking all of them would be a thundering herd on a few cores), all when the queue drained.
   */
  private wake(count: number): void {
    if (Atomics.load(this.ctl, H.SLEEPERS) > 0) {
      Atomics.add(this.ctl, H.SEQ, 1);
      Atomics.notify(this.ctl, H.SEQ, count);
    }
  }

  /** After a task finished: only a drain is news to sleepers (they wait for work, or for the drain). */
  private wakeIfDrained(open: number): void {
    if (open === 0) this.wake(Number.POSITIVE_INFINITY);
  }

  enqueue(task: TaskInput | string): number {
    if (this.closed) throw new DelmError('CLOSED', 'task queue is closed');
    const input = typeof task === 'string' ? { payload: task } : task;
    const priority = Math.max(0, Math.min(BANDS - 1, Math.trunc(input.priority ?? 1)));
    const maxAttempts = input.maxAttempts ?? this.ctl[H.DEFAULT_MAX_ATTEMPTS]!;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
      throw new DelmError('INVALID_ARGUMENT', `maxAttempts must be a positive integer, got ${maxAttempts}`);
    // Payload first: if the arena is full nothing else has been reserved.
    const [payloadOff, payloadLen] = this.writeText(input.payload);
    const maxTasks = this.ctl[H.MAX_TASKS]!;
    let id: number;
    for (;;) {
      id = Atomics.load(this.ctl, H.TAIL);
      if (id >= maxTasks) throw new QueueFullError(id + 1, maxTasks, 'tasks');
      if (Atomics.compareExchange(this.ctl, H.TAIL, id, id + 1) === id) break;
    }
    if (!ensureByteLength(this.handle.slots, (id + 1) * SLOT_WORDS * 4))
      throw new QueueFullError(id + 1, maxTasks, 'tasks');
    const slots = this.slotView(id);
    const base = id * SLOT_WORDS;
    slots[base + S.PRIORITY] = priority;
    slots[base + S.MAX_ATTEMPTS] = maxAttempts;
    slots[base + S.PAYLOAD_OFF] = payloadOff;
    slots[base + S.PAYLOAD_LEN] = payloadLen;
    slots[base + S.PARENT] = (input.parentId ?? -1) + 1;
    // Open before visible: `isDrained` must never see a claimable task counted as gone.
    Atomics.add(this.ctl, H.OPEN, 1);
    Atomics.store(slots, base + S.STATE, word(0, ST.PENDING));
    const pos = Atomics.add(this.ctl, H.BAND_TAIL + priority * 16, 1);
    Atomics.store(slots, base + S.BAND_POS, pos);
    ensureByteLength(this.handle.bands[priority]!, (pos + 1) * 4);
    Atomics.store(this.bandView(priority, pos), pos, id + 1);
    // A claimer that overshot the band's tail, or gave up waiting for this position, left the head
    // past it: lower the head so the fast path finds the task (sweeps only look for expired leases).
    atomicMin(this.ctl, H.BAND_HEAD + priority * 16, pos);
    this.wake(1);
    return id;
  }

  tryClaim(agentId: number, leaseMs?: number): Lease | undefined {
    if (Atomics.load(this.ctl, H.CLOSED) !== 0) return undefined;
    const lease = leaseMs ?? this.ctl[H.DEFAULT_LEASE_MS]!;
    for (let band = BANDS - 1; band >= 0; band--) {
      const claimed = this.claimPendingIn(band, agentId, lease);
      if (claimed) return claimed;
    }
    return this.claimExpired(agentId, lease).lease;
  }

  /**
   * Fast path: take tickets from the band's head with fetch-and-add, so contending claimers never
   * fight over the same position. A ticket past the tail is handed back; if that races, the head
   * stays past the tail until the next enqueue lowers it to the position it publishes.
   */
  private claimPendingIn(band: number, agentId: number, leaseMs: number): Lease | undefined {
    const headIndex = H.BAND_HEAD + band * 16;
    const tailIndex = H.BAND_TAIL + band * 16;
    for (;;) {
      if (Atomics.load(this.ctl, headIndex) >= Atomics.load(this.ctl, tailIndex)) return undefined;
      const pos = Atomics.add(this.ctl, headIndex, 1);
      if (pos >= Atomics.load(this.ctl, tailIndex)) {
        Atomics.compareExchange(this.ctl, headIndex, pos + 1, pos);
        return undefined;
      }
      const view = pos < this.bands[band]!.length ? this.bands[band]! : this.bandView(band, pos);
      let ref = Atomics.load(view, pos);
      // The producer took this position a few instructions ago and is about to publish it.
      for (let spin = 0; ref === 0 && spin < 1_000; spin++) ref = Atomics.load(view, pos);
      if (ref === 0) continue;
      const id = ref - 1;
      const slots = (id + 1) * SLOT_WORDS <= this.slots.length ? this.slots : this.slotView(id);
      const w = Atomics.load(slots, id * SLOT_WORDS + S.STATE);
      if (stateOf(w) !== ST.PENDING) continue;
      const lease = this.takeOver(id, w, agentId, leaseMs);
      if (lease) return lease;
    }
  }

  /** CAS a pending or expired task (observed as state word `w`) to claimed by `agentId`. */
  private takeOver(id: number, w: number, agentId: number, leaseMs: number): Lease | undefined {
    const slots = this.slotView(id);
    const base = id * SLOT_WORDS;
    const deadline = this.now() + leaseMs;
    // Deadline before the CAS: whoever sees the new state word also sees a live deadline. Until the
    // CAS it only rises, so a claimer that loses the race never shortens the winner's lease.
    const current = Atomics.load(slots, base + S.DEADLINE);
    if (current < deadline) Atomics.compareExchange(slots, base + S.DEADLINE, current, deadline);
    const generation = generationOf(w) + 1;
    // Before the claim is visible: a sweep that missed it must not wait longer than its lease.
    if (leaseMs < Atomics.load(this.ctl, H.MIN_LEASE_MS)) atomicMin(this.ctl, H.MIN_LEASE_MS, leaseMs);
    if (Atomics.compareExchange(slots, base + S.STATE, w, word(generation, ST.CLAIMED)) !== w) return undefined;
    // The CAS made this thread the only writer of the slot until its next state change publishes these.
    // Its own deadline, which may be earlier than one left by a previous holder's longer or extended
    // lease (kept above only so no one saw the claim expired before the CAS).
    Atomics.store(slots, base + S.DEADLINE, deadline);
    const attempt = (slots[base + S.ATTEMPTS] = slots[base + S.ATTEMPTS]! + 1);
    slots[base + S.AGENT] = agentId;
    return new SharedLease(
      this,
      id,
      generation,
      this.toWallClock(deadline),
      attempt,
      agentId,
      slots[base + S.PRIORITY]!,
      slots[base + S.PARENT]! - 1,
    );
  }

  /**
   * Sweeps each band's unfinished window for claims whose lease expired: claims one, or fails it if it
   * used up its attempts. Also advances the bands' low-water marks. Returns the nearest live deadline.
   */
  private claimExpired(
    agentId: number,
    leaseMs: number,
    take = true,
  ): { lease: Lease | undefined; nextDeadline: number } {
    const now = this.now();
    // Nothing can have expired yet: skip the sweep (with many claimers idle at a round's end, each
    // sweeping every in-flight lease on every attempt cost O(claimers²)).
    const quiet = Math.min(this.sweptNext, this.sweptAt + Atomics.load(this.ctl, H.MIN_LEASE_MS));
    if (now < quiet) return { lease: undefined, nextDeadline: this.toWallClock(quiet) };
    let nextDeadline = Number.POSITIVE_INFINITY;
    for (let band = BANDS - 1; band >= 0; band--) {
      const lowIndex = H.BAND_LOW + band * 16;
      const low = Atomics.load(this.ctl, lowIndex);
      const end = Atomics.load(this.ctl, H.BAND_HEAD + band * 16);
      let newLow = low;
      let contiguous = true;
      for (let pos = low; pos < end; pos++) {
        const ref = Atomics.load(this.bandView(band, pos), pos);
        if (ref === 0) {
          contiguous = false;
          continue;
        }
        const id = ref - 1;
        const slots = this.slotView(id);
        const base = id * SLOT_WORDS;
        const w = Atomics.load(slots, base + S.STATE);
        const st = stateOf(w);
        if (st === ST.DONE || st === ST.FAILED) {
          if (contiguous) newLow = pos + 1;
          continue;
        }
        contiguous = false;
        if (st === ST.PENDING) {
          // Released or retried behind the head: lower the head so the fast path finds it next time.
          atomicMin(this.ctl, H.BAND_HEAD + band * 16, pos);
          // Pending here after a lost race, or when not taking: the next attempt sweeps again.
          nextDeadline = now;
          if (!take) continue;
          const lease = this.takeOver(id, w, agentId, leaseMs);
          if (lease) return { lease, nextDeadline };
          continue;
        }
        const deadline = Atomics.load(slots, base + S.DEADLINE);
        if (deadline > now) {
          nextDeadline = Math.min(nextDeadline, deadline);
          continue;
        }
        if (!take) {
          nextDeadline = now;
          continue;
        }
        if (Atomics.load(slots, base + S.ATTEMPTS) >= slots[base + S.MAX_ATTEMPTS]!) {
          this.failExpired(id, w);
          continue;
        }
        const lease = this.takeOver(id, w, agentId, leaseMs);
        if (lease) {
          if (newLow > low) Atomics.compareExchange(this.ctl, lowIndex, low, newLow);
          return { lease, nextDeadline };
        }
      }
      if (newLow > low) Atomics.compareExchange(this.ctl, lowIndex, low, newLow);
    }
    this.sweptAt = now;
    this.sweptNext = nextDeadline;
    return { lease: undefined, nextDeadline: this.toWallClock(nextDeadline) };
  }

  private failExpired(id: number, w: number): void {
    const slots = this.slotView(id);
    const base = id * SLOT_WORDS;
    const generation = generationOf(w) + 1;
    atomicMax(slots, base + S.DEADLINE, this.now() + this.ctl[H.DEFAULT_LEASE_MS]!);
    if (Atomics.compareExchange(slots, base + S.STATE, w, word(generation, ST.FINISHING)) !== w) return;
    const attempts = Atomics.load(slots, base + S.ATTEMPTS);
    this.finish(
      id,
      generation,
      ST.FAILED,
      `lease expired on each of ${attempts} attempt(s); the agent holding it crashed or stalled`,
    );
  }

  /** Writes the result/reason of a task this thread holds in FINISHING, then publishes the final state. */
  private finish(id: number, generation: number, final: number, text: string): void {
    const slots = this.slotView(id);
    const base = id * SLOT_WORDS;
    let offset = 0;
    let length = 0;
    try {
      if (text.length > 0) [offset, length] = this.writeText(text);
    } catch (error) {
      Atomics.compareExchange(slots, base + S.STATE, word(generation, ST.FINISHING), word(generation, ST.CLAIMED));
      throw error;
    }
    slots[base + S.RESULT_OFF] = offset;
    slots[base + S.RESULT_LEN] = length;
    if (
      Atomics.compareExchange(slots, base + S.STATE, word(generation, ST.FINISHING), word(generation, final)) !==
      word(generation, ST.FINISHING)
    ) {
      throw new LeaseLostError(id, 'the lease expired while the result was being written');
    }
    this.wakeIfDrained(Atomics.sub(this.ctl, H.OPEN, 1) - 1);
  }

  /** Moves a held lease's task into FINISHING, or throws LeaseLostError. */
  private enterFinishing(lease: Lease): void {
    const slots = this.slotView(lease.taskId);
    const expected = word(lease.generation, ST.CLAIMED);
    const seen = Atomics.compareExchange(
      slots,
      lease.taskId * SLOT_WORDS + S.STATE,
      expected,
      word(lease.generation, ST.FINISHING),
    );
    if (seen !== expected) throw new LeaseLostError(lease.taskId, describeLoss(seen, lease.generation));
  }

  claim(agentId: number, options: ClaimOptions = {}): Lease | undefined {
    const leaseMs = options.leaseMs ?? this.ctl[H.DEFAULT_LEASE_MS]!;
    const until = this.clock() + (options.timeoutMs ?? 0);
    for (;;) {
      const next = this.attemptClaim(agentId, leaseMs, until, options);
      if (!(next instanceof Sleep)) return next;
      Atomics.wait(this.ctl, H.SEQ, next.seq, next.ms);
      Atomics.sub(this.ctl, H.SLEEPERS, 1);
    }
  }

  async claimAsync(agentId: number, options: ClaimOptions = {}): Promise<Lease | undefined> {
    const leaseMs = options.leaseMs ?? this.ctl[H.DEFAULT_LEASE_MS]!;
    const until = this.clock() + (options.timeoutMs ?? 0);
    // Most claims find a task at once: they return before anything below is made.
    const first = this.attemptClaim(agentId, leaseMs, until, options);
    if (!(first instanceof Sleep)) return first;
    // Listened to only once the claim sleeps. The signal cannot abort between the attempt's check of it
    // and the listener (both run in this thread, without a turn between).
    const wakeAll = () => {
      Atomics.add(this.ctl, H.SEQ, 1);
      Atomics.notify(this.ctl, H.SEQ);
    };
    options.signal?.addEventListener('abort', wakeAll, { once: true });
    try {
      for (let next: Lease | undefined | Sleep = first; ; next = this.attemptClaim(agentId, leaseMs, until, options)) {
        if (!(next instanceof Sleep)) return next;
        await waitAsync(this.ctl, H.SEQ, next.seq, next.ms);
        Atomics.sub(this.ctl, H.SLEEPERS, 1);
      }
    } finally {
      options.signal?.removeEventListener('abort', wakeAll);
    }
  }

  /**
   * One round of a waiting claim: spin briefly, then either return a lease / undefined (drained, closed,
   * aborted, timed out) or register as a sleeper and say how long to sleep on SEQ. The caller sleeps and
   * then unregisters.
   */
  private attemptClaim(
    agentId: number,
    leaseMs: number,
    until: number,
    options: ClaimOptions,
  ): Lease | undefined | Sleep {
    const { signal } = options;
    const stopWhenDrained = options.stopWhenDrained !== false;
    const spinMicros = options.spinMicros ?? DEFAULT_SPIN_MICROS;
    const spinUntil = performance.now() + spinMicros / 1000;
    for (let i = 0; ; i++) {
      if (signal?.aborted || this.closed) return undefined;
      const lease = this.tryClaim(agentId, leaseMs);
      if (lease) return lease;
      if (stopWhenDrained && this.isDrained()) return undefined;
      // No spin at all when asked for none: a thread hosting many agents would spin for each of them in turn.
      if (spinMicros <= 0 || (i >= MIN_SPIN_ROUNDS && performance.now() >= spinUntil)) break;
      // Between full attempts, poll one word: a new task shows up in TAIL within nanoseconds.
      const tail = Atomics.load(this.ctl, H.TAIL);
      for (let j = 0; j < POLLS_PER_ATTEMPT && Atomics.load(this.ctl, H.TAIL) === tail; j++);
    }
    const remaining = until - this.clock();
    if (remaining <= 0) return undefined;
    const seq = Atomics.load(this.ctl, H.SEQ);
    Atomics.add(this.ctl, H.SLEEPERS, 1);
    // Re-check after announcing ourselves: a producer that saw no sleeper published before this point.
    const lease = this.tryClaim(agentId, leaseMs);
    if (lease || (stopWhenDrained && this.isDrained()) || this.closed || signal?.aborted) {
      Atomics.sub(this.ctl, H.SLEEPERS, 1);
      return lease;
    }
    // Sleep at most until the nearest lease could expire, so crashed agents' tasks are picked up.
    const { nextDeadline } = this.claimExpired(agentId, leaseMs, false);
    const untilExpiry = Number.isFinite(nextDeadline) ? nextDeadline - this.clock() + 1 : this.maxSleepMs;
    return new Sleep(seq, Math.max(1, Math.min(remaining, untilExpiry, this.maxSleepMs)));
  }

  extend(lease: Lease, leaseMs?: number): Lease {
    const slots = this.slotView(lease.taskId);
    const base = lease.taskId * SLOT_WORDS;
    const expected = word(lease.generation, ST.CLAIMED);
    let seen = Atomics.load(slots, base + S.STATE);
    if (seen !== expected) throw new LeaseLostError(lease.taskId, describeLoss(seen, lease.generation));
    const deadline = atomicMax(slots, base + S.DEADLINE, this.now() + (leaseMs ?? this.ctl[H.DEFAULT_LEASE_MS]!));
    // Re-check: a taker that saw the old deadline expired may have won in between.
    seen = Atomics.load(slots, base + S.STATE);
    if (seen !== expected) throw new LeaseLostError(lease.taskId, describeLoss(seen, lease.generation));
    return new SharedLease(
      this,
      lease.taskId,
      lease.generation,
      this.toWallClock(deadline),
      lease.attempt,
      lease.agentId,
      lease.priority,
      lease.parentId,
    );
  }

  complete(lease: Lease, result = ''): void {
    if (result.length === 0) {
      // Nothing to write: one CAS straight to done.
      const slots = this.slotView(lease.taskId);
      const base = lease.taskId * SLOT_WORDS;
      const expected = word(lease.generation, ST.CLAIMED);
      const seen = Atomics.compareExchange(slots, base + S.STATE, expected, word(lease.generation, ST.DONE));
      if (seen !== expected) throw new LeaseLostError(lease.taskId, describeLoss(seen, lease.generation));
      this.wakeIfDrained(Atomics.sub(this.ctl, H.OPEN, 1) - 1);
      return;
    }
    this.enterFinishing(lease);
    this.finish(lease.taskId, lease.generation, ST.DONE, result);
  }

  fail(lease: Lease, reason: string, options: { retry?: boolean } = {}): void {
    const slots = this.slotView(lease.taskId);
    const base = lease.taskId * SLOT_WORDS;
    if (options.retry && Atomics.load(slots, base + S.ATTEMPTS) < slots[base + S.MAX_ATTEMPTS]!) {
      this.backToPending(lease, false);
      return;
    }
    this.enterFinishing(lease);
    this.finish(lease.taskId, lease.generation, ST.FAILED, reason);
  }

  release(lease: Lease): void {
    this.backToPending(lease, true);
  }

  heldBy(agentId: number): Lease[] {
    const leases: Lease[] = [];
    const tail = Atomics.load(this.ctl, H.TAIL);
    for (let id = 0; id < tail; id++) {
      const slots = this.slotView(id);
      const base = id * SLOT_WORDS;
      const w = Atomics.load(slots, base + S.STATE);
      // The holder writes its id just after its claim's CAS: a holder that died between the two is
      // missed here, and its lease expires.
      if (stateOf(w) !== ST.CLAIMED || Atomics.load(slots, base + S.AGENT) !== agentId) continue;
      leases.push(
        new SharedLease(
          this,
          id,
          generationOf(w),
          this.toWallClock(Atomics.load(slots, base + S.DEADLINE)),
          Atomics.load(slots, base + S.ATTEMPTS),
          agentId,
          slots[base + S.PRIORITY]!,
          slots[base + S.PARENT]! - 1,
        ),
      );
    }
    return leases;
  }

  private backToPending(lease: Lease, refundAttempt: boolean): void {
    const slots = this.slotView(lease.taskId);
    const base = lease.taskId * SLOT_WORDS;
    const expected = word(lease.generation, ST.CLAIMED);
    if (Atomics.load(slots, base + S.STATE) !== expected)
      throw new LeaseLostError(lease.taskId, describeLoss(Atomics.load(slots, base + S.STATE), lease.generation));
    const attempts = slots[base + S.ATTEMPTS]!;
    if (refundAttempt) slots[base + S.ATTEMPTS] = attempts - 1;
    const seen = Atomics.compareExchange(slots, base + S.STATE, expected, word(lease.generation, ST.PENDING));
    if (seen !== expected) {
      if (refundAttempt) slots[base + S.ATTEMPTS] = attempts;
      throw new LeaseLostError(lease.taskId, describeLoss(seen, lease.generation));
    }
    atomicMin(this.ctl, H.BAND_HEAD + slots[base + S.PRIORITY]! * 16, slots[base + S.BAND_POS]!);
    this.wake(1);
  }

  /** Decodes a task's payload (used lazily by leases). */
  payloadOf(id: number): string {
    const slots = this.slotView(id);
    const base = id * SLOT_WORDS;
    return this.readText(slots[base + S.PAYLOAD_OFF]!, slots[base + S.PAYLOAD_LEN]!);
  }

  get(id: number): TaskRecord {
    if (!Number.isInteger(id) || id < 0 || id >= Atomics.load(this.ctl, H.TAIL))
      throw new DelmError('NOT_FOUND', `no task with id ${id}`);
    const slots = this.slotView(id);
    const base = id * SLOT_WORDS;
    const w = Atomics.load(slots, base + S.STATE);
    const state = STATE_NAMES[stateOf(w)]!;
    const finished = state === 'done' || state === 'failed';
    const text = finished ? this.readText(slots[base + S.RESULT_OFF]!, slots[base + S.RESULT_LEN]!) : undefined;
    return {
      id,
      state,
      payload: this.payloadOf(id),
      priority: slots[base + S.PRIORITY]!,
      parentId: slots[base + S.PARENT]! - 1,
      attempts: Atomics.load(slots, base + S.ATTEMPTS),
      result: state === 'done' ? text : undefined,
      failureReason: state === 'failed' ? text : undefined,
    };
  }

  stats(): QueueStats {
    const total = Atomics.load(this.ctl, H.TAIL);
    const counts = { pending: 0, claimed: 0, done: 0, failed: 0 };
    const slots = this.slotView(Math.max(0, total - 1));
    for (let id = 0; id < total; id++) counts[STATE_NAMES[stateOf(Atomics.load(slots, id * SLOT_WORDS + S.STATE))]!]++;
    return { total, ...counts, open: Atomics.load(this.ctl, H.OPEN) };
  }

  isDrained(): boolean {
    return Atomics.load(this.ctl, H.OPEN) === 0;
  }

  close(): void {
    Atomics.store(this.ctl, H.CLOSED, 1);
    Atomics.add(this.ctl, H.SEQ, 1);
    Atomics.notify(this.ctl, H.SEQ);
  }

  get closed(): boolean {
    return Atomics.load(this.ctl, H.CLOSED) !== 0;
  }
}

function describeLoss(seen: number, generation: number): string {
  const st = stateOf(seen);
  if (generationOf(seen) !== generation) return 'it expired and was claimed again';
  if (st === ST.DONE) return 'the task is already done';
  if (st === ST.FAILED) return 'the task has failed';
  if (st === ST.PENDING) return 'the task was released';
  return 'its state changed';
}
