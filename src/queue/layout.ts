/**
 * Binary layout of the shared task queue. Three kinds of buffer:
 * - `control`: fixed Int32 header; every hot word on its own 64-byte cache line;
 * - `slots`: one 64-byte record per task (so neighbouring tasks never share a cache line);
 * - `bands[p]`: per priority band, an append-only list of task ids + 1 (0 = being written);
 * - `arena`: UTF-8 payloads, results and failure reasons.
 */

export const QUEUE_MAGIC = 0x44_51_55_45; // "DQUE"
export const QUEUE_VERSION = 1;

/** Priority bands; priority p is claimed before p - 1. */
export const BANDS = 4;

/** Int32 words per cache line. */
const LINE = 16;

/** Header word indexes (Int32) in the control buffer. */
export const H = {
  MAGIC: 0,
  VERSION: 1,
  MAX_TASKS: 2,
  MAX_ARENA_BYTES: 3,
  DEFAULT_LEASE_MS: 4,
  DEFAULT_MAX_ATTEMPTS: 5,
  /** The shortest lease any claim has used (ms): a claim made after a sweep expires no sooner than that. */
  MIN_LEASE_MS: 6,
  /** Float64 epoch (ms on the queue's clock at creation) lives at byte 32 = words 8..9. */
  EPOCH_F64_INDEX: 4,
  TAIL: LINE * 1, // tasks allocated
  OPEN: LINE * 2, // pending + claimed
  SEQ: LINE * 3, // bumped when a sleeper must wake
  SLEEPERS: LINE * 4,
  ARENA_USED: LINE * 5,
  CLOSED: LINE * 6,
  BAND_TAIL: LINE * 8, // + band * LINE
  BAND_HEAD: LINE * (8 + BANDS), // + band * LINE: first position that may still be pending
  BAND_LOW: LINE * (8 + 2 * BANDS), // + band * LINE: first position not yet finished
} as const;

/** Bytes of the control buffer. */
export const CONTROL_BYTES = (H.BAND_LOW + BANDS * LINE) * 4;

/** Int32 words per task slot. */
export const SLOT_WORDS = 16;
/** Word offsets inside a slot. */
export const S = {
  STATE: 0, // generation << 3 | state
  DEADLINE: 1, // ms since epoch; raised by claimers racing, then set to the winner's own
  PRIORITY: 2,
  MAX_ATTEMPTS: 3,
  PAYLOAD_OFF: 4,
  PAYLOAD_LEN: 5,
  RESULT_OFF: 6,
  RESULT_LEN: 7,
  PARENT: 8, // parent id + 1 (0 = none)
  AGENT: 9,
  BAND_POS: 10,
  ATTEMPTS: 11,
} as const;

/** State codes in the low 3 bits of a slot's state word. */
export const ST = {
  EMPTY: 0,
  PENDING: 1,
  CLAIMED: 2,
  /** Holder is writing its result or reason; counts as claimed (and can expire). */
  FINISHING: 3,
  DONE: 4,
  FAILED: 5,
} as const;

/** Packs a generation and a state code into one state word. */
export const word = (generation: number, state: number): number => (generation << 3) | state;
/** State code of a state word. */
export const stateOf = (w: number): number => w & 7;
/** Generation of a state word. */
export const generationOf = (w: number): number => w >>> 3;
