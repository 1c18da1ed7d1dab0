/**
 * Memory layout of the shared proposal channel: a control block of Int32 words, a table of cell
 * headers (one cache line each) and a data area of fixed-size message slots.
 */

export const CHANNEL_MAGIC = 0x6368_616e; // "chan"
export const CHANNEL_VERSION = 1;

/** Control-block word indices. Hot words sit on their own 64-byte cache lines. */
export const H = {
  MAGIC: 0,
  VERSION: 1,
  CAPACITY: 2,
  MAX_BYTES: 3,
  SLOT_BYTES: 4,
  ABANDON_MS: 5,
  SEND_TIMEOUT_MS: 6,
  CLOSED: 7,
  /** Next ticket a producer takes. */
  TAIL: 16,
  /** Next ticket the consumer takes. */
  HEAD: 32,
  /** Bumped to wake consumers (only when CONSUMER_SLEEPERS > 0). */
  DATA_SEQ: 48,
  CONSUMER_SLEEPERS: 49,
  /** The DATA_SEQ a consumer went to sleep on: the first producer to move DATA_SEQ off it wakes it. */
  SLEEP_SEQ: 50,
  /** Bumped to wake producers waiting for room (only when PRODUCER_SLEEPERS > 0). */
  SPACE_SEQ: 64,
  PRODUCER_SLEEPERS: 65,
  ABANDONED: 80,
  CORRUPTED: 81,
  RESENT: 82,
} as const;

/** Int32 words in the control block. */
export const CONTROL_WORDS = 96;

/** Words per cell header (a 64-byte cache line, so producers on neighbouring cells don't share one). */
export const CELL_WORDS = 16;

/** Cell-header word offsets. */
export const C = {
  /** State word: `stateWord(ticket, phase)`. */
  SEQ: 0,
  /** UTF-8 byte length of the message. */
  LEN: 1,
  /** Checksum of ticket, length and bytes. */
  HASH: 2,
  /** The ticket the writer held, to detect a stale writer's bytes. */
  TICKET: 3,
} as const;

/** Phases of a cell for a given ticket. */
export const P = {
  /** Free for the producer holding this ticket. */
  FREE: 0,
  /** The producer holding this ticket is writing bytes. */
  WRITING: 1,
  /** Published: the consumer may take it. */
  READY: 2,
} as const;

/**
 * The state word of a cell: ticket and phase in one Int32, so a single compareExchange moves both.
 * Tickets wrap modulo 2^30 here; live tickets differ by at most the capacity (≤ 2^20), so equality
 * never confuses two of them.
 */
export function stateWord(ticket: number, phase: number): number {
  return (ticket << 2) | phase;
}

/** Smallest power of two ≥ n (n ≥ 1). */
export function nextPowerOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, n)));
}

/** Sets every cell free for the first ticket that maps to it, counting from `start`. */
export function initCells(cells: Int32Array, capacity: number, start: number): void {
  const mask = capacity - 1;
  for (let cell = 0; cell < capacity; cell++) {
    const ticket = (start + ((cell - start) & mask)) | 0;
    Atomics.store(cells, cell * CELL_WORDS + C.SEQ, stateWord(ticket, P.FREE));
  }
}

/**
 * FNV-1a over `length` bytes of `buffer` from `byteOffset` (4-aligned), a 32-bit word at a time,
 * seeded with the ticket and length so a misplaced message fails it too. Both sides must pass
 * 4-aligned offsets so they hash the same words.
 */
export function checksum(buffer: ArrayBufferLike, byteOffset: number, length: number, ticket: number): number {
  let h = Math.imul(0x811c9dc5 ^ ticket, 16777619);
  h = Math.imul(h ^ length, 16777619);
  const words = length >> 2;
  if (words > 0) {
    const view = new Int32Array(buffer, byteOffset, words);
    for (let i = 0; i < words; i++) h = Math.imul(h ^ view[i]!, 16777619);
  }
  if (length & 3) {
    const tail = new Uint8Array(buffer, byteOffset + words * 4, length & 3);
    for (let i = 0; i < tail.length; i++) h = Math.imul(h ^ tail[i]!, 16777619);
  }
  return h | 0;
}
