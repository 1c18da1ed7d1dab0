/**
 * The verifier's deterministic checks, one small function each. Every check returns the reasons it
 * found (empty when it passes), so a rejection lists everything wrong, not just the first problem.
 * None of them depends on what a source *says* — a source telling the reader to record an answer
 * gets no further than any other text.
 */
import {
  stem,
  termSet,
  normaliseForMatch,
  normalisedSource,
  numbersIn,
  numbersInSource,
  occursVerbatim,
  terms,
} from './text.js';
import { BoundedMemo } from '../../internal/bounded-memo.js';

/** How the checks reach the raw sources. */
export interface SourceLookup {
  /** Raw text of the source with this label; undefined when there is none. */
  source(label: string): string | undefined;
  /**
   * Whether quote `span` occurs verbatim in `raw`, the text of source `label`. Absent: searched with
   * `occursVerbatim`. A pre-check records where it found each quote here; the verifier then looks
   * only there (see precheck.ts).
   */
  quoteOccurs?(label: string, span: string, raw: string): boolean;
}

const PLACEHOLDER =
  /^(?:\.{2,}|…+|todo|tbd|tba|fixme|xxx|n\/?a|none|null|undefined|etc\.?|see (?:above|below|earlier|previous|the (?:source|document|text|file))|same as (?:above|before)|as above|\[\.{3}\]|<\.{3}>|\(\.{3}\)|placeholder|lorem ipsum.*|\?+|-+)$/i;

