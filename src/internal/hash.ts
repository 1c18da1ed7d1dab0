/**
 * The ledger's 32-bit content hash of UTF-8 bytes. Detects torn or edited entries (and keys the
 * tokenizer's shared rank table); not for security.
 *
 * Version 2 (current): FNV-1a's constants applied to 32-bit little-endian words in four independent
 * lanes over each 16-byte stripe, the lanes folded together, then the remaining words and bytes one
 * by one, then a final avalanche. One lane is bound by the latency of its multiply chain; four run
 * side by side (about 4× faster on 1 KB). Inputs under 16 bytes hash exactly as in version 1.
 *
 * Version 1 (dumps written before format version 2): a single lane over the words.
 */

/** The content hash version entries are written with (see {@link contentHash}); dumps record it. */
export const CONTENT_HASH_VERSION = 2;

const PRIME = 0x01000193;
const SEED = 0x811c9dc5;
/** Lane seeds: the start value xor-ed with distinct odd constants, so equal stripes in two lanes differ. */
const LANE_B = 0x9e3779b9;
const LANE_C = 0x85ebca6b;
const LANE_D = 0xc2b2ae35;

const avalanche = (h: number): number => {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
};

/** The little-endian 32-bit word of `bytes` at `i`. */
const wordAt = (bytes: Uint8Array, i: number): number =>
  bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);

/** Folds the four lanes into one hash value (as if they were three more words of a single lane). */
function fold(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ b, PRIME);
  h ^= h >>> 15;
  h = Math.imul(h ^ c, PRIME);
  h ^= h >>> 15;
  h = Math.imul(h ^ d, PRIME);
  return h ^ (h >>> 15);
}

/** The single-lane tail shared by both versions: whole words from `i`, then the trailing bytes. */
function tail(bytes: Uint8Array, h: number, i: number, end: number): number {
  for (; i + 4 <= end; i += 4) {
    h = Math.imul(h ^ wordAt(bytes, i), PRIME);
    h ^= h >>> 15;
  }
  for (; i < end; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, PRIME);
  }
  return avalanche(h);
}

/** The current ({@link CONTENT_HASH_VERSION}) content hash of `bytes[start, end)`. */
export function contentHash(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let h = SEED ^ (end - start);
  let i = start;
  if (end - i >= 16) {
    let a = h;
    let b = h ^ LANE_B;
    let c = h ^ LANE_C;
    let d = h ^ LANE_D;
    for (; i + 16 <= end; i += 16) {
      a = Math.imul(a ^ wordAt(bytes, i), PRIME);
      b = Math.imul(b ^ wordAt(bytes, i + 4), PRIME);
      c = Math.imul(c ^ wordAt(bytes, i + 8), PRIME);
      d = Math.imul(d ^ wordAt(bytes, i + 12), PRIME);
      a ^= a >>> 15;
      b ^= b >>> 15;
      c ^= c >>> 15;
      d ^= d >>> 15;
    }
    h = fold(a, b, c, d);
  }
  return tail(bytes, h, i, end);
}

/**
 * {@link contentHash} of `view`'s bytes [start, end), reading the words through the DataView (one
 * load each instead of four). `bytes` must be the same memory as `view` (it reads the tail).
 */
export function contentHashOfView(view: DataView, bytes: Uint8Array, start: number, end: number): number {
  let h = SEED ^ (end - start);
  let i = start;
  if (end - i >= 16) {
    let a = h;
    let b = h ^ LANE_B;
    let c = h ^ LANE_C;
    let d = h ^ LANE_D;
    for (; i + 16 <= end; i += 16) {
      a = Math.imul(a ^ view.getInt32(i, true), PRIME);
      b = Math.imul(b ^ view.getInt32(i + 4, true), PRIME);
      c = Math.imul(c ^ view.getInt32(i + 8, true), PRIME);
      d = Math.imul(d ^ view.getInt32(i + 12, true), PRIME);
      a ^= a >>> 15;
      b ^= b >>> 15;
      c ^= c >>> 15;
      d ^= d >>> 15;
    }
    h = fold(a, b, c, d);
  }
  for (; i + 4 <= end; i += 4) {
    h = Math.imul(h ^ view.getInt32(i, true), PRIME);
    h ^= h >>> 15;
  }
  return tail(bytes, h, i, end);
}

/** Version 1 of the content hash (one lane), kept to check dumps written before format version 2. */
export function contentHashV1(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return tail(bytes, SEED ^ (end - start), start, end);
}

/** The content hash of a string's UTF-8 bytes, in `version` (1 or 2; default the current one). */
export function contentHashOfText(text: string, version: 1 | 2 = CONTENT_HASH_VERSION): number {
  const bytes = Buffer.from(text, 'utf8');
  return version === 1 ? contentHashV1(bytes) : contentHash(bytes);
}
