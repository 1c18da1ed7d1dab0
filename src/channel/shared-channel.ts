/**
 * The proposal channel on SharedArrayBuffers and Atomics: many producers (agents in worker threads)
 * send to one consumer (the verifier). A bounded ring of fixed-size slots in the style of Vyukov's
 * queue: a producer takes a ticket with a CAS on TAIL, then moves its cell FREE → WRITING → READY
 * with compareExchange; the consumer takes READY cells in ticket order and frees them for the next lap.
 *
 * Guarantees:
 * - A message whose `send` returned is received exactly once and intact (unless the channel is closed
 *   before the consumer reaches it). Messages from one producer arrive in the order it sent them.
 * - A producer that dies between taking a ticket and publishing delays the consumer by at most
 *   `abandonMs` for that slot; the consumer then skips it. A producer that was only slow finds its
 *   publish CAS refused and sends the message again in a new slot, so it is still delivered once and
 *   its order kept.
 * - One case no CAS can rule out: a live producer stalled for longer than `abandonMs` in the middle of
 *   copying its bytes, which resumes after its slot was reused. Every message is checksummed, so the
 *   message it overwrote is dropped and counted in `stats().corrupted`, never delivered garbled.
 * - Several threads may receive at once (HEAD moves by CAS); there is then no order across them.
 *
 * `abandonMs` and the send/receive timeouts are measured on the channel's clock: the real one, or
 * the `ManualClock` it was created with (tests), which every attached thread reads.
 */
import { AbortedError, DelmError } from '../errors.js';
import { MANUAL_POLL_MS, msClock, type ClockHandle } from '../internal/clock.js';
import { waitAsync } from '../internal/shared-memory.js';
import { ChannelFullError, MessageTooLargeError, channelClosedError } from './errors.js';
import {
  C,
  CELL_WORDS,
  CHANNEL_MAGIC,
  CHANNEL_VERSION,
  CONTROL_WORDS,
  H,
  P,
  checksum,
  initCells,
  nextPowerOfTwo,
  stateWord,
} from './layout.js';
import { parseChannelOptions, type ChannelOptions } from './options.js';
import type { MessageChannelLike } from './types.js';

/** Structured-cloneable handle: post it to a worker and `SharedChannel.attach` it there. */
export interface ChannelHandle {
  readonly kind: 'delm.channel';
  readonly control: SharedArrayBuffer;
  readonly cells: SharedArrayBuffer;
  readonly data: SharedArrayBuffer;
  /** The manual clock the channel was created with; absent: the real clock. */
  readonly clock?: ClockHandle;
}

/** Counters of a channel, for logs and tests. */
export interface ChannelStats {
  capacity: number;
  /** Messages sent and not yet received (approximate while producers are active). */
  size: number;
  /** Slots the consumer skipped because their producer never published. */
  abandoned: number;
  /** Messages dropped because their checksum failed (see the module comment). */
  corrupted: number;
  /** Sends repeated because the consumer had skipped the slot of a slow producer. */
  resent: number;
}

/** "Sleep on `index` while it equals `seq`, for at most `ms`." */
class Sleep {
  constructor(
    readonly seq: number,
    readonly ms: number,
  ) {}
}

const SPIN_MICROS = 50;
const MIN_SPIN_ROUNDS = 8;
const MAX_SLEEP_MS = 1_000;
/** Longest a producer waiting for room sleeps before looking again (see `free`). */
const SPACE_POLL_MS = 20;

/**
 * When a send wakes a sleeping consumer: `now`, or at the end of the sending thread's event-loop
 * turn, once for every send of that turn (at once when the ring is a quarter full). A thread that
 * hosts many producers (agents) sends a burst per turn; waking the consumer per message pre-empted
 * the senders and woke it for a message or two at a time. `end-of-turn` is for senders that return
 * to their event loop: one that blocks its thread afterwards leaves the consumer to its poll.
 */
export type ConsumerWake = 'now' | 'end-of-turn';

