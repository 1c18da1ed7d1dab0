/**
 * A byte-pair-encoding rank table in one SharedArrayBuffer: built once, read by every thread.
 *
 * A tokenizer's ranks as JavaScript objects cost each worker isolate 50–150 MiB (js-tiktoken's maps
 * of o200k_base: ~150 MiB); a swarm of 64 agents would spend gigabytes on the same table. Here it is
 * ~4 MiB of shared memory, attached by workers without copying.
 *
 * The table can also be built lazily into an empty growable buffer handed out in advance
 * ({@link SharedRanks.emptySlot}): the first thread that needs it builds it, the others wait for it.
 *
 * A built table can be kept on disk and read back by later processes ({@link RankTableStore}): a
 * process then starts counting in a few milliseconds instead of ~0.3 s of decoding and hashing.
 *
 * Layout (32-bit words unless noted):
 *   header   magic, version, token count, table mask, arena bytes, pattern bytes, state, checksum
 *            (the content hash of everything after the header)
 *   offsets  token count + 1 — rank r's bytes are arena[offsets[r], offsets[r + 1])
 *   table    open addressing, linear probing: rank + 1, or 0 for an empty slot
 *   arena    the tokens' bytes (u8), then the split pattern as UTF-8
 */
import { ensureByteLength, growableBuffer } from '../internal/shared-memory.js';
import { DelmError } from '../errors.js';
import { contentHash } from '../internal/hash.js';

const MAGIC = 0x44_42_50_45; // "DBPE"
/** The table format (2: the checksum word). Its slots follow `contentHash`, so that version keys a store too. */
export const RANK_TABLE_VERSION = 2;
const VERSION = RANK_TABLE_VERSION;
const HEADER_WORDS = 8;
/** Bytes before the offsets: what a store reads apart, so a table is published only once checked. */
export const RANK_TABLE_HEADER_BYTES = HEADER_WORDS * 4;
const H = { MAGIC: 0, VERSION: 1, TOKENS: 2, MASK: 3, ARENA: 4, PATTERN: 5, STATE: 6, CHECKSUM: 7 } as const;
const STATE = { EMPTY: 0, BUILDING: 1, READY: 2 } as const;
/** Room reserved (not committed) for a lazily built table; o200k_base needs ~4.2 MiB. */
const SLOT_MAX_BYTES = 16 * 2 ** 20;

/** Where built tables are kept between processes (see rank-store.ts). Both sides are best effort. */
export interface RankTableStore {
  /** A stored table, read into `into` (or memory of its own) and checked; undefined when none is usable. */
  read(into: SharedArrayBuffer | undefined): SharedRanks | undefined;
  /** Keeps a table this thread just built. */
  write(ranks: SharedRanks): void;
}

/** Bytes a table with this header occupies, header included. */
const tableBytes = (header: ArrayLike<number>): number =>
  RANK_TABLE_HEADER_BYTES +
  (header[H.TOKENS]! + 1) * 4 +
  (header[H.MASK]! + 1) * 4 +
  header[H.ARENA]! +
  header[H.PATTERN]!;

/** What {@link SharedRanks.build} reads: tiktoken's rank file format (as shipped by js-tiktoken). */
export interface TiktokenRanksData {
  /** The pre-tokenizer's regular expression (Unicode mode). */
  readonly pat_str: string;
  /** Lines of `! <first rank> <base64 token> <base64 token> …`, ranks consecutive from the first. */
  readonly bpe_ranks: string;
}

/** A shared, read-only rank table: token bytes → rank. */
export class SharedRanks {
  /** The split pattern that goes with these ranks. */
  readonly pattern: string;
  /** Number of tokens. */
  readonly size: number;
  private readonly offsets: Int32Array;
  private readonly table: Int32Array;
  private readonly mask: number;
  private readonly arena: Uint8Array;

