/**
 * Text primitives shared by the verifier, the digest and the offline skills: normalisation for
 * verbatim matching, content terms with light stemming, sentence splitting with offsets, numbers.
 */
import { BoundedMemo } from '../../internal/bounded-memo.js';

const STOPWORDS = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below between both but by can could ' +
    'did do does doing down during each few for from further had has have having he her here hers herself him himself his how i if in into is it ' +
    'its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out over own same she should so some ' +
    'such than that the their theirs them themselves then there these they this those through to too under until up upon very was we were what ' +
    'when where which while who whom why will with would you your yours yourself yourselves shall may must might one ever'
  ).split(' '),
);

/** True for words too common to carry meaning (kept small: negations are *not* stopwords here for the caller to see). */
export function isStopword(word: string): boolean {
  return STOPWORDS.has(word.toLowerCase());
}

/** A light stemmer: folds plurals and the common verb/adverb endings so "licenses" meets "license". */
export function stem(word: string): string {
  let w = word.toLowerCase();
  if (w.length <= 3 || /^\d/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (w.endsWith('sses')) return w.slice(0, -2);
  for (const suffix of ['ingly', 'edly', 'ing', 'ed', 'ly', 'es', 's', 'e']) {
    if (w.endsWith(suffix) && !(suffix === 's' && w.endsWith('ss')) && w.length - suffix.length >= 3) {
      w = w.slice(0, -suffix.length);
      break;
    }
  }
  return w;
}

/** Word tokens (letters and digits), lower-cased, in order. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? [];
}

/** Content terms of `text` in order: no stopwords, no one-letter words, stemmed. */
export function terms(text: string): string[] {
  return words(text)
    .filter((w) => w.length > 1 && !STOPWORDS.has(w) && !/^[a-z]$/.test(w))
    .map(stemOf);
}

/** Stems of words seen lately: a run's findings and quotes reuse a small vocabulary. */
const stems = new BoundedMemo<string, string>(16_384);
const stemOf = (word: string): string => stems.get(word) ?? stems.remember(word, stem(word));

/** The distinct content terms of `text`. */
export function termSet(text: string): Set<string> {
  return new Set(terms(text));
}

/** |a ∩ b| / |a ∪ b|; 1 for two empty sets. */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let common = 0;
  for (const t of a) if (b.has(t)) common++;
  return common / (a.size + b.size - common);
}

/** A character NFKC, the folds or the whitespace rule may change: anything but printable ASCII bar `, two spaces, a space at an end. */
const NEEDS_NORMALISING = /[^ -_a-~]| {2}|^ | $/;
/** Short texts normalised lately (the same quote is normalised by several checks of one proposal). */
const memo = new BoundedMemo<string, string>(1_024);
const MEMO_MAX_CHARS = 2_048;

/**
 * Normal form for verbatim comparison: Unicode NFKC, typographic quotes and dashes folded to ASCII,
 * every run of whitespace one space. Words, case and punctuation otherwise stay as they are.
 */
export function normaliseForMatch(text: string): string {
  // Printable ASCII (but the backtick, which folds to an apostrophe) with single inner spaces is its own
  // normal form: most quotes and gists are, and a proposal's checks normalise each several times.
  if (!NEEDS_NORMALISING.test(text)) return text;
  if (text.length > MEMO_MAX_CHARS) return normalise(text);
  return memo.get(text) ?? memo.remember(text, normalise(text));
}

function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u2018\u2019\u201A\u201B\u2032\u0060\u00B4]/g, "'")
    .replace(/[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB]/g, '"')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/\u2026/g, '...')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Sources whose normal form is kept, newest last; shorter texts are cheap to normalise again. */
const NORMALISED_SOURCES = 32;
const NORMALISED_MIN_CHARS = 512;
const normalisedSources = new Map<string, string>();

/**
 * {@link normaliseForMatch} of a source, cached for the last few long ones: one source is checked
 * against every quote of every proposal that cites it, and normalising the whole of it (NFKC and five
 * passes) for each quote was most of the verifier's evidence checks. Sources are immutable ledger text.
 */
export function normalisedSource(source: string): string {
  if (source.length < NORMALISED_MIN_CHARS) return normaliseForMatch(source);
  let normal = normalisedSources.get(source);
  if (normal === undefined) {
    normal = normaliseForMatch(source);
    if (normalisedSources.size >= NORMALISED_SOURCES) normalisedSources.delete(normalisedSources.keys().next().value!);
    normalisedSources.set(source, normal);
  }
  return normal;
}