/** Shared-memory implementation of {@link MessageChannelLike}. */
export class SharedChannel implements MessageChannelLike {
  readonly handle: ChannelHandle;
  /** Slots in the ring (the requested count rounded up to a power of two). */
  readonly capacity: number;
  readonly maxMessageBytes: number;
  private readonly ctl: Int32Array;
  private readonly cells: Int32Array;
  private readonly data: Buffer;
  private readonly mask: number;
  private readonly slotBytes: number;
  /** A quarter of the ring: room that wakes a sleeping producer, messages that wake the consumer at once. */
  private readonly wakeBatch: number;
  /** ms on the channel's clock (Date.now unless created with a ManualClock). */
  private readonly now: () => number;
  /** Longest single sleep: shorter on a manual clock, which only another thread moves. */
  private readonly maxSleepMs: number;
  private readonly spacePollMs: number;
  /** The head slot this consumer is watching for abandonment: its ticket, state word and since when. */
  #stuckTicket = 0;
  #stuckSeen = Number.NaN;
  #stuckSince = 0;
  /** Set by tryReceive: ms until the in-flight head slot may be abandoned (0 when none is in flight). */
  #inflightMs = 0;
  /** Set while a wake of the consumer waits for the end of this thread's turn (`end-of-turn` sends). */
  #wakeScheduled = false;

  private constructor(handle: ChannelHandle) {
    if (handle?.kind !== 'delm.channel') throw new DelmError('INVALID_ARGUMENT', 'not a delm channel handle');
    this.handle = handle;
    this.ctl = new Int32Array(handle.control);
    if (this.ctl[H.MAGIC] !== CHANNEL_MAGIC || this.ctl[H.VERSION] !== CHANNEL_VERSION) {
      throw new DelmError('INVALID_ARGUMENT', 'not a delm channel handle (bad magic or version)');
    }
    this.capacity = this.ctl[H.CAPACITY]!;
    this.maxMessageBytes = this.ctl[H.MAX_BYTES]!;
    this.slotBytes = this.ctl[H.SLOT_BYTES]!;
    this.mask = this.capacity - 1;
    this.wakeBatch = Math.max(1, this.capacity >> 2);
    this.cells = new Int32Array(handle.cells);
    this.data = Buffer.from(handle.data);
    this.now = msClock(handle.clock);
    this.maxSleepMs = handle.clock ? MANUAL_POLL_MS : MAX_SLEEP_MS;
    this.spacePollMs = handle.clock ? MANUAL_POLL_MS : SPACE_POLL_MS;
  }

  /** Creates a channel in new shared memory. Throws InvalidConfigError for bad options. */
  static create(options: ChannelOptions = {}): SharedChannel {
    const o = parseChannelOptions(options);
    const capacity = nextPowerOfTwo(o.slots);
    const slotBytes = Math.ceil(o.maxMessageBytes / 8) * 8;
    const control = new SharedArrayBuffer(CONTROL_WORDS * 4);
    const ctl = new Int32Array(control);
    ctl[H.MAGIC] = CHANNEL_MAGIC;
    ctl[H.VERSION] = CHANNEL_VERSION;
    ctl[H.CAPACITY] = capacity;
    ctl[H.MAX_BYTES] = o.maxMessageBytes;
    ctl[H.SLOT_BYTES] = slotBytes;
    ctl[H.ABANDON_MS] = o.abandonMs;
    ctl[H.SEND_TIMEOUT_MS] = o.sendTimeoutMs;
    const cells = new SharedArrayBuffer(capacity * CELL_WORDS * 4);
    initCells(new Int32Array(cells), capacity, 0);
    const data = new SharedArrayBuffer(capacity * slotBytes);
    return new SharedChannel(
      o.clock
        ? { kind: 'delm.channel', control, cells, data, clock: o.clock.handle }
        : { kind: 'delm.channel', control, cells, data },
    );
  }

