/**
 * The offline final-answer skills: weigh the choices by the verified evidence (term overlap,
 * negation-aware) and answer "The correct answer is (X)" with the labels of the evidence that
 * supports X. Used by the DeLM finalizer (ledger digest), the orchestrator's synthesis (worker
 * reports) and the single-pass baseline (the documents' best sentences).
 */
import { OrchestratorPlanSchema, type Answer, type FinalDecision, type OrchestratorReview } from '../../kit/schemas.js';
import { clip, splitSentences } from '../../kit/text.js';
import { questionStem, readPrompt } from '../../kit/prompt-reader.js';
import { bestChoice, bm25, buildQuery, weighChoices } from './rank.js';

/** One piece of evidence: its text and the labels it cites. */
export interface EvidenceLine {
  readonly text: string;
  readonly labels: readonly string[];
}

const NOT_AN_LLM = 'Offline model (not an LLM)';
/** The answer schemas' cap on citations. */
const MAX_CITATIONS = 40;

/** Evidence lines of a ledger digest: findings only (no failures, claims or absence findings). */
export function evidenceFromDigest(digest: string): EvidenceLine[] {
  const out: EvidenceLine[] = [];
  for (const line of digest.split('\n')) {
    const m = /^\[#(\d+) (\S+)(?: ([^\]]+))?\]\s*(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, id, kind, labels, text] = m;
    if (!['gist', 'partial', 'FACT', 'OBSERVED'].includes(kind!)) continue;
    if (/^\[[^\]]+\] No passage of /.test(text!)) continue;
    out.push({ text: text!, labels: [...(labels ? labels.split(',') : []), `#${id}`] });
  }
  return out;
}

/** Answers a question from evidence lines: the best-supported choice, or the top lines for an open question. */
export function answerFromEvidence(
  question: string,
  choices: ReadonlyArray<{ letter: string; text: string }>,
  evidence: readonly EvidenceLine[],
): Answer {
  if (choices.length >= 2) {
    const weights = weighChoices(
      question,
      choices,
      evidence.map((e) => e.text),
    );
    const best = bestChoice(weights)!;
    const choice = choices.find((c) => c.letter === best.letter)!;
    const all = [...new Set(best.support.flatMap((i) => evidence[i]?.labels ?? []).filter((l) => !l.startsWith('#')))];
    // Answer schemas cap citations; the answer text names how many more there were.
    const citations = all.slice(0, MAX_CITATIONS);
    const cited = `${citations.join(', ')}${all.length > citations.length ? ` and ${all.length - citations.length} more` : ''}`;
    const why = best.support.length
      ? `"${clip(choice.text, 120)}" is the choice the verified evidence supports best (${cited || 'ledger'}).`
      : 'no evidence supports any choice; this is the first of the tied choices.';
    return { answer: `The correct answer is (${best.letter}). ${NOT_AN_LLM}: ${why}`, citations };
  }
  if (evidence.length === 0) return { answer: `${NOT_AN_LLM}: no verified evidence to answer from.`, citations: [] };
  const query = buildQuery(question, []);
  const ranked = bm25(
    evidence.map((e) => e.text),
    query,
  )
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, 5);
  const lines = ranked.map((r) => evidence[r.index]!);
  return {
    answer: `${NOT_AN_LLM}, from the verified evidence:\n${lines.map((l) => `- ${l.text}`).join('\n')}`,
    citations: [...new Set(lines.flatMap((l) => l.labels))].slice(0, MAX_CITATIONS),
  };
}

/** The offline finalizer (schema `delm_final_decision`). */
export function finalDecisionSkill(prompt: string): FinalDecision {
  const p = readPrompt(prompt);
  const digest = p.body('ledger') ?? '';
  const evidence = evidenceFromDigest(digest);
  const limits = p.sections.find((s) => s.name === 'limits');
  const sources = (p.body('sources') ?? '').split(/\s+/).filter((l) => l && l !== '(none)');
  const hasFindings = /^\[#\d+ (?:gist|partial|FACT|OBSERVED)\b/m.test(digest);
  if (!hasFindings && limits?.attrs?.more === 'allowed' && sources.length) {
    return {
      decision: 'more',
      subTasks: sources
        .slice(0, 32)
        .map((label) => ({ payload: `Read ${label} and report what bears on the question.` })),
    };
  }
  const { answer, citations } = answerFromEvidence(questionStem(p.question), p.choices, evidence);
  return { decision: 'answer', answer, citations };
}

/** The orchestrator manager's review (schema `orchestrator_review`): delegate what is pending while allowed, else answer from every report so far. */
export function reviewSkill(prompt: string): OrchestratorReview {
  const p = readPrompt(prompt);
  const limits = p.sections.filter((s) => s.name === 'limits').at(-1);
  let listed: unknown = [];
  try {
    listed = JSON.parse(p.sections.filter((s) => s.name === 'pending').at(-1)?.body ?? '[]');
  } catch {
    /* "(none)" */
  }
  const pending = OrchestratorPlanSchema.shape.assignments.safeParse(listed);
  if (limits?.attrs?.delegate === 'allowed' && pending.success && pending.data.length > 0)
    return { decision: 'delegate', assignments: pending.data };
  return { decision: 'answer', ...synthesisSkill(prompt) };
}

/** The orchestrator manager's synthesis (schema `orchestrator_synthesis`): every report line is evidence. */
export function synthesisSkill(prompt: string): Answer {
  const p = readPrompt(prompt);
  const evidence = p.sections
    .filter((s) => s.name === 'report')
    .flatMap((s) =>
      s.body
        .split('\n')
        .filter((l) => l.trim())
        .map((text) => ({ text, labels: [...new Set([...text.matchAll(/^\[([^\]]+)\]/g)].map((m) => m[1]!))] })),
    );
  return answerFromEvidence(questionStem(p.question), p.choices, evidence);
}

/** The single-pass baseline (schema `single_pass`): the best sentences of all documents are the evidence. */
export function singlePassSkill(prompt: string, perDocument = 3): Answer {
  const p = readPrompt(prompt);
  const question = questionStem(p.question);
  const query = buildQuery(question, p.choices);
  const evidence = p.documents.flatMap((d) => {
    const sentences = splitSentences(d.text).map((s) => s.text);
    return bm25(sentences, query)
      .filter((s) => s.score > 0)
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .slice(0, perDocument)
      .map((s) => ({ text: sentences[s.index]!, labels: [d.label] }));
  });
  return answerFromEvidence(question, p.choices, evidence);
}
