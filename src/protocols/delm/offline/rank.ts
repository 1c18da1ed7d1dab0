/**
 * The offline model's reasoning core: BM25 ranking of sentences against a question and its choices,
 * and weighing the choices by the evidence, negation-aware. Deterministic; no model, no randomness.
 */
import { stem, terms, words, isStopword } from '../../kit/text.js';

/** A query term with its weight. */
export type WeightedQuery = ReadonlyMap<string, number>;

/** Query terms of a question and its choices: choice-specific terms weigh more than shared ones. */
export function buildQuery(question: string, choices: ReadonlyArray<{ text: string }>): WeightedQuery {
  const q = new Map<string, number>();
  for (const t of terms(question)) q.set(t, 1);
  const df = choiceFrequency(choices);
  for (const c of choices) {
    for (const t of new Set(terms(c.text))) {
      const specific = (df.get(t) ?? 0) === 1 ? 1.5 : 1;
      q.set(t, Math.max(q.get(t) ?? 0, q.has(t) ? 1 : specific));
    }
  }
  return q;
}

/** In how many choices each term occurs. */
export function choiceFrequency(choices: ReadonlyArray<{ text: string }>): Map<string, number> {
  const df = new Map<string, number>();
  for (const c of choices) for (const t of new Set(terms(c.text))) df.set(t, (df.get(t) ?? 0) + 1);
  return df;
}

/** A scored passage. */
export interface Scored {
  readonly index: number;
  readonly score: number;
  /** Distinct query terms it contains. */
  readonly matched: string[];
}

/** Okapi BM25 of every passage against `query`, with IDF over the passages themselves. */
export function bm25(passages: readonly string[], query: WeightedQuery, k1 = 1.2, b = 0.75): Scored[] {
  const docs = passages.map((p) => terms(p));
  const n = docs.length;
  const avg = docs.reduce((s, d) => s + d.length, 0) / Math.max(1, n);
  const df = new Map<string, number>();
  for (const d of docs) for (const t of new Set(d)) if (query.has(t)) df.set(t, (df.get(t) ?? 0) + 1);
  return docs.map((d, index) => {
    const tf = new Map<string, number>();
    for (const t of d) if (query.has(t)) tf.set(t, (tf.get(t) ?? 0) + 1);
    let score = 0;
    for (const [t, f] of tf) {
      const idf = Math.log(1 + (n - (df.get(t) ?? 0) + 0.5) / ((df.get(t) ?? 0) + 0.5));
      score += (query.get(t) ?? 0) * idf * ((f * (k1 + 1)) / (f + k1 * (1 - b + (b * d.length) / (avg || 1))));
    }
    return { index, score, matched: [...tf.keys()] };
  });
}

const NEGATIONS = new Set([
  'not',
  'no',
  'never',
  'neither',
  'nor',
  'without',
  'none',
  'cannot',
  'nothing',
  'false',
  'fails',
  'lacks',
  'excluding',
  'except',
]);

/**
 * Terms of `text` as stems, each with its polarity: -1 when a negation occurs within the three
 * words before it ("does not require notice" negates "require" and "notice"), else +1.
 */
export function polarTerms(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const ws = words(text);
  let negatedUntil = -1;
  ws.forEach((w, i) => {
    const bare = w.replace(/['’]/g, '');
    const negation = NEGATIONS.has(bare) || /n['’]t$/.test(w);
    if (negation) negatedUntil = i + 3;
    if (w.length < 2 || isStopword(w) || negation) return;
    const t = stem(w);
    const polarity = i <= negatedUntil ? -1 : 1;
    // A term stated positively anywhere in the passage counts as stated.
    out.set(t, Math.max(out.get(t) ?? -1, polarity));
  });
  return out;
}

/** How strongly the evidence bears on one choice, and which evidence lines did. */
export interface ChoiceWeight {
  readonly letter: string;
  readonly score: number;
  /** Indexes of the evidence passages that support it. */
  readonly support: number[];
}

/**
 * Weighs each choice by the evidence: the share of its discriminating terms (weighted by rarity
 * among the choices, halved when the question already has them) that the evidence states
 * positively, minus what it states negated. Ties keep the choice order.
 */
export function weighChoices(
  question: string,
  choices: ReadonlyArray<{ letter: string; text: string }>,
  evidence: readonly string[],
): ChoiceWeight[] {
  const df = choiceFrequency(choices);
  const questionTerms = new Set(terms(question));
  const polar = evidence.map(polarTerms);
  return choices.map((c) => {
    const own = [...new Set(terms(c.text))];
    let total = 0;
    let got = 0;
    const support = new Set<number>();
    for (const t of own) {
      const w = Math.log(1 + choices.length / (df.get(t) ?? 1)) * (questionTerms.has(t) ? 0.5 : 1);
      total += w;
      let positive = false;
      let negative = false;
      polar.forEach((p, i) => {
        const v = p.get(t);
        if (v === undefined) return;
        if (v > 0) {
          positive = true;
          support.add(i);
        } else negative = true;
      });
      got += (positive ? 1 : negative ? -1 : 0) * w;
    }
    return { letter: c.letter, score: total > 0 ? got / total + 0.01 * support.size : 0, support: [...support] };
  });
}

/** The best-supported choice (first on ties). */
export function bestChoice(weights: readonly ChoiceWeight[]): ChoiceWeight | undefined {
  let best: ChoiceWeight | undefined;
  for (const w of weights) if (!best || w.score > best.score) best = w;
  return best;
}