  /**
   * Empties the channel for reuse by a new run (keeping its memory: a long-running swarm allocates
   * its channels once). Only safe when no other thread uses it any more.
   */
  reset(): void {
    for (const word of [
      H.CLOSED,
      H.TAIL,
      H.HEAD,
      H.DATA_SEQ,
      H.CONSUMER_SLEEPERS,
      H.SPACE_SEQ,
      H.PRODUCER_SLEEPERS,
      H.ABANDONED,
      H.CORRUPTED,
      H.RESENT,
    ])
      Atomics.store(this.ctl, word, 0);
    initCells(this.cells, this.capacity, 0);
    this.#stuckTicket = 0;
    this.#stuckSeen = Number.NaN;
    this.#stuckSince = 0;
    this.#inflightMs = 0;
  }

  /** Opens a channel created elsewhere (another thread) from its handle. */
  static attach(handle: ChannelHandle): SharedChannel {
    return new SharedChannel(handle);
  }

  get closed(): boolean {
    return Atomics.load(this.ctl, H.CLOSED) !== 0;
  }

  get size(): number {
    return Math.max(0, (Atomics.load(this.ctl, H.TAIL) - Atomics.load(this.ctl, H.HEAD)) | 0);
  }

  stats(): ChannelStats {
    return {
      capacity: this.capacity,
      size: this.size,
      abandoned: Atomics.load(this.ctl, H.ABANDONED),
      corrupted: Atomics.load(this.ctl, H.CORRUPTED),
      resent: Atomics.load(this.ctl, H.RESENT),
    };
  }

  /** Wakes every waiter; sends throw CLOSED from now on, receives drain what was published and then return undefined. */
  close(): void {
    Atomics.store(this.ctl, H.CLOSED, 1);
    for (const seq of [H.DATA_SEQ, H.SPACE_SEQ]) {
      Atomics.add(this.ctl, seq, 1);
      Atomics.notify(this.ctl, seq);
    }
  }

  // ---- producer side ----

  /** Non-blocking send: false when the ring is full; `wake` says when a sleeping consumer is woken. */
  trySend(message: string, wake: ConsumerWake = 'now'): boolean {
    this.checkSize(message);
    return this.attempt(message, wake);
  }

  send(message: string, timeoutMs: number = this.ctl[H.SEND_TIMEOUT_MS]!): void {
    this.checkSize(message);
    const started = this.now();
    for (;;) {
      const next = this.sendRound(message, started, timeoutMs, undefined);
      if (next === true) return;
      Atomics.wait(this.ctl, H.SPACE_SEQ, next.seq, next.ms);
      Atomics.sub(this.ctl, H.PRODUCER_SLEEPERS, 1);
    }
  }

  /** Like `send`, but waits for room without blocking the thread (for the main thread). Abort → AbortedError. */
  async sendAsync(
    message: string,
    timeoutMs: number = this.ctl[H.SEND_TIMEOUT_MS]!,
    signal?: AbortSignal,
  ): Promise<void> {
    this.checkSize(message);
    const started = this.now();
    const wake = () => this.bump(H.SPACE_SEQ);
    signal?.addEventListener('abort', wake, { once: true });
    try {
      for (;;) {
        const next = this.sendRound(message, started, timeoutMs, signal);
        if (next === true) return;
        await waitAsync(this.ctl, H.SPACE_SEQ, next.seq, next.ms);
        Atomics.sub(this.ctl, H.PRODUCER_SLEEPERS, 1);
      }
    } finally {
      signal?.removeEventListener('abort', wake);
    }
  }

  private checkSize(message: string): void {
    if (message.length * 3 <= this.maxMessageBytes) return; // UTF-8 needs at most 3 bytes per UTF-16 unit
    const bytes = Buffer.byteLength(message, 'utf8');
    if (bytes > this.maxMessageBytes) throw new MessageTooLargeError(bytes, this.maxMessageBytes);
  }

