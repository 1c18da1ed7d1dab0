/**
 * The context ledger on SharedArrayBuffers. One writer appends; readers in any thread read without
 * locks. Publish order: arena bytes, then the index entry, then `Atomics.store` of the count (which
 * a reader loads first), so an entry below the count a reader saw is always complete.
 *
 * Buffers: a fixed header (hot words on their own cache lines), a growable index of 64-byte entries
 * and a growable UTF-8 arena. Both grow up to their configured maximum, then appends are refused
 * with LedgerFullError and nothing is written: the ledger never overwrites or truncates.
 */
import { isUtf8 } from 'node:buffer';
import { z } from 'zod';
import { parseConfig } from '../internal/parse.js';
import { DelmError, LedgerFullError } from '../errors.js';
import {
  ensureByteLength,
  float64View,
  growableBuffer,
  int32View,
  prefault,
  waitAsync,
} from '../internal/shared-memory.js';
import { contentHashOfView } from '../internal/hash.js';
import {
  ENTRY_KINDS,
  type ContextLedger,
  type EntryKind,
  type EntryLevel,
  type LedgerEntry,
  type LedgerEntryInput,
  type LedgerWriter,
} from './types.js';

const MAGIC = 0x44_4c_44_47; // "DLDG"
const VERSION = 1;
const LINE = 16;
const H = {
  MAGIC: 0,
  VERSION: 1,
  MAX_ENTRIES: 2,
  MAX_BYTES: 3,
  WRITER: 4,
  COUNT: LINE,
  BYTES: LINE * 2,
  SEQ: LINE * 3,
  WAITERS: LINE * 4,
} as const;
const HEADER_BYTES = LINE * 5 * 4;

/** Int32 words per index entry (64 bytes); timestamp and expiry are Float64 in words 10-11 and 12-13. */
const E = {
  OFF: 0,
  LEN: 1,
  KIND: 2,
  LEVEL: 3,
  TASK: 4,
  AUTHOR: 5,
  PARENT: 6,
  TOKENS: 7,
  HASH: 8,
  META_OFF: 9,
  META_LEN: 14,
} as const;
const ENTRY_WORDS = 16;
const F64_TIMESTAMP = 5;
const F64_EXPIRES = 6;

const DEFAULT_LEVEL: Partial<Record<EntryKind, EntryLevel>> = { summary: 1, raw: 2 };

/** U+FFFD in UTF-8: what a lone surrogate is written as. */
const REPLACEMENT = Buffer.from([0xef, 0xbf, 0xbd]);
/** Buffer's native search, applied to a plain Uint8Array view (cheaper to make than a Buffer one). */
const { indexOf: indexOfBytes } = Buffer.prototype as unknown as {
  indexOf: (this: Uint8Array, value: Uint8Array) => number;
};

/**
 * `ensureByteLength`, then the pages the buffer grew by touched at once (see `prefault`): the writer
 * pays for fresh memory when it grows, not on whichever later append first lands on a page.
 */
function ensureTouched(sab: SharedArrayBuffer, needed: number): boolean {
  const before = sab.byteLength;
  if (!ensureByteLength(sab, needed)) return false;
  if (sab.byteLength > before) prefault(sab, before);
  return true;
}

/** Structured-cloneable handle: send it to a worker and attach there. */
export interface LedgerHandle {
  readonly kind: 'delm.ledger';
  readonly header: SharedArrayBuffer;
  readonly index: SharedArrayBuffer;
  readonly arena: SharedArrayBuffer;
}

/** Options of a new ledger (validated). */
export const LedgerOptionsSchema = z
  .object({
    initialBytes: z
      .number()
      .int()
      .min(1024)
      .default(1 << 20),
    maxBytes: z
      .number()
      .int()
      .min(1024)
      .max(2 ** 31 - 1)
      .default(512 << 20),
    initialEntries: z.number().int().min(16).default(4096),
    maxEntries: z.number().int().min(16).max(16_000_000).default(1_000_000),
  })
  .strict();