/** Whether `span` occurs verbatim (after {@link normaliseForMatch}) in `source`. */
export function occursVerbatim(span: string, source: string): boolean {
  return locateVerbatim(span, source) >= 0;
}

/** Where `span` first occurs verbatim in `source`, as an offset in the source's normal form; -1 when it does not. */
export function locateVerbatim(span: string, source: string): number {
  const s = normaliseForMatch(span);
  return s.length > 0 ? normalisedSource(source).indexOf(s) : -1;
}

/**
 * Whether `span` occurs verbatim in `source` at offset `at` of the source's normal form (what
 * {@link locateVerbatim} found): a comparison of the span's length instead of a search of the source.
 */
export function occursVerbatimAt(span: string, source: string, at: number): boolean {
  const s = normaliseForMatch(span);
  return s.length > 0 && at >= 0 && normalisedSource(source).startsWith(s, at);
}

/** A sentence of a text, verbatim, with its offsets (`text === source.slice(start, end)`). */
export interface Sentence {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Splits `text` into sentences without altering them: breaks after `.`, `!` or `?` followed by
 * whitespace and a capital, digit or opening quote/bracket, and at blank lines.
 */
export function splitSentences(text: string, minLength = 12): Sentence[] {
  const out: Sentence[] = [];
  const boundary = /(?<=[.!?]["')\]]?)\s+(?=["'([]?[\p{Lu}\p{N}])|\n[ \t]*\n\s*/gu;
  let from = 0;
  const push = (start: number, end: number) => {
    const raw = text.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    const body = raw.trim();
    if (body.length >= minLength) out.push({ text: body, start: start + lead, end: start + lead + body.length });
  };
  for (const m of text.matchAll(boundary)) {
    push(from, m.index);
    from = m.index + m[0].length;
  }
  push(from, text.length);
  return out;
}

// Citation labels (D2.c3, #12, E7) carry digits that are not claims; they are removed before numbers are read.
const LABEL_PATTERN = /#\d+|\b[A-Z]{1,3}\d+(?:\.[a-z]{1,3}\d+)*\b/g;

/** The numbers stated in `text`, normalised (thousands separators and `%` dropped), ignoring citation labels. */
export function numbersIn(text: string): string[] {
  return numbersInNormal(normaliseForMatch(text));
}

/** {@link numbersIn} of a text already in its normal form (normalising is idempotent: a second pass over a source is waste). */
function numbersInNormal(normal: string): string[] {
  const cleaned = normal.replace(LABEL_PATTERN, ' ');
  return (cleaned.match(/(?<![\p{L}\p{N}])\d+(?:[.,]\d+)*(?![\p{N}])/gu) ?? []).map(normaliseNumber);
}

const sourceNumberSets = new Map<string, ReadonlySet<string>>();

/**
 * {@link numbersIn} of a source as a set, cached for the last few long sources like
 * {@link normalisedSource}: every finding that states a number is checked against its sources' numbers.
 */
export function numbersInSource(source: string): ReadonlySet<string> {
  if (source.length < NORMALISED_MIN_CHARS) return new Set(numbersIn(source));
  let numbers = sourceNumberSets.get(source);
  if (numbers === undefined) {
    numbers = new Set(numbersInNormal(normalisedSource(source)));
    if (sourceNumberSets.size >= NORMALISED_SOURCES) sourceNumberSets.delete(sourceNumberSets.keys().next().value!);
    sourceNumberSets.set(source, numbers);
  }
  return numbers;
}

/**
 * Fills the caches of {@link normalisedSource} and {@link numbersInSource} for `sources` (at most as
 * many as they keep, the last ones), so the checks of the proposals that cite them find them ready.
 * Returns how many it had to prepare (0: all were ready, or too short to be worth caching).
 */
export function warmSources(sources: readonly string[]): number {
  let prepared = 0;
  for (const source of sources.slice(-NORMALISED_SOURCES)) {
    if (source.length < NORMALISED_MIN_CHARS) continue;
    // Either cache may have let the source go (they evict apart): fill both.
    if (sourceNumberSets.has(source) && normalisedSources.has(source)) continue;
    normalisedSource(source);
    numbersInSource(source);
    prepared++;
  }
  return prepared;
}

function normaliseNumber(raw: string): string {
  // "1,000" and "1,000.5" are thousands separators; "3,5" stays (a decimal comma).
  const noThousands = /^\d{1,3}(,\d{3})+(\.\d+)?$/.test(raw) ? raw.replace(/,/g, '') : raw;
  return noThousands.replace(/^0+(?=\d)/, '').replace(/\.$/, '');
}

/** Truncates to at most `max` characters on a word boundary, marking the cut with `…`. */
export function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}