  /** One round of a waiting send: spin, then send, throw, or register as a sleeper on SPACE_SEQ. */
  private sendRound(
    message: string,
    started: number,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): true | Sleep {
    const spinUntil = performance.now() + SPIN_MICROS / 1000;
    for (let i = 0; ; i++) {
      if (signal?.aborted) throw new AbortedError('send aborted');
      if (this.attempt(message)) return true;
      if (i >= MIN_SPIN_ROUNDS && performance.now() >= spinUntil) break;
    }
    const remaining = started + timeoutMs - this.now();
    if (remaining <= 0) throw new ChannelFullError(this.capacity, timeoutMs);
    const seq = Atomics.load(this.ctl, H.SPACE_SEQ);
    Atomics.add(this.ctl, H.PRODUCER_SLEEPERS, 1);
    // Re-check after announcing ourselves: a consumer that saw no sleeper freed its slot before this point.
    let sent: boolean;
    try {
      sent = this.attempt(message);
    } catch (error) {
      Atomics.sub(this.ctl, H.PRODUCER_SLEEPERS, 1);
      throw error;
    }
    if (sent || signal?.aborted) {
      Atomics.sub(this.ctl, H.PRODUCER_SLEEPERS, 1);
      if (sent) return true;
      throw new AbortedError('send aborted');
    }
    return new Sleep(seq, Math.max(1, Math.min(remaining, this.spacePollMs)));
  }

  /** Sends now if a slot is free (returns false when full); repeats a publish the consumer refused. */
  private attempt(message: string, wake: ConsumerWake = 'now'): boolean {
    for (;;) {
      if (Atomics.load(this.ctl, H.CLOSED) !== 0) throw channelClosedError();
      const ticket = Atomics.load(this.ctl, H.TAIL);
      const base = (ticket & this.mask) * CELL_WORDS;
      if (Atomics.load(this.cells, base + C.SEQ) !== stateWord(ticket, P.FREE)) {
        // The cell still holds the previous lap's ticket (full), unless another producer just took this one.
        if (Atomics.load(this.ctl, H.TAIL) === ticket) return false;
        continue;
      }
      if (Atomics.compareExchange(this.ctl, H.TAIL, ticket, (ticket + 1) | 0) !== ticket) continue;
      if (this.publish(ticket, base, message)) {
        if (wake === 'now' || this.size >= this.wakeBatch) this.wakeConsumer();
        else this.wakeAtEndOfTurn();
        return true;
      }
      Atomics.add(this.ctl, H.RESENT, 1);
    }
  }

  /** Writes the message into the cell of `ticket`; false if the consumer abandoned the slot first. */
  private publish(ticket: number, base: number, message: string): boolean {
    const free = stateWord(ticket, P.FREE);
    const writing = stateWord(ticket, P.WRITING);
    if (Atomics.compareExchange(this.cells, base + C.SEQ, free, writing) !== free) return false;
    const offset = (ticket & this.mask) * this.slotBytes;
    const length = message.length === 0 ? 0 : this.data.write(message, offset, this.maxMessageBytes, 'utf8');
    this.cells[base + C.LEN] = length;
    this.cells[base + C.TICKET] = ticket;
    this.cells[base + C.HASH] = checksum(this.handle.data, offset, length, ticket);
    return Atomics.compareExchange(this.cells, base + C.SEQ, writing, stateWord(ticket, P.READY)) === writing;
  }

  // ---- consumer side ----

  /** Takes the next message if one is published now; never waits (except to skip an abandoned slot when due). */
  tryReceive(): string | undefined {
    return decode(this.tryReceiveUtf8());
  }