/** Options of {@link SharedLedger.create}. */
export type LedgerOptions = z.input<typeof LedgerOptionsSchema>;

const noSuchEntry = (id: number, count: number) =>
  new DelmError('NOT_FOUND', `no ledger entry ${id} (the ledger has ${count})`);

/** Shared-memory ledger. `create` returns the writer; `attach` a read-only view in any thread. */
export class SharedLedger implements LedgerWriter {
  readonly handle: LedgerHandle;
  private readonly header: Int32Array;
  private index: Int32Array;
  private indexF64: Float64Array;
  private arena: Buffer;
  /** The same bytes as `arena`, for the hash's word loads. */
  private arenaWords: DataView;
  /** Writer token held by this instance (0 for readers). */
  private token: number;

  private constructor(handle: LedgerHandle, token: number) {
    this.handle = handle;
    this.header = new Int32Array(handle.header);
    if (this.header[H.MAGIC] !== MAGIC || this.header[H.VERSION] !== VERSION)
      throw new DelmError('INVALID_ARGUMENT', 'not a delm ledger handle (bad magic or version)');
    this.index = int32View(handle.index);
    this.indexF64 = float64View(handle.index);
    this.arena = Buffer.from(handle.arena);
    this.arenaWords = new DataView(handle.arena, 0, this.arena.length);
    this.token = token;
  }

  /** Creates an empty ledger; the caller holds the write side until `releaseWriter()`. */
  static create(options: LedgerOptions = {}): SharedLedger {
    const o = parseConfig(LedgerOptionsSchema, options, 'invalid ledger options');
    const header = new SharedArrayBuffer(HEADER_BYTES);
    const h = new Int32Array(header);
    h[H.MAGIC] = MAGIC;
    h[H.VERSION] = VERSION;
    h[H.MAX_ENTRIES] = o.maxEntries;
    h[H.MAX_BYTES] = o.maxBytes;
    h[H.WRITER] = 1;
    const indexBytes = Math.min(o.initialEntries, o.maxEntries) * ENTRY_WORDS * 4;
    const arenaBytes = Math.min(o.initialBytes, o.maxBytes);
    const handle: LedgerHandle = {
      kind: 'delm.ledger',
      header,
      index: growableBuffer(indexBytes, o.maxEntries * ENTRY_WORDS * 4),
      arena: growableBuffer(arenaBytes, o.maxBytes),
    };
    // The initial size is what the caller asked to have ready: all of it, however large.
    prefault(handle.index, 0, indexBytes, Infinity);
    prefault(handle.arena, 0, arenaBytes, Infinity);
    return new SharedLedger(handle, 1);
  }

  /** A read-only view of a ledger created elsewhere. */
  static attach(handle: LedgerHandle): ContextLedger {
    return new SharedLedger(handle, 0);
  }

  /** Takes over the write side in this thread; throws if another instance still holds it. */
  static attachWriter(handle: LedgerHandle): SharedLedger {
    const header = new Int32Array(handle.header);
    const token = (Math.random() * 2 ** 30) | 2;
    if (Atomics.compareExchange(header, H.WRITER, 0, token) !== 0) {
      throw new DelmError(
        'INVALID_ARGUMENT',
        'the ledger already has a writer: the holder must call releaseWriter() first (one writer at a time)',
      );
    }
    return new SharedLedger(handle, token);
  }

  /**
   * Empties the ledger for reuse by a new run and takes back the write side (keeping its memory: a
   * long-running swarm allocates its ledgers once). Only for the creator, and only when no other
   * thread uses the ledger any more; the sequence keeps counting so no stale waiter mistakes it.
   */
  reset(): void {
    Atomics.store(this.header, H.COUNT, 0);
    Atomics.store(this.header, H.BYTES, 0);
    Atomics.store(this.header, H.WAITERS, 0);
    Atomics.store(this.header, H.WRITER, 1);
    Atomics.add(this.header, H.SEQ, 1);
    this.token = 1;
  }

