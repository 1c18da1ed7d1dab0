/**
 * The context ledger: the curated, append-only record of what the swarm knows. One writer (the
 * verifier) appends; any number of readers in any thread read without locks.
 * This file is the interface; `shared-ledger.ts` is the SharedArrayBuffer implementation, and a
 * multi-machine backend implements the same interface later. Nothing above it may assume shared memory.
 */

/** Every kind of ledger entry the protocol uses. Order is part of the binary layout: append only. */
export const ENTRY_KINDS = [
  'gist', // level 0: one or two sentences, <= ~100 tokens
  'summary', // level 1: anchored summary of a source
  'raw', // level 2: raw source detail
  'failure', // a rejected proposal, kept with its reason
  'partial', // a partial result
  'FACT',
  'TRIED',
  'OBSERVED',
  'FAIL',
  'CLAIM', // expires at `expiresAt`
  'PATCH_SUMMARY',
  'answer', // the final answer written by the finalizer
] as const;

/** Kind of a ledger entry. */
export type EntryKind = (typeof ENTRY_KINDS)[number];

/** Detail level: 0 gist, 1 summary, 2 raw source. Unfolding walks from a lower to a higher level. */
export type EntryLevel = 0 | 1 | 2;

/** What the writer supplies to append an entry. */
export interface LedgerEntryInput {
  kind: EntryKind;
  /** Defaults from the kind: summary → 1, raw → 2, everything else → 0. */
  level?: EntryLevel;
  text: string;
  /** Queue task the entry came from (0 when none). */
  taskId?: number;
  /** Agent that proposed it (0 when none). */
  authorId?: number;
  /** Id of the more detailed entry this one unfolds into (a gist's summary, a summary's raw source). */
  parentId?: number;
  /** Token count of `text`; computed by the caller's tokenizer, 0 if unknown. */
  tokenCount?: number;
  /** For CLAIM entries: wall-clock ms (Date.now()) after which the claim is void. 0 = never. */
  expiresAt?: number;
  /** Small structured metadata (labels, citations, evidence). Stored as JSON beside the text. */
  meta?: Record<string, unknown>;
  /** Wall-clock ms of publication; defaults to now (set when loading a dump, to keep the original). */
  timestamp?: number;
}

/** A published ledger entry, as every reader sees it. */
export interface LedgerEntry {
  /** Dense id: 0, 1, 2, … in publish order. */
  id: number;
  kind: EntryKind;
  level: EntryLevel;
  text: string;
  taskId: number;
  authorId: number;
  /** Id of the entry this one unfolds into, or -1. */
  parentId: number;
  tokenCount: number;
  expiresAt: number;
  /** 32-bit content hash of the UTF-8 text (see internal/hash.ts). */
  hash: number;
  /** Wall-clock ms when it was published. */
  timestamp: number;
  meta: Record<string, unknown> | undefined;
}

/** Read side of the ledger; safe from any thread, never blocks writers. */
export interface ContextLedger {
  /** Number of published entries (the next id). */
  readonly count: number;
  /** Monotonic publish sequence; changes whenever something is published. */
  readonly sequence: number;
  /** The entry with this id; throws NOT_FOUND when it is not published yet. */
  get(id: number): LedgerEntry;
  /** Published entries with ids in [from, to). */
  slice(from?: number, to?: number): LedgerEntry[];
  /** The entry a gist or summary unfolds into, or undefined if it has none. */
  unfold(id: number): LedgerEntry | undefined;
  /** Block this thread (workers only) until `sequence` differs from `seen` or the timeout passes. */
  waitForChange(seen: number, timeoutMs?: number): 'changed' | 'timed-out';
  /** Resolve when `sequence` differs from `seen` or the timeout passes; usable on the main thread. */
  waitForChangeAsync(seen: number, timeoutMs?: number): Promise<'changed' | 'timed-out'>;
}

/** Write side of the ledger: only the verifier holds one. */
export interface LedgerWriter extends ContextLedger {
  /** Appends and publishes; throws LedgerFullError at the configured limit, writing nothing. */
  append(entry: LedgerEntryInput): LedgerEntry;
}
