/** The orchestrator baseline's offline worker (schema `orchestrator_worker`): a full report of the best sentences. */
import type { WorkerReport } from '../../kit/schemas.js';
import { findEvidence } from './qa.js';
import { questionStem, readPrompt } from '../../kit/prompt-reader.js';

/**
 * Reports, for each of its documents (and any `extra` ones, e.g. what its tools read), the best
 * sentences quoted in full (the baseline passes full outputs up).
 */
export function workerSkill(prompt: string, extra: ReadonlyArray<{ label: string; text: string }> = []): WorkerReport {
  const p = readPrompt(prompt);
  const question = questionStem(p.question);
  const gists = [...p.documents, ...extra].flatMap((d) =>
    findEvidence(d, question, p.choices, { perDocument: 3, maxQuoteChars: 2_000 }),
  );
  const quotes = gists.flatMap((g) => g.quotes).slice(0, 20);
  const lines = gists.map((g) =>
    g.quotes[0]
      ? `[${g.quotes[0].source}] ${g.text.replace(/^\[[^\]]+\]\s*/, '').replace(/: ".*$/s, '')}: "${g.quotes[0].text.replace(/\s+/g, ' ')}"`
      : g.text,
  );
  return { report: lines.join('\n') || 'Offline model (not an LLM): nothing relevant in my documents.', quotes };
}
