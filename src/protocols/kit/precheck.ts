/**
 * Evidence checks off the single writer. The deterministic checks are pure functions of the proposal
 * and of immutable sources, so the proposing agent runs them in its own thread before sending
 * ({@link precheck}) and attaches what it found: whether they passed, an identity (ledger id and
 * content hash) of every source they read, and where each quote occurs in its source.
 *
 * The verifier trusts none of it. {@link witnessedSources} accepts a pre-check only when it passed and
 * every source it read is, by identity, the one the verifier holds; the verifier then runs the checks
 * again with quotes looked up at the offsets the pre-check found (a comparison of the quote's length
 * instead of a search of the source) and against its own copy of every source. A witness that does
 * not hold fails that check, and the verifier runs the full checks itself (see `verifyProposal`), so
 * a thread that lies about its pre-check gets nothing it would not get without one.
 */
import { z } from 'zod';
import type { SourceLookup } from './checks.js';
import { locateVerbatim, occursVerbatimAt } from './text.js';

/** What the agent attaches to a proposal: its deterministic checks' outcome and what they rest on. */
export const PrecheckSchema = z.object({
  /** Whether every deterministic check passed. */
  pass: z.boolean(),
  /** Identity of every source label the checks read (see {@link IdentifiedSources.identity}); null: no such source. */
  sources: z.record(z.string(), z.string().nullable()),
  /** Each quote checked, as `[label, quote, offset]`: where it occurs in the source's normal form (-1: not found). */
  quotes: z.array(z.tuple([z.string(), z.string(), z.number().int()])).max(64),
});
/** See {@link PrecheckSchema}. */
export type Precheck = z.infer<typeof PrecheckSchema>;

/** Sources with a stable identity of their content, which the agent and the verifier compute alike. */
export interface IdentifiedSources extends SourceLookup {
  /** Identity of the source's content (a ledger entry: its id and content hash); undefined when there is none. */
  identity(label: string): string | undefined;
}

/** Runs `checks` against `sources` in the agent's thread, recording what they read: the pre-check to attach. */
export function precheck(sources: IdentifiedSources, checks: (lookup: SourceLookup) => string[]): Precheck {
  const read: Record<string, string | null> = {};
  const quotes: Array<[string, string, number]> = [];
  const reasons = checks({
    source(label) {
      const text = sources.source(label);
      read[label] = text === undefined ? null : (sources.identity(label) ?? null);
      return text;
    },
    quoteOccurs(label, span, raw) {
      const at = locateVerbatim(span, raw);
      quotes.push([label, span, at]);
      return at >= 0;
    },
  });
  return { pass: reasons.length === 0, sources: read, quotes: quotes.slice(0, 64) };
}

/**
 * The verifier's side: a lookup that answers quote checks from a passing pre-check's offsets, or
 * undefined when the pre-check cannot be used — absent, malformed, failed, or resting on a source
 * whose identity differs from the verifier's. Every text it returns is the verifier's own.
 */
export function witnessedSources(attached: unknown, sources: IdentifiedSources): SourceLookup | undefined {
  const parsed = PrecheckSchema.safeParse(attached);
  if (!parsed.success || !parsed.data.pass) return undefined;
  for (const [label, identity] of Object.entries(parsed.data.sources)) {
    const own = sources.source(label) === undefined ? null : (sources.identity(label) ?? null);
    if (own !== identity) return undefined;
  }
  const offsets = new Map(parsed.data.quotes.map(([label, span, at]) => [`${label}\n${span}`, at]));
  return {
    source: (label) => sources.source(label),
    quoteOccurs(label, span, raw) {
      const at = offsets.get(`${label}\n${span}`);
      return at !== undefined && occursVerbatimAt(span, raw, at);
    },
  };
}
