/**
 * Byte-pair-encoding token counts over a {@link SharedRanks} table, with tiktoken's semantics: the
 * text is split by the ranks' pattern, each piece encoded as UTF-8 and merged pair by pair, always
 * the lowest-ranked pair first (the leftmost among equals). Merging uses a heap, so a pathological
 * piece (a megabyte of one punctuation mark) costs n log n, not n².
 *
 * Special tokens such as `<|endoftext|>` are counted as the plain text they are: a document that
 * contains one cannot make counting fail.
 */
import type { SharedRanks } from './shared-ranks.js';

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

/** Number of tokens in `text` under `ranks` (and the ranks' split pattern, compiled by the caller). */
export function countBpeTokens(text: string, ranks: SharedRanks, pattern: RegExp): number {
  let count = 0;
  let memo = memos.get(ranks);
  if (memo === undefined) memos.set(ranks, (memo = new Map<string, number>()));
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const piece = match[0];
    if (piece.length === 0) {
      pattern.lastIndex++;
      continue;
    }
    const known = piece.length <= MEMO_PIECE_CHARS ? memo.get(piece) : undefined;
    if (known !== undefined) {
      count += known;
      continue;
    }
    reserve(piece.length);
    const n = mergedCount(ranks, utf8.encodeInto(piece, bytes).written);
    if (piece.length <= MEMO_PIECE_CHARS) {
      if (memo.size >= MEMO_PIECES) memo.clear();
      memo.set(piece, n);
    }
    count += n;
  }
  return count;
}

/**
 * Counts of recently seen pieces, per rank table: prompts repeat most of their words from one call
 * to the next (instructions, the task, the digest), and a piece's count is a pure function of the
 * piece, so a hit skips its UTF-8 encoding and merging. Bounded: cleared when full; long pieces are
 * not kept.
 */
const memos = new WeakMap<SharedRanks, Map<string, number>>();
const MEMO_PIECES = 16_384;
const MEMO_PIECE_CHARS = 64;

/** Empties this thread's memo of piece counts for `ranks` (so a benchmark can time counting text never seen). */
export function forgetPieceCounts(ranks: SharedRanks): void {
  memos.get(ranks)?.clear();
}
