/**
 * The budgeted digest: what an agent sees of the ledger. Not all of it — a cap on entries in total
 * and per kind, and a token budget, filled with the most concrete entries first (quotes, evidence or
 * numbers) and, among those, the newest. Expired CLAIMs are left out, and a failure shows only its
 * one-line reason. Levels 1 and 2 (summaries, raw sources) are never in a digest: agents unfold them.
 */
import type { EntryKind, LedgerEntry } from '../../ledger/types.js';
import { countTokens as defaultCountTokens } from '../../providers/tokenizer.js';
import { clip, numbersIn } from './text.js';

/** Options of {@link buildDigest}. */
export interface DigestOptions {
  /** Wall-clock ms used to expire CLAIMs (default `Date.now()`). */
  readonly now?: number;
  /** Most entries in the digest (default 24). */
  readonly maxEntries?: number;
  /** Most entries of each kind; kinds not listed fall back to {@link DEFAULT_PER_KIND}. */
  readonly perKind?: Partial<Record<EntryKind, number>>;
  /** Most tokens of the rendered text (default 1,500). */
  readonly tokenBudget?: number;
  /** Kinds shown (default {@link DIGEST_KINDS}). */
  readonly kinds?: readonly EntryKind[];
  /** Longest line for a failure's reason, in characters (default 120). */
  readonly failureChars?: number;
  readonly countTokens?: (text: string) => number;
}

/** A digest: its text, the ids of the entries in it (in the order shown) and its token count. */
export interface Digest {
  readonly text: string;
  readonly ids: number[];
  readonly tokens: number;
}

/** The level-0 kinds a digest shows by default. */
export const DIGEST_KINDS: readonly EntryKind[] = [
  'gist',
  'partial',
  'FACT',
  'OBSERVED',
  'PATCH_SUMMARY',
  'TRIED',
  'FAIL',
  'failure',
  'CLAIM',
];

/** Default per-kind caps. */
export const DEFAULT_PER_KIND: Readonly<Partial<Record<EntryKind, number>>> = {
  gist: 16,
  partial: 4,
  FACT: 8,
  OBSERVED: 6,
  PATCH_SUMMARY: 4,
  TRIED: 4,
  FAIL: 6,
  failure: 4,
  CLAIM: 6,
};

const FAILURE_KINDS = new Set<EntryKind>(['failure', 'FAIL']);

/** Whether an entry carries something checkable: quotes, test or quote evidence, or numbers. */
export function isConcrete(entry: LedgerEntry): boolean {
  const meta = entry.meta ?? {};
  const quotes = meta.quotes;
  if (Array.isArray(quotes) && quotes.length > 0) return true;
  const evidence = meta.evidence as { quotes?: unknown; tests?: unknown } | undefined;
  if (
    evidence &&
    ((Array.isArray(evidence.quotes) && evidence.quotes.length > 0) ||
      (Array.isArray(evidence.tests) && evidence.tests.length > 0))
  )
    return true;
  return numbersIn(entry.text).length > 0;
}

/** Whether a CLAIM entry has expired at `now`. */
export function isExpiredClaim(entry: LedgerEntry, now: number): boolean {
  return entry.kind === 'CLAIM' && entry.expiresAt > 0 && entry.expiresAt <= now;
}

/** Citation labels an entry carries in its meta (`labels`, or its quotes' sources). */
export function labelsOf(entry: LedgerEntry): string[] {
  const meta = entry.meta ?? {};
  const labels = Array.isArray(meta.labels) ? meta.labels.filter((l): l is string => typeof l === 'string') : [];
  const quoted = Array.isArray(meta.quotes)
    ? meta.quotes.map((q) => (q as { source?: unknown }).source).filter((s): s is string => typeof s === 'string')
    : [];
  return [...new Set([...labels, ...quoted])];
}

/** One digest line for an entry. */
export function renderDigestLine(entry: LedgerEntry, failureChars = 120): string {
  const labels = labelsOf(entry);
  const head = `[#${entry.id} ${entry.kind}${labels.length ? ` ${labels.join(',')}` : ''}]`;
  const body = FAILURE_KINDS.has(entry.kind)
    ? clip(entry.text.split('\n')[0] ?? '', failureChars)
    : entry.text.replace(/\s*\n\s*/g, ' ').trim();
  return `${head} ${body}`;
}

/** Builds the digest of `entries` (any order; usually a ledger slice). */
export function buildDigest(entries: readonly LedgerEntry[], options: DigestOptions = {}): Digest {
  const now = options.now ?? Date.now();
  const maxEntries = options.maxEntries ?? 24;
  const budget = options.tokenBudget ?? 1_500;
  const count = options.countTokens ?? defaultCountTokens;
  const kinds = new Set(options.kinds ?? DIGEST_KINDS);
  const capOf = (kind: EntryKind) => options.perKind?.[kind] ?? DEFAULT_PER_KIND[kind] ?? maxEntries;

  const candidates = entries
    .filter((e) => kinds.has(e.kind) && e.level === 0 && !isExpiredClaim(e, now))
    .map((e) => ({ e, concrete: isConcrete(e) }))
    .sort((a, b) => Number(b.concrete) - Number(a.concrete) || b.e.id - a.e.id);

  const perKind = new Map<EntryKind, number>();
  const chosen: Array<{ id: number; line: string; tokens: number }> = [];
  let used = 0;
  for (const { e } of candidates) {
    if (chosen.length >= maxEntries) break;
    const n = perKind.get(e.kind) ?? 0;
    if (n >= capOf(e.kind)) continue;
    const line = renderDigestLine(e, options.failureChars);
    const tokens = count(line) + (chosen.length ? 1 : 0);
    // A line that does not fit may be followed by a shorter one that does.
    if (used + tokens > budget) continue;
    chosen.push({ id: e.id, line, tokens });
    perKind.set(e.kind, n + 1);
    used += tokens;
  }

  // Per-line counts approximate the joined text's count; make the budget exact.
  let text = chosen.map((c) => c.line).join('\n');
  let tokens = count(text);
  while (tokens > budget && chosen.length > 0) {
    chosen.pop();
    text = chosen.map((c) => c.line).join('\n');
    tokens = count(text);
  }
  return { text, ids: chosen.map((c) => c.id), tokens };
}