  /** Gives up the write side so another thread can `attachWriter`. */
  releaseWriter(): void {
    if (this.token !== 0) Atomics.compareExchange(this.header, H.WRITER, this.token, 0);
    this.token = 0;
  }

  get count(): number {
    return Atomics.load(this.header, H.COUNT);
  }

  get sequence(): number {
    return Atomics.load(this.header, H.SEQ);
  }

  /** Bytes of the arena in use. */
  get bytesUsed(): number {
    return Atomics.load(this.header, H.BYTES);
  }

  append(input: LedgerEntryInput): LedgerEntry {
    const count = this.admit(input);
    const meta = input.meta === undefined ? '' : JSON.stringify(input.meta);
    const metaBytes = meta ? Buffer.byteLength(meta, 'utf8') : 0;
    const offset = this.bytesUsed;
    const maxBytes = this.header[H.MAX_BYTES]!;
    // Room for the worst case (3 UTF-8 bytes per UTF-16 unit) saves measuring the text twice;
    // only near the limit is the exact size worth computing.
    let textRoom = input.text.length * 3;
    let room = offset + textRoom + metaBytes;
    if (room > this.arena.length && (room > maxBytes || !ensureTouched(this.handle.arena, room))) {
      textRoom = Buffer.byteLength(input.text, 'utf8');
      room = offset + textRoom + metaBytes;
      if (room > maxBytes || !ensureTouched(this.handle.arena, room))
        throw new LedgerFullError(room, maxBytes, 'bytes');
    }
    this.ensureIndex(count);
    const arena = this.arenaView(room);
    // Encoded once, straight into the arena past the published end (so refusing leaves nothing behind).
    // (Buffer#write, not TextEncoder#encodeInto: the same V8 encoder, without a view and a result object per call.)
    const textBytes = input.text.length === 0 ? 0 : arena.write(input.text, offset, textRoom, 'utf8');
    // A lone surrogate is written as U+FFFD; only text holding those bytes needs the full scan, to
    // tell one from a real U+FFFD.
    if (textBytes > input.text.length && this.holdsReplacement(offset, textBytes) && !input.text.isWellFormed())
      throw new DelmError(
        'INVALID_ARGUMENT',
        'entry text contains a lone surrogate (not valid Unicode); it would not survive a UTF-8 round trip',
      );
    if (metaBytes) arena.write(meta, offset + textBytes, metaBytes, 'utf8');
    return this.publish(input, input.text, count, offset, textBytes, meta, metaBytes);
  }

  /**
   * Appends an entry whose text is given already encoded as UTF-8 (copied, not re-encoded): the same
   * entry, byte for byte, as `append` with the decoded text. Refuses bytes that are not well-formed
   * UTF-8 (INVALID_ARGUMENT), writing nothing.
   *
   * `decoded`: the string these bytes decode to, when the caller already holds it (the verifier
   * decoded the proposal it received to check it); it becomes the returned entry's `text` instead of
   * decoding the bytes again. The caller vouches for it: the ledger stores and hashes only the bytes.
   */
  appendUtf8(input: Omit<LedgerEntryInput, 'text'>, utf8: Uint8Array, decoded?: string): LedgerEntry {
    const count = this.admit(input);
    if (!isUtf8(utf8)) throw new DelmError('INVALID_ARGUMENT', 'entry text is not well-formed UTF-8');
    const meta = input.meta === undefined ? '' : JSON.stringify(input.meta);
    const metaBytes = meta ? Buffer.byteLength(meta, 'utf8') : 0;
    const offset = this.bytesUsed;
    const maxBytes = this.header[H.MAX_BYTES]!;
    const room = offset + utf8.length + metaBytes;
    if (room > this.arena.length && (room > maxBytes || !ensureTouched(this.handle.arena, room)))
      throw new LedgerFullError(room, maxBytes, 'bytes');
    this.ensureIndex(count);
    const arena = this.arenaView(room);
    arena.set(utf8, offset);
    if (metaBytes) arena.write(meta, offset + utf8.length, metaBytes, 'utf8');
    const text = decoded ?? arena.toString('utf8', offset, offset + utf8.length);
    return this.publish(input, text, count, offset, utf8.length, meta, metaBytes);
  }

