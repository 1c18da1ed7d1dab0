/**
 * The offline QA evidence skill (schema `delm_agent_step`): for a document chunk, a question and its
 * choices, it ranks the chunk's sentences by BM25 against the question and choice terms, quotes the
 * best ones verbatim with their label, and writes a gist saying which choice(s) each bears on — or an
 * absence finding naming the terms no sentence contains. Not an LLM; extractive and deterministic.
 */
import { countTokens } from '../../../providers/tokenizer.js';
import type { AgentStepOutput, GistProposal } from '../../kit/schemas.js';
import { CAPS } from '../../kit/schemas.js';
import { clip, normaliseForMatch, splitSentences, terms, termSet, words, isStopword } from '../../kit/text.js';
import { labelsMentioned, questionStem, readPrompt } from '../../kit/prompt-reader.js';
import { bm25, buildQuery, choiceFrequency } from './rank.js';

/** Options of {@link findEvidence}. */
export interface EvidenceOptions {
  /** Most quoted sentences per document (default 2). */
  readonly perDocument?: number;
  /** Longest quote, in characters (default 600); longer sentences are quoted by their opening words. */
  readonly maxQuoteChars?: number;
  /** Gists already in the ledger (its digest), so the same sentence is not proposed twice. */
  readonly ledger?: string;
}

const STRONG_HEDGES = [
  'might',
  'possibly',
  'likely',
  'unlikely',
  'probably',
  'perhaps',
  'suggests',
  'appears',
  'approximately',
  'roughly',
  'estimated',
  'reportedly',
  'allegedly',
];

/** Gists (with quotes, or an absence finding) for one document against a question and its choices. */
export function findEvidence(
  doc: { label: string; text: string },
  question: string,
  choices: ReadonlyArray<{ letter: string; text: string }>,
  options: EvidenceOptions = {},
): GistProposal[] {
  const perDocument = options.perDocument ?? 2;
  const maxQuote = options.maxQuoteChars ?? 600;
  const ledger = normaliseForMatch(options.ledger ?? '');
  const query = buildQuery(question, choices);
  const sentences = splitSentences(doc.text);
  const scored = bm25(
    sentences.map((s) => s.text),
    query,
  );
  const minMatched = query.size <= 2 ? 1 : 2;
  const ranked = scored
    .filter((s) => s.score > 0 && s.matched.length >= minMatched)
    .sort((a, b) => b.score - a.score || a.index - b.index);

  if (ranked.length === 0) {
    const absence = absentTerms(doc.text, question, choices);
    if (absence.length === 0) return [];
    return [
      {
        kind: 'gist',
        text: `[${doc.label}] No passage of ${doc.label} mentions ${absence.map((t) => `"${t}"`).join(', ')}; the whole text was searched.`,
        quotes: [],
        labels: [doc.label],
        hedges: [],
        absence: { searched: [doc.label], terms: absence },
      },
    ];
  }

  const df = choiceFrequency(choices);
  const questionTerms = termSet(question);
  const out: GistProposal[] = [];
  for (const { index } of ranked) {
    if (out.length >= perDocument) break;
    const sentence = sentences[index]!.text;
    const quote = sentence.length <= maxQuote ? sentence : prefixOfWords(sentence, maxQuote);
    const sentenceTerms = termSet(quote);
    // Which choices it bears on: those whose own (not shared, not question) terms it contains.
    const bearing = choices
      .map((c) => ({
        c,
        n: [...new Set(terms(c.text))].filter(
          (t) => !questionTerms.has(t) && (df.get(t) ?? 0) < choices.length && sentenceTerms.has(t),
        ).length,
      }))
      .filter((x) => x.n > 0)
      .sort((a, b) => b.n - a.n)
      .map((x) => `(${x.c.letter})`);
    const on = bearing.length ? `On ${bearing.join(', ')}` : 'On the question';
    const hedges = STRONG_HEDGES.filter((h) => new RegExp(`\\b${h}\\b`, 'i').test(quote));
    const text = gistText(doc.label, on, quote, hedges);
    if (ledger.includes(normaliseForMatch(quote).slice(0, 60))) continue;
    out.push({ kind: 'gist', text, quotes: [{ source: doc.label, text: quote }], labels: [doc.label], hedges });
  }
  return out;
}

/** `[label] On (B): "…"` clipped to the gist cap, keeping the quote's hedges visible. */
function gistText(label: string, on: string, quote: string, hedges: readonly string[]): string {
  let max = 400;
  for (;;) {
    const clipped = clip(quote, max);
    const missing = hedges.filter((h) => !new RegExp(`\\b${h}\\b`, 'i').test(clipped));
    const text = `[${label}] ${on}: "${clipped}"${missing.length ? ` (hedged: ${missing.join(', ')})` : ''}`;
    if (countTokens(text) <= CAPS.gistTokens - 5 || max <= 40) return text;
    max = Math.floor(max * 0.8);
  }
}

/** The longest prefix of `text` made of whole words, at most `max` characters (still verbatim). */
function prefixOfWords(text: string, max: number): string {
  const cut = text.slice(0, max);
  const space = cut.search(/\s\S*$/);
  return (space > max / 2 ? cut.slice(0, space) : cut).trimEnd();
}

/** Informative words of the question and choices that occur nowhere in `text` (at most six). */
function absentTerms(text: string, question: string, choices: ReadonlyArray<{ text: string }>): string[] {
  const lower = normaliseForMatch(text).toLowerCase();
  const present = termSet(text);
  const candidates = [...new Set(words(`${question} ${choices.map((c) => c.text).join(' ')}`))].filter(
    (w) => w.length > 3 && !isStopword(w) && !/\d/.test(w),
  );
  return candidates.filter((w) => !lower.includes(w) && !terms(w).every((t) => present.has(t))).slice(0, 6);
}

/** The offline agent step: unfold the sub-task's source if nothing is unfolded yet, else report evidence. */
export function qaEvidenceSkill(prompt: string): AgentStepOutput {
  const p = readPrompt(prompt);
  const question = questionStem(p.question);
  if (p.documents.length === 0) {
    const unfoldable = (p.body('unfoldable') ?? '').split(/\s+/).filter((l) => l && l !== '(none)');
    const wanted = labelsMentioned(p.body('subtask') ?? '', unfoldable).slice(0, CAPS.unfoldPerStep);
    const left = Number(p.sections.find((s) => s.name === 'limits')?.attrs?.unfolds_left ?? '0');
    if (wanted.length && left > 0) return { proposals: [], unfold: wanted, followUps: [], done: false };
    return { proposals: [], unfold: [], followUps: [], done: true };
  }
  const ledger = p.body('ledger') ?? '';
  const proposals = p.documents.flatMap((d) => findEvidence(d, question, p.choices, { ledger }));
  return { proposals: proposals.slice(0, 8), unfold: [], followUps: [], done: true };
}
