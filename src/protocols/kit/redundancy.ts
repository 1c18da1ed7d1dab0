/**
 * The verifier's redundancy check: a proposal that restates what the ledger already holds about the
 * same sources is dropped as redundant — same normalised text, or a token-set Jaccard similarity at
 * or above the threshold with an entry of the same kind citing the same sources.
 */
import type { EntryKind, LedgerEntry } from '../../ledger/types.js';
import { isExpiredClaim, labelsOf } from './digest.js';
import { jaccard, normaliseForMatch, termSet } from './text.js';

/** What a proposal looks like to the redundancy check. */
export interface RedundancyProbe {
  readonly kind: EntryKind;
  readonly text: string;
  readonly labels: readonly string[];
}

/** Normal form for "same text": {@link normaliseForMatch}, lower case, punctuation dropped. */
export function normaliseForComparison(text: string): string {
  return normaliseForMatch(text)
    .toLowerCase()
    .replace(/[^\p{L}\p{N}#.\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>) => {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
};

// Gists and partial results say the same kind of thing; notes only repeat notes of their own kind.
const family = (kind: EntryKind): string => (kind === 'gist' || kind === 'partial' ? 'finding' : kind);
// Near-repeats matter for statements of fact; two FAIL or TRIED notes that differ in one operator are two attempts.
const PARAPHRASABLE = new Set(['finding', 'FACT', 'OBSERVED']);

/** An entry's normal forms, computed once per entry (entries are immutable): every proposal is compared with every entry. */
interface EntryForms {
  comparison?: string;
  verbatim?: string;
  terms?: ReadonlySet<string>;
  labels?: ReadonlySet<string>;
}
const formsOf = new WeakMap<LedgerEntry, EntryForms>();
function forms(entry: LedgerEntry): EntryForms {
  let f = formsOf.get(entry);
  if (!f) formsOf.set(entry, (f = {}));
  return f;
}

/** The ledger entry `probe` repeats, with a reason, or undefined when it is new. */
export function findRedundant(
  probe: RedundancyProbe,
  entries: readonly LedgerEntry[],
  options: { threshold?: number; now?: number } = {},
): { id: number; reason: string } | undefined {
  const threshold = options.threshold ?? 0.8;
  const now = options.now ?? Date.now();
  const text = normaliseForComparison(probe.text);
  const tokens = termSet(probe.text);
  const paraphrasable = PARAPHRASABLE.has(family(probe.kind));
  const verbatim = normaliseForMatch(probe.text);
  const labels = new Set(probe.labels);
  for (const entry of entries) {
    if (family(entry.kind) !== family(probe.kind) || isExpiredClaim(entry, now)) continue;
    if (!paraphrasable) {
      // Operators are the whole difference between two patch notes ("<" → "<=" vs "<" → ">"): compare them verbatim.
      const f = forms(entry);
      if ((f.verbatim ??= normaliseForMatch(entry.text)) === verbatim)
        return { id: entry.id, reason: `repeats ledger entry #${entry.id} word for word` };
      continue;
    }
    const f = forms(entry);
    if ((f.comparison ??= normaliseForComparison(entry.text)) === text)
      return { id: entry.id, reason: `repeats ledger entry #${entry.id} word for word` };
    if (!sameSet((f.labels ??= new Set(labelsOf(entry))), labels)) continue;
    const similarity = jaccard(tokens, (f.terms ??= termSet(entry.text)));
    if (similarity >= threshold)
      return {
        id: entry.id,
        reason: `repeats ledger entry #${entry.id} on the same sources (term overlap ${similarity.toFixed(2)})`,
      };
  }
  return undefined;
}