  /** Checks what an append may not do (not the writer, unknown kind, bad parent, full index); returns the new id. */
  private admit(input: Omit<LedgerEntryInput, 'text'>): number {
    if (this.token === 0 || Atomics.load(this.header, H.WRITER) !== this.token) {
      throw new DelmError(
        'INVALID_ARGUMENT',
        'this ledger view cannot append: only the single writer (the verifier) can',
      );
    }
    if (!ENTRY_KINDS.includes(input.kind))
      throw new DelmError('INVALID_ARGUMENT', `unknown ledger entry kind "${String(input.kind)}"`);
    const count = this.count;
    if (input.parentId !== undefined && (input.parentId < 0 || input.parentId >= count))
      throw noSuchEntry(input.parentId, count);
    const maxEntries = this.header[H.MAX_ENTRIES]!;
    if (count + 1 > maxEntries) throw new LedgerFullError(count + 1, maxEntries, 'entries');
    return count;
  }

  private ensureIndex(count: number): void {
    // The views only grow with the buffer: room in them is room in the buffer (no length read needed).
    if (
      (count + 1) * ENTRY_WORDS > this.index.length &&
      !ensureTouched(this.handle.index, (count + 1) * ENTRY_WORDS * 4)
    )
      throw new LedgerFullError(count + 1, this.header[H.MAX_ENTRIES]!, 'entries');
  }

  /** Whether the arena's bytes [offset, offset + length) hold U+FFFD. */
  private holdsReplacement(offset: number, length: number): boolean {
    return indexOfBytes.call(new Uint8Array(this.handle.arena, offset, length), REPLACEMENT) >= 0;
  }

  /** Writes the index entry of text and meta already in the arena, and publishes it. */
  private publish(
    input: Omit<LedgerEntryInput, 'text'>,
    text: string,
    count: number,
    offset: number,
    textBytes: number,
    meta: string,
    metaBytes: number,
  ): LedgerEntry {
    const index = this.indexView(count);
    const base = count * ENTRY_WORDS;
    const level = input.level ?? DEFAULT_LEVEL[input.kind] ?? 0;
    const timestamp = input.timestamp ?? Date.now();
    const hash = contentHashOfView(this.arenaWords, this.arena, offset, offset + textBytes);
    index[base + E.OFF] = offset;
    index[base + E.LEN] = textBytes;
    index[base + E.KIND] = ENTRY_KINDS.indexOf(input.kind);
    index[base + E.LEVEL] = level;
    index[base + E.TASK] = input.taskId ?? 0;
    index[base + E.AUTHOR] = input.authorId ?? 0;
    index[base + E.PARENT] = (input.parentId ?? -1) + 1;
    index[base + E.TOKENS] = input.tokenCount ?? 0;
    index[base + E.HASH] = hash;
    index[base + E.META_OFF] = offset + textBytes;
    index[base + E.META_LEN] = metaBytes;
    this.indexF64[count * 8 + F64_TIMESTAMP] = timestamp;
    this.indexF64[count * 8 + F64_EXPIRES] = input.expiresAt ?? 0;
    Atomics.store(this.header, H.BYTES, offset + textBytes + metaBytes);
    // Publish: readers load COUNT first, so everything above is visible to whoever sees count + 1.
    Atomics.store(this.header, H.COUNT, count + 1);
    Atomics.add(this.header, H.SEQ, 1);
    if (Atomics.load(this.header, H.WAITERS) > 0) Atomics.notify(this.header, H.SEQ);
    return {
      id: count,
      kind: input.kind,
      level,
      text,
      taskId: index[base + E.TASK]!,
      authorId: index[base + E.AUTHOR]!,
      parentId: input.parentId ?? -1,
      tokenCount: index[base + E.TOKENS]!,
      expiresAt: input.expiresAt ?? 0,
      hash,
      timestamp,
      meta: metaBytes ? (JSON.parse(meta) as Record<string, unknown>) : undefined,
    };
  }

