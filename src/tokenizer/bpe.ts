/**
 * Byte-pair-encoding token counts over a {@link SharedRanks} table, with tiktoken's semantics: the
 * text is split by the ranks' pattern, each piece encoded as UTF-8 and merged pair by pair, always
 * the lowest-ranked pair first (the leftmost among equals). Merging uses a heap, so a pathological
 * piece (a megabyte of one punctuation mark) costs n log n, not n².
 *
 * Special tokens such as `<|endoftext|>` are counted as the plain text they are: a document that
 * contains one cannot make counting fail.
 */
import { BoundedMemo } from '../internal/bounded-memo.js';
import type { SharedRanks } from './shared-ranks.js';
import { asciiSplits, nextAsciiPiece, O200K_SPLIT_PATTERN } from './ascii-split.js';

const utf8 = new TextEncoder();

/** Scratch space shared by every count in this thread (counting is synchronous). */
let bytes = new Uint8Array(1024);
let next = new Int32Array(256);
let prev = new Int32Array(256);
let pairRank = new Int32Array(256);
let heap = new Float64Array(256);

function reserve(pieceLength: number): void {
  if (bytes.length < pieceLength * 3) bytes = new Uint8Array(pieceLength * 6);
}

function reserveParts(n: number): void {
  if (next.length <= n) {
    next = new Int32Array(n * 2);
    prev = new Int32Array(n * 2);
    pairRank = new Int32Array(n * 2);
  }
  // At most n - 1 initial pairs plus two per merge are ever pushed.
  if (heap.length < n * 3) heap = new Float64Array(n * 6);
}

/** Heap keys order by rank, then start: `rank * 2^32 + start` is exact in a double. */
const SHIFT = 2 ** 32;

/** Number of tokens `bytes[0, n)` merges into. */
function mergedCount(ranks: SharedRanks, n: number): number {
  if (n <= 1 || ranks.rank(bytes, 0, n) >= 0) return Math.min(n, 1);
  reserveParts(n + 1);
  // Parts are a linked list of start offsets; a part ends where the next one starts.
  for (let i = 0; i < n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
  }
  const endOf = (start: number) => next[start]!;
  const pairEnd = (start: number) => (endOf(start) < n ? endOf(endOf(start)) : -1);
  let size = 0;
  const push = (key: number) => {
    let i = size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= key) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = key;
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap[--size]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && heap[child + 1]! < heap[child]!) child++;
      if (heap[child]! >= last) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  };
  const rankPair = (start: number) => {
    const end = start >= 0 ? pairEnd(start) : -1;
    const rank = end < 0 ? -1 : ranks.rank(bytes, start, end);
    if (start >= 0) pairRank[start] = rank;
    if (rank >= 0) push(rank * SHIFT + start);
  };

  for (let i = 0; i < n; i++) rankPair(i);
  let parts = n;
  while (size > 0) {
    const key = pop();
    const start = key % SHIFT;
    // An entry is stale once its part was merged away or its pair changed; ranks name byte strings,
    // so an unchanged rank means an unchanged pair.
    if (pairRank[start] !== (key - start) / SHIFT || next[start]! > n) continue;
    const gone = next[start]!;
    next[start] = next[gone]!;
    if (next[start] < n) prev[next[start]] = start;
    next[gone] = n + 1; // marks `gone` as no longer a part
    pairRank[gone] = -1;
    parts--;
    rankPair(start);
    rankPair(prev[start]!);
  }
  return parts;
}

/**
 * Number of tokens in `text` under `ranks` (and the ranks' split pattern, compiled by the caller).
 *
 * Under a pattern known to split there (see {@link LINE_SPLIT_PATTERNS}), a text is counted line by
 * line, and the count of each line is memoised: prompts repeat most of their lines from one call to
 * the next (instructions, the digest of the ledger), so a repeated line costs one lookup instead of
 * the split pattern's match over it.
 */
export function countBpeTokens(text: string, ranks: SharedRanks, pattern: RegExp): number {
  if (!LINE_SPLIT_PATTERNS.has(ranks.pattern)) return countPieces(text, ranks, pattern);
  let memo = lineMemos.get(ranks);
  if (memo === undefined) lineMemos.set(ranks, (memo = new BoundedMemo(MEMO_LINES)));
  let count = 0;
  let start = 0;
  for (let nl = text.indexOf('\n'); nl !== -1 && nl + 1 < text.length; nl = text.indexOf('\n', nl + 1)) {
    if (!splitsAfter(text, nl + 1)) continue;
    count += countLine(text.slice(start, nl + 1), ranks, pattern, memo);
    start = nl + 1;
  }
  return count + countLine(start === 0 ? text : text.slice(start), ranks, pattern, memo);
}