/** Whether `text` is empty or a placeholder ("...", "TODO", "see above", …) rather than evidence. */
export function isPlaceholder(text: string): boolean {
  const t = normaliseForMatch(text)
    .replace(/^["'`]+|["'`]+$/g, '')
    .trim();
  return t.length === 0 || PLACEHOLDER.test(t) || /^(?:todo|tbd|fixme)\b/i.test(t);
}

// Imperatives addressed to whoever reads the text. A quote like this is an attempted instruction, never evidence.
const INSTRUCTION_PATTERNS = [
  /\b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,40}\b(?:instructions?|prompts?|directions|rules|messages|context|guidelines)\b/i,
  /\b(?:record|state|report|write|say|output|respond|reply|answer|conclude)\b[^.!?\n]{0,30}\b(?:the )?(?:correct |right |final )?answer (?:is|as|should be)\b/i,
  /\byou (?:must|should|will|are to) (?:now )?(?:answer|respond|record|output|reply|say|choose|select|pick)\b/i,
  /\b(?:system|developer) (?:prompt|message|instructions?)\b/i,
  /\bnew instructions?\s*:/i,
  /\b(?:as|to) (?:an|the) (?:ai|assistant|language model|verifier|agent)\b[^.!?\n]{0,40}\b(?:must|should|will)\b/i,
];

/** Whether `text` reads as an instruction to the model rather than content (a prompt injection). */
export function looksLikeInstruction(text: string): boolean {
  const t = normaliseForMatch(text);
  return INSTRUCTION_PATTERNS.some((p) => p.test(t));
}

/** A quote's smallest useful length, in characters after normalisation. */
export const MIN_QUOTE_CHARS = 8;

/** Checks one quote: known source, real text, verbatim occurrence, not an instruction. */
export function checkQuote(quote: { source: string; text: string }, sources: SourceLookup): string[] {
  const where = `quote from ${quote.source}`;
  if (isPlaceholder(quote.text))
    return [`${where} is a placeholder, not evidence: ${JSON.stringify(quote.text.slice(0, 40))}`];
  const raw = sources.source(quote.source);
  if (raw === undefined) return [`${where} cites an unknown source`];
  if (normaliseForMatch(quote.text).length < MIN_QUOTE_CHARS)
    return [`${where} is too short to check (under ${MIN_QUOTE_CHARS} characters)`];
  const occurs = sources.quoteOccurs
    ? sources.quoteOccurs(quote.source, quote.text, raw)
    : occursVerbatim(quote.text, raw);
  if (!occurs) return [`${where} does not occur verbatim in it: ${JSON.stringify(quote.text.slice(0, 80))}`];
  if (looksLikeInstruction(quote.text))
    return [
      `${where} is an instruction addressed to the reader, not evidence: ${JSON.stringify(quote.text.slice(0, 80))}`,
    ];
  return [];
}

/** Checks that every label is a known source. */
export function checkLabels(labels: readonly string[], sources: SourceLookup): string[] {
  return labels.filter((l) => sources.source(l) === undefined).map((l) => `cites unknown source ${l}`);
}

/** Checks that every number in `text` appears in the raw text of the cited sources. */
export function checkNumbers(text: string, cited: readonly string[], sources: SourceLookup, what = 'text'): string[] {
  const stated = numbersIn(cited.reduce((t, label) => t.split(label).join(' '), text));
  if (stated.length === 0) return [];
  const available = cited.map((l) => numbersInSource(sources.source(l) ?? ''));
  const missing = [...new Set(stated.filter((n) => !available.some((set) => set.has(n))))];
  return missing.length ? [`${what} states ${missing.join(', ')}, which the cited source text does not contain`] : [];
}

// Words a finding uses to talk about its evidence rather than to state something; they need no support.
const META_TERMS = new Set(
  'bear bears source sources state states stated say says said quote quoted quotes document documents chunk chunks choice choices option options mention mentions mentioned evidence relevant text passage section according hedged label note notes found find finds show shows indicate indicates regard regarding concern concerns concerning'
    .split(' ')
    .map(stem),
);

const LABEL_TOKEN = /#\d+|\b[A-Z]{1,3}\d+(?:\.[a-z]{1,3}\d+)*\b/g;

/**
 * Checks that `text` says something its quotes support: at least `threshold` of its content terms
 * (apart from words about evidence, and citation labels) occur in the quotes.
 */
export function checkSupport(text: string, quotes: readonly { text: string }[], threshold: number): string[] {
  const claimed = [...new Set(terms(text.replace(LABEL_TOKEN, ' ')))].filter((t) => !META_TERMS.has(t));
  if (claimed.length === 0) return ['states nothing checkable (no content words beyond citations)'];
  const quoted = termSet(quotes.map((q) => q.text).join(' '));
  const supported = claimed.filter((t) => quoted.has(t));
  const share = supported.length / claimed.length;
  if (share >= threshold) return [];
  const unsupported = claimed.filter((t) => !quoted.has(t)).slice(0, 8);
  return [
    `unsupported by its quotes: only ${supported.length} of ${claimed.length} content terms occur in them (missing: ${unsupported.join(', ')})`,
  ];
}

const STRONG_HEDGES = [
  'might',
  'possibly',
  'likely',
  'unlikely',
  'probably',
  'perhaps',
  'suggests',
  'suggest',
  'appears',
  'approximately',
  'roughly',
  'estimated',
  'reportedly',
  'allegedly',
  'unclear',
  'uncertain',
];
const HEDGE_WORDS = new Set([
  ...STRONG_HEDGES,
  'may',
  'could',
  'about',
  'around',
  'some',
  'often',
  'generally',
  'typically',
  'nearly',
  'almost',
  'seems',
  'seem',
  'believed',
  'thought',
  'claims',
  'claimed',
]);

/** `w` as a whole word (lower case), compiled once per word: every gist is tested for 48 hedge words. */
const wordPatterns = new BoundedMemo<string, RegExp>(4_096);
const wordPattern = (w: string): RegExp =>
  wordPatterns.get(w) ??
  wordPatterns.remember(w, new RegExp(`\\b${w.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`));

/** Checks qualifier drift: declared hedges are real, and a strongly hedged quote is not restated as certain. */
export function checkHedges(text: string, hedges: readonly string[], quotes: readonly { text: string }[]): string[] {
  const reasons: string[] = [];
  const lower = normaliseForMatch(text).toLowerCase();
  const quoted = normaliseForMatch(quotes.map((q) => q.text).join(' ')).toLowerCase();
  const has = (hay: string, w: string) => wordPattern(w).test(hay);
  for (const h of hedges) {
    if (!has(lower, h)) reasons.push(`declares hedge "${h}" but its text does not keep it`);
    else if (!has(quoted, h)) reasons.push(`declares hedge "${h}", which none of its quotes contains`);
  }
  const sourceHedges = STRONG_HEDGES.filter((h) => has(quoted, h));
  if (sourceHedges.length && ![...HEDGE_WORDS].some((h) => has(lower, h))) {
    reasons.push(`drops the source's qualifier (${sourceHedges.join(', ')}): the quotes are hedged, the text is not`);
  }
  return reasons;
}

/** Checks an absence finding: every searched label exists and no searched source contains any listed term. */
export function checkAbsence(
  absence: { searched: readonly string[]; terms: readonly string[] },
  sources: SourceLookup,
): string[] {
  const reasons = checkLabels(absence.searched, sources);
  for (const label of absence.searched) {
    const raw = sources.source(label);
    if (raw === undefined) continue;
    const lower = normalisedSource(raw).toLowerCase();
    const rawTerms = termSet(raw);
    for (const term of absence.terms) {
      const t = normaliseForMatch(term).toLowerCase();
      const stems = terms(t);
      const present = lower.includes(t) || (stems.length > 0 && stems.every((s) => rawTerms.has(s)));
      if (present) reasons.push(`absence finding is false: "${term}" occurs in ${label}`);
    }
  }
  return reasons;
}

/** Checks anchors of a summary point: head and tail occur, in that order, in the source. */
export function checkAnchors(point: { head: string; tail: string }, raw: string, index: number): string[] {
  const where = `point ${index + 1}`;
  if (isPlaceholder(point.head) || isPlaceholder(point.tail)) return [`${where} has a placeholder anchor`];
  const source = normalisedSource(raw);
  const head = normaliseForMatch(point.head);
  const tail = normaliseForMatch(point.tail);
  const at = source.indexOf(head);
  if (at === -1)
    return [`${where}'s head does not occur verbatim in the source: ${JSON.stringify(point.head.slice(0, 60))}`];
  // The tail may overlap the head (a one-sentence span) but must not start before it.
  if (source.indexOf(tail, at) === -1) {
    return source.includes(tail)
      ? [`${where}'s tail occurs only before its head`]
      : [`${where}'s tail does not occur verbatim in the source: ${JSON.stringify(point.tail.slice(0, 60))}`];
  }
  return [];
}

const ROUTINE =
  /^(?:i\s+)?(?:read|re-?read|opened|open|looked(?:\s+at)?|look(?:ed)?\s+(?:at|into|through)|viewed|view|listed|list|cat|ls|grep(?:ped)?|searched|search|browsed|checked|inspected|scanned|skimmed|went through|reviewed)\b/i;
const OUTCOME =
  /(?:→|->|=>|:|\bfound\b|\bshows?\b|\breturn(?:s|ed)?\b|\bfail(?:s|ed)?\b|\bpass(?:es|ed)?\b|\berror\b|\bthrows?\b|\bresult(?:s|ed)?\b|\bbecause\b|\bso\b|\d)/i;

/** Whether a TRIED note is a routine look-up (reading or listing something) that records no outcome. */
export function isRoutineLookup(text: string): boolean {
  return ROUTINE.test(text.trim()) && !OUTCOME.test(text);
}