  get(id: number): LedgerEntry {
    const count = this.count;
    if (!Number.isInteger(id) || id < 0 || id >= count) throw noSuchEntry(id, count);
    return this.read(id);
  }

  slice(from = 0, to?: number): LedgerEntry[] {
    const count = this.count;
    const end = Math.min(to ?? count, count);
    const out: LedgerEntry[] = [];
    for (let id = Math.max(0, from); id < end; id++) out.push(this.read(id));
    return out;
  }

  unfold(id: number): LedgerEntry | undefined {
    const entry = this.get(id);
    return entry.parentId >= 0 ? this.read(entry.parentId) : undefined;
  }

  waitForChange(seen: number, timeoutMs = Number.POSITIVE_INFINITY): 'changed' | 'timed-out' {
    Atomics.add(this.header, H.WAITERS, 1);
    try {
      const r = Atomics.wait(this.header, H.SEQ, seen, timeoutMs);
      return r === 'timed-out' ? 'timed-out' : 'changed';
    } finally {
      Atomics.sub(this.header, H.WAITERS, 1);
    }
  }

  async waitForChangeAsync(seen: number, timeoutMs = 2 ** 31 - 1): Promise<'changed' | 'timed-out'> {
    Atomics.add(this.header, H.WAITERS, 1);
    try {
      const r = await waitAsync(this.header, H.SEQ, seen, timeoutMs);
      return r === 'timed-out' ? 'timed-out' : 'changed';
    } finally {
      Atomics.sub(this.header, H.WAITERS, 1);
    }
  }

  private read(id: number): LedgerEntry {
    const index = this.indexView(id);
    const base = id * ENTRY_WORDS;
    const offset = index[base + E.OFF]!;
    const length = index[base + E.LEN]!;
    const metaOff = index[base + E.META_OFF]!;
    const metaLen = index[base + E.META_LEN]!;
    const arena = this.arenaView(Math.max(offset + length, metaOff + metaLen));
    return {
      id,
      kind: ENTRY_KINDS[index[base + E.KIND]!]!,
      level: index[base + E.LEVEL]! as EntryLevel,
      text: arena.toString('utf8', offset, offset + length),
      taskId: index[base + E.TASK]!,
      authorId: index[base + E.AUTHOR]!,
      parentId: index[base + E.PARENT]! - 1,
      tokenCount: index[base + E.TOKENS]!,
      expiresAt: this.indexF64[id * 8 + F64_EXPIRES]!,
      hash: index[base + E.HASH]! >>> 0,
      timestamp: this.indexF64[id * 8 + F64_TIMESTAMP]!,
      meta: metaLen
        ? (JSON.parse(arena.toString('utf8', metaOff, metaOff + metaLen)) as Record<string, unknown>)
        : undefined,
    };
  }

  // Fixed-length views are refreshed when the buffer has grown past them (it only grows).
  private indexView(id: number): Int32Array {
    if ((id + 1) * ENTRY_WORDS > this.index.length) {
      this.index = int32View(this.handle.index);
      this.indexF64 = float64View(this.handle.index);
    }
    return this.index;
  }

  private arenaView(end: number): Buffer {
    if (end > this.arena.length) {
      this.arena = Buffer.from(this.handle.arena);
      this.arenaWords = new DataView(this.handle.arena, 0, this.arena.length);
    }
    return this.arena;
  }
}