/**
 * Split patterns under which a newline followed by a character that is neither whitespace nor `/`
 * always ends a piece, so the text on either side splits (and so counts) the same on its own: a
 * piece can run past a newline only into more whitespace (`\s*[\r\n]+`, `\s+`) or, after
 * punctuation, into `/` (`[\r\n/]*`); letters may take one leading character, never a line break.
 * o200k_base's pattern; test/tokenizer/bpe.test.ts checks line-wise counts against whole-text ones.
 */
export const LINE_SPLIT_PATTERNS: ReadonlySet<string> = new Set([O200K_SPLIT_PATTERN]);

const WHITESPACE = /\s/u;

/** Whether a piece always ends before `text[at]`, which follows a newline (see {@link LINE_SPLIT_PATTERNS}). */
function splitsAfter(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  if (c === 0x2f) return false; // '/'
  if (c < 0x80) return !(c === 0x20 || (c >= 0x09 && c <= 0x0d));
  return !WHITESPACE.test(text[at]!);
}

function countLine(line: string, ranks: SharedRanks, pattern: RegExp, memo: BoundedMemo<string, number>): number {
  if (line.length > MEMO_LINE_CHARS) return countPieces(line, ranks, pattern);
  return memo.get(line) ?? memo.remember(line, countPieces(line, ranks, pattern));
}

/** Counts of recently seen lines, per rank table; bounded like the piece memo below. */
const lineMemos = new WeakMap<SharedRanks, BoundedMemo<string, number>>();
const MEMO_LINES = 8_192;
const MEMO_LINE_CHARS = 512;

/** Tokens of `text` counted piece by piece (the pattern's split, each piece memoised or merged). */
function countPieces(text: string, ranks: SharedRanks, pattern: RegExp): number {
  let count = 0;
  let memo = memos.get(ranks);
  if (memo === undefined) memos.set(ranks, (memo = new BoundedMemo(MEMO_PIECES)));
  if (asciiSplits(ranks.pattern, text)) {
    for (let start = 0; start < text.length;) {
      const end = nextAsciiPiece(text, start);
      // One character is one token (every byte is ranked): no memo needed.
      count += end - start === 1 ? 1 : pieceCount(text.slice(start, end), ranks, memo);
      start = end;
    }
    return count;
  }
  pattern.lastIndex = 0;
  for (;;) {
    const at = pattern.lastIndex;
    let match: RegExpExecArray | null;
    try {
      match = pattern.exec(text);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      return count + countInWindows(text, at, ranks, pattern);
    }
    if (match === null) return count;
    const piece = match[0];
    if (piece.length === 0) {
      pattern.lastIndex++;
      continue;
    }
    count += pieceCount(piece, ranks, memo);
  }
}

/** Tokens of one piece: from the memo, else merged (and memoised when short enough). */
function pieceCount(piece: string, ranks: SharedRanks, memo: BoundedMemo<string, number>): number {
  const known = piece.length <= MEMO_PIECE_CHARS ? memo.get(piece) : undefined;
  if (known !== undefined) return known;
  reserve(piece.length);
  const n = mergedCount(ranks, utf8.encodeInto(piece, bytes).written);
  if (piece.length <= MEMO_PIECE_CHARS) memo.remember(piece, n);
  return n;
}

/**
 * Characters counted at a time once the split pattern fails. A single piece of a few million
 * characters (a pasted blob: letters with no space or punctuation) overflows the regular expression
 * engine's backtracking stack (a two-byte string of 6 M letters on Node 20; less in a worker), and
 * the match throws RangeError. From there the text is counted in windows that the engine matches
 * whole, each split as if it stood alone: at most about one token more per window than the exact
 * count, on text no model would take anyway.
 */
const WINDOW_CHARS = 1 << 18;

/** {@link countPieces} of `text` from `from` on, a window of {@link WINDOW_CHARS} at a time (never splitting a surrogate pair). */
function countInWindows(text: string, from: number, ranks: SharedRanks, pattern: RegExp): number {
  let count = 0;
  for (let start = from; start < text.length;) {
    let end = Math.min(text.length, start + WINDOW_CHARS);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
    count += countPieces(text.slice(start, end), ranks, pattern);
    start = end;
  }
  return count;
}

/**
 * Counts of recently seen pieces, per rank table: prompts repeat most of their words from one call
 * to the next (instructions, the task, the digest), and a piece's count is a pure function of the
 * piece, so a hit skips its UTF-8 encoding and merging. Bounded: cleared when full; long pieces are
 * not kept.
 */
const memos = new WeakMap<SharedRanks, BoundedMemo<string, number>>();
const MEMO_PIECES = 16_384;
const MEMO_PIECE_CHARS = 64;

/** Empties this thread's memos of piece and line counts for `ranks` (so a benchmark can time counting text never seen). */
export function forgetPieceCounts(ranks: SharedRanks): void {
  memos.get(ranks)?.clear();
  lineMemos.get(ranks)?.clear();
}