  /**
   * {@link tryReceive}, returning the message as the UTF-8 bytes it was sent as (a private copy, checked
   * against its checksum), not decoded: for a consumer that keeps some of the bytes as they are.
   */
  tryReceiveUtf8(): Uint8Array | undefined {
    for (;;) {
      this.#inflightMs = 0;
      const ticket = Atomics.load(this.ctl, H.HEAD);
      const base = (ticket & this.mask) * CELL_WORDS;
      const seen = Atomics.load(this.cells, base + C.SEQ);
      if (seen === stateWord(ticket, P.READY)) {
        if (Atomics.compareExchange(this.ctl, H.HEAD, ticket, (ticket + 1) | 0) !== ticket) continue;
        const message = this.consume(ticket, base);
        if (message !== undefined) return message;
        continue;
      }
      if (Atomics.load(this.ctl, H.HEAD) !== ticket) continue;
      if (((Atomics.load(this.ctl, H.TAIL) - ticket) | 0) <= 0) return undefined;
      // Reserved but not published yet: give the producer `abandonMs` from when we first saw this state.
      const now = this.now();
      if (ticket !== this.#stuckTicket || seen !== this.#stuckSeen) {
        this.#stuckTicket = ticket;
        this.#stuckSeen = seen;
        this.#stuckSince = now;
      }
      const left = this.#stuckSince + this.ctl[H.ABANDON_MS]! - now;
      if (left > 0) {
        this.#inflightMs = left;
        return undefined;
      }
      if (Atomics.compareExchange(this.ctl, H.HEAD, ticket, (ticket + 1) | 0) !== ticket) continue;
      const message = this.abandon(ticket, base);
      if (message !== undefined) return message;
    }
  }

  /** Copies out the message of a READY cell this thread took, frees the cell, and verifies the copy. */
  private consume(ticket: number, base: number): Uint8Array | undefined {
    const length = this.cells[base + C.LEN]!;
    const hash = this.cells[base + C.HASH]!;
    const writer = this.cells[base + C.TICKET]!;
    const offset = (ticket & this.mask) * this.slotBytes;
    const valid = length >= 0 && length <= this.maxMessageBytes;
    // Copy to private (4-aligned) memory first, so the bytes checked are the bytes decoded.
    const copy = valid ? new Uint8Array(length) : undefined;
    copy?.set(this.data.subarray(offset, offset + length));
    this.free(ticket, base);
    if (!copy || writer !== ticket || checksum(copy.buffer, 0, length, ticket) !== hash) {
      Atomics.add(this.ctl, H.CORRUPTED, 1);
      return undefined;
    }
    return copy;
  }

  /** Skips the slot of `ticket` (HEAD already moved past it), unless its producer published meanwhile. */
  private abandon(ticket: number, base: number): Uint8Array | undefined {
    for (;;) {
      const seen = Atomics.load(this.cells, base + C.SEQ);
      if (seen === stateWord(ticket, P.READY)) return this.consume(ticket, base);
      if (Atomics.compareExchange(this.cells, base + C.SEQ, seen, stateWord(ticket + this.capacity, P.FREE)) === seen) {
        Atomics.add(this.ctl, H.ABANDONED, 1);
        if (Atomics.load(this.ctl, H.PRODUCER_SLEEPERS) > 0) this.bump(H.SPACE_SEQ);
        return undefined;
      }
    }
  }

  private free(ticket: number, base: number): void {
    Atomics.store(this.cells, base + C.SEQ, stateWord(ticket + this.capacity, P.FREE));
    // Wake sleeping producers in batches (a quarter of the ring free), not one futex call per slot;
    // a producer that sleeps through a smaller gap re-checks after at most SPACE_POLL_MS.
    if (Atomics.load(this.ctl, H.PRODUCER_SLEEPERS) > 0 && this.capacity - this.size >= this.wakeBatch)
      this.bump(H.SPACE_SEQ);
  }

  /** Blocks (Atomics.wait) until a message arrives, the timeout (default: none) passes or the channel closes. Workers only. */
  receive(timeoutMs = Number.POSITIVE_INFINITY): string | undefined {
    const until = this.now() + timeoutMs;
    for (;;) {
      const next = this.receiveRound(until, undefined);
      if (!(next instanceof Sleep)) return decode(next);
      Atomics.wait(this.ctl, H.DATA_SEQ, next.seq, next.ms);
      Atomics.sub(this.ctl, H.CONSUMER_SLEEPERS, 1);
    }
  }