  private constructor(
    /** The shared memory; pass it to another thread and {@link SharedRanks.attach} it there. */
    readonly buffer: SharedArrayBuffer,
  ) {
    const header = new Int32Array(buffer, 0, HEADER_WORDS);
    if (Atomics.load(header, H.STATE) !== STATE.READY || header[H.MAGIC] !== MAGIC || header[H.VERSION] !== VERSION) {
      throw new DelmError('INVALID_ARGUMENT', 'not a delm rank table (bad magic or version)');
    }
    this.size = header[H.TOKENS]!;
    this.mask = header[H.MASK]!;
    let at = HEADER_WORDS * 4;
    this.offsets = new Int32Array(buffer, at, this.size + 1);
    at += (this.size + 1) * 4;
    this.table = new Int32Array(buffer, at, this.mask + 1);
    at += (this.mask + 1) * 4;
    this.arena = new Uint8Array(buffer, at, header[H.ARENA]);
    this.pattern = Buffer.from(buffer, at + header[H.ARENA]!, header[H.PATTERN]).toString('utf8');
  }

  /**
   * Builds the table from tiktoken-format rank data, in a new buffer or in `into` (a growable
   * buffer, such as an {@link SharedRanks.emptySlot}, that this thread is entitled to fill).
   */
  static build(data: TiktokenRanksData, into?: SharedArrayBuffer): SharedRanks {
    // Base64 tokens by rank, decoded straight into the arena below: 200k small Buffers would cost
    // every thread that builds a table tens of MiB of heap it never gives back.
    const encoded: string[] = [];
    let given = 0;
    for (const line of data.bpe_ranks.split('\n')) {
      if (!line) continue;
      const [, first, ...tokens] = line.split(' ');
      const base = Number(first);
      for (const [i, token] of tokens.entries()) encoded[base + i] = token;
      given += tokens.length;
    }
    const size = encoded.length;
    if (size === 0 || given !== size) {
      throw new DelmError('INVALID_ARGUMENT', 'rank data must hold consecutive ranks from 0');
    }
    const slots = 2 ** Math.ceil(Math.log2(size * 2.5));
    const arenaBytes = encoded.reduce((n, token) => n + Buffer.byteLength(token, 'base64'), 0);
    const pattern = Buffer.from(data.pat_str, 'utf8');
    const fields = [MAGIC, VERSION, size, slots - 1, arenaBytes, pattern.length];
    const bytes = tableBytes(fields);
    const buffer = into ?? new SharedArrayBuffer(bytes);
    if (!ensureByteLength(buffer, bytes))
      throw new DelmError('INVALID_ARGUMENT', `a rank table of ${bytes} bytes does not fit its buffer`);
    const header = new Int32Array(buffer, 0, HEADER_WORDS);
    header.set(fields, 0);
    const offsets = new Int32Array(buffer, HEADER_WORDS * 4, size + 1);
    const table = new Int32Array(buffer, HEADER_WORDS * 4 + (size + 1) * 4, slots);
    const arenaStart = HEADER_WORDS * 4 + (size + 1) * 4 + slots * 4;
    const arena = Buffer.from(buffer, arenaStart, arenaBytes + pattern.length);
    let at = 0;
    for (let rank = 0; rank < size; rank++) {
      offsets[rank] = at;
      const end = at + arena.write(encoded[rank]!, at, 'base64');
      let slot = contentHash(arena, at, end) & (slots - 1);
      while (table[slot] !== 0) slot = (slot + 1) & (slots - 1);
      table[slot] = rank + 1;
      at = end;
    }
    offsets[size] = at;
    pattern.copy(arena, arenaBytes);
    header[H.CHECKSUM] = contentHash(new Uint8Array(buffer, RANK_TABLE_HEADER_BYTES, bytes - RANK_TABLE_HEADER_BYTES));
    // Publish: whoever loads READY sees everything written above.
    Atomics.store(header, H.STATE, STATE.READY);
    Atomics.notify(header, H.STATE);
    return new SharedRanks(buffer);
  }

