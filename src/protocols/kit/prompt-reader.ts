/** How the offline skills read a prompt: the sections, the question, its choices and its documents. */
import { parseChoices } from './prompts/template.js';
import { parseSections, sectionBody, sectionsNamed, type Section } from './sections.js';

/** A prompt as the offline skills see it. */
export interface ParsedPrompt {
  readonly sections: Section[];
  readonly question: string;
  readonly choices: Array<{ letter: string; text: string }>;
  readonly documents: Array<{ label: string; text: string }>;
  body(name: string): string | undefined;
}

/** Parses a DeLM prompt. Choices come from the `choices` section, else from `(X) …` lines of the question. */
export function readPrompt(prompt: string): ParsedPrompt {
  const sections = parseSections(prompt);
  const question = sectionBody(sections, 'question') ?? '';
  const fromSection = parseChoices(sectionBody(sections, 'choices'));
  const choices = fromSection.length ? fromSection : parseChoices(question);
  const documents = sectionsNamed(sections, 'document').map((s, i) => ({
    label: s.label ?? `D${i + 1}`,
    text: s.body,
  }));
  return { sections, question, choices, documents, body: (name) => sectionBody(sections, name) };
}

/** The question without its `(X) …` choice lines and answer-format boilerplate, for term extraction. */
export function questionStem(question: string): string {
  return question
    .split('\n')
    .filter((line) => !/^\s*\([A-Z]\)\s/.test(line) && !/^\s*(?:Choices:|Format your response)/i.test(line))
    .join('\n');
}

/** Whether UTF-16 code unit `c` is a regular expression's `\w` (`[A-Za-z0-9_]`); NaN (past the end) is not. */
const isWordChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const DOT = 46;

/**
 * Labels the offline model finds in free text: those of `known` that occur as whole tokens — after
 * the start or a character that is neither `\w` nor `.`, and before neither `\w` nor `.\w` (`D1` is
 * not in `D1.c2`, `D1.c2` is in `D1.c2.`). In `known`'s order.
 *
 * One pass over the text, trying at each token start the lengths of the known labels: a run of
 * 36,000 sources used to build and test a regular expression per label per call, ~8 s a step.
 */
export function labelsMentioned(text: string, known: readonly string[]): string[] {
  if (known.length === 0) return [];
  const labels = new Set(known);
  const lengths = [...new Set(known.map((label) => label.length))];
  const found = new Set<string>();
  for (let at = 0; at <= text.length; at++) {
    if (at > 0) {
      const before = text.charCodeAt(at - 1);
      if (isWordChar(before) || before === DOT) continue;
    }
    for (const length of lengths) {
      if (at + length > text.length) continue;
      const candidate = text.slice(at, at + length);
      if (!labels.has(candidate) || found.has(candidate)) continue;
      const after = text.charCodeAt(at + length);
      if (isWordChar(after) || (after === DOT && isWordChar(text.charCodeAt(at + length + 1)))) continue;
      found.add(candidate);
    }
  }
  return found.size === 0 ? [] : known.filter((label) => found.has(label));
}