  /** Like `receive` without blocking the thread; resolves undefined on timeout, close or abort. */
  async receiveAsync(timeoutMs = Number.POSITIVE_INFINITY, signal?: AbortSignal): Promise<string | undefined> {
    return decode(await this.receiveUtf8Async(timeoutMs, signal));
  }

  /** {@link receiveAsync}, resolving with the message's UTF-8 bytes (see {@link tryReceiveUtf8}). */
  async receiveUtf8Async(timeoutMs = Number.POSITIVE_INFINITY, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    const until = this.now() + timeoutMs;
    const wake = () => this.bump(H.DATA_SEQ);
    signal?.addEventListener('abort', wake, { once: true });
    try {
      for (;;) {
        const next = this.receiveRound(until, signal);
        if (!(next instanceof Sleep)) return next;
        await waitAsync(this.ctl, H.DATA_SEQ, next.seq, next.ms);
        Atomics.sub(this.ctl, H.CONSUMER_SLEEPERS, 1);
      }
    } finally {
      signal?.removeEventListener('abort', wake);
    }
  }

  /** One round of a waiting receive: spin, then return a message / undefined, or register as a sleeper. */
  private receiveRound(until: number, signal: AbortSignal | undefined): Uint8Array | undefined | Sleep {
    const spinUntil = performance.now() + SPIN_MICROS / 1000;
    for (let i = 0; ; i++) {
      if (signal?.aborted) return undefined;
      const message = this.tryReceiveUtf8();
      if (message !== undefined) return message;
      if (this.closed) return undefined;
      if (i >= MIN_SPIN_ROUNDS && performance.now() >= spinUntil) break;
    }
    const remaining = until - this.now();
    if (remaining <= 0) return undefined;
    const seq = Atomics.load(this.ctl, H.DATA_SEQ);
    Atomics.store(this.ctl, H.SLEEP_SEQ, seq);
    Atomics.add(this.ctl, H.CONSUMER_SLEEPERS, 1);
    // Re-check after announcing ourselves: a producer that saw no sleeper published before this point.
    const message = this.tryReceiveUtf8();
    if (message !== undefined || this.closed || signal?.aborted) {
      Atomics.sub(this.ctl, H.CONSUMER_SLEEPERS, 1);
      return message;
    }
    const inflight = this.#inflightMs > 0 ? this.#inflightMs : this.maxSleepMs;
    return new Sleep(seq, Math.max(1, Math.min(remaining, inflight, this.maxSleepMs)));
  }

  /**
   * Wakes a sleeping consumer after a publish. Only the first producer since the consumer went to
   * sleep moves DATA_SEQ off the value it sleeps on and calls notify; the others see it moved (the
   * consumer is awake or about to be) and skip the futex call: a burst of proposals from many agents
   * woke the verifier once per proposal, each notify a syscall that also let it pre-empt the senders.
   * SLEEP_SEQ is stored before CONSUMER_SLEEPERS is raised, so a producer that sees a sleeper reads
   * its value (or a newer one, when DATA_SEQ already moved past the older and woke it).
   */
  private wakeConsumer(): void {
    if (Atomics.load(this.ctl, H.CONSUMER_SLEEPERS) === 0) return;
    const seq = Atomics.load(this.ctl, H.SLEEP_SEQ);
    if (Atomics.compareExchange(this.ctl, H.DATA_SEQ, seq, (seq + 1) | 0) === seq) Atomics.notify(this.ctl, H.DATA_SEQ);
  }

  private wakeAtEndOfTurn(): void {
    if (this.#wakeScheduled) return;
    this.#wakeScheduled = true;
    setImmediate(this.wakeScheduled);
  }

  private readonly wakeScheduled = (): void => {
    this.#wakeScheduled = false;
    this.wakeConsumer();
  };

  private bump(index: number): void {
    Atomics.add(this.ctl, index, 1);
    Atomics.notify(this.ctl, index);
  }
}

/** A received message's text. */
function decode(bytes: Uint8Array | undefined): string | undefined {
  return bytes && Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
}