  /**
   * The table whose header is `stored` and whose other bytes a store has already written into
   * `into` at {@link RANK_TABLE_HEADER_BYTES}: checked against the header's checksum, then published
   * (so no thread sees it before). Throws `INVALID_ARGUMENT` when it is not a whole table of this version.
   */
  static adopt(into: SharedArrayBuffer, stored: Int32Array): SharedRanks {
    const sizes = [H.TOKENS, H.MASK, H.ARENA, H.PATTERN].map((w) => stored[w] ?? -1);
    const bytes = stored.length === HEADER_WORDS && sizes.every((n) => n >= 0) ? tableBytes(stored) : -1;
    if (
      stored[H.MAGIC] !== MAGIC ||
      stored[H.VERSION] !== VERSION ||
      !(bytes > RANK_TABLE_HEADER_BYTES && bytes <= into.byteLength) ||
      contentHash(new Uint8Array(into, RANK_TABLE_HEADER_BYTES, bytes - RANK_TABLE_HEADER_BYTES)) !==
        stored[H.CHECKSUM]! >>> 0
    )
      throw new DelmError('INVALID_ARGUMENT', 'not a whole delm rank table of this version');
    const header = new Int32Array(into, 0, HEADER_WORDS);
    for (let w = 0; w < HEADER_WORDS; w++) if (w !== H.STATE) header[w] = stored[w]!;
    Atomics.store(header, H.STATE, STATE.READY);
    Atomics.notify(header, H.STATE);
    return new SharedRanks(into);
  }

  /** The table as a store keeps it: header and all, {@link SharedRanks.adopt}'s input. */
  get bytes(): Uint8Array {
    return new Uint8Array(this.buffer, 0, tableBytes(new Int32Array(this.buffer, 0, HEADER_WORDS)));
  }

  /** An empty slot for a table built later by {@link SharedRanks.open}; it commits no memory until then. */
  static emptySlot(): SharedArrayBuffer {
    return growableBuffer(HEADER_WORDS * 4, SLOT_MAX_BYTES);
  }

  /**
   * The table in `slot`: attached when built, made here when this thread is first (read from `store`
   * when it holds one, else built from `load`'s data and given to `store`), waited for when another
   * thread is making it. A maker that dies mid-way (a terminated worker) would leave its slot in
   * BUILDING: after `waitMs` this thread makes a private table instead of waiting forever.
   */
  static open(
    slot: SharedArrayBuffer,
    load: () => TiktokenRanksData,
    { waitMs = 10_000, store }: { waitMs?: number; store?: RankTableStore | undefined } = {},
  ): SharedRanks {
    const make = (into?: SharedArrayBuffer): SharedRanks => {
      const stored = store?.read(into);
      if (stored) return stored;
      const built = SharedRanks.build(load(), into);
      store?.write(built);
      return built;
    };
    const header = new Int32Array(slot, 0, HEADER_WORDS);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const state = Atomics.compareExchange(header, H.STATE, STATE.EMPTY, STATE.BUILDING);
      if (state === STATE.READY) return new SharedRanks(slot);
      if (state === STATE.EMPTY) {
        try {
          return make(slot);
        } catch (error) {
          // Let the next thread try rather than leave everyone waiting on a build that failed.
          Atomics.store(header, H.STATE, STATE.EMPTY);
          Atomics.notify(header, H.STATE);
          throw error;
        }
      }
      // Atomics.wait is allowed on Node's main thread too; a build takes ~0.1 s.
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(header, H.STATE, STATE.BUILDING, left) === 'timed-out') return make();
    }
  }

  /** The table in `buffer`, as built (possibly in another thread). */
  static attach(buffer: SharedArrayBuffer): SharedRanks {
    return new SharedRanks(buffer);
  }

  /** The rank of the token whose bytes are `bytes[start, end)`, or -1 when it is not a token. */
  rank(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    const { table, offsets, arena, mask } = this;
    for (let slot = contentHash(bytes, start, end) & mask; ; slot = (slot + 1) & mask) {
      const entry = table[slot]!;
      if (entry === 0) return -1;
      const rank = entry - 1;
      const from = offsets[rank]!;
      if (offsets[rank + 1]! - from !== length) continue;
      let i = 0;
      while (i < length && arena[from + i] === bytes[start + i]) i++;
      if (i === length) return rank;
    }
  }
}
