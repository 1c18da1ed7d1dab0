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

/** Labels the offline model finds in free text: those of `known` that occur as whole tokens. */
export function labelsMentioned(text: string, known: readonly string[]): string[] {
  return known.filter((label) =>
    new RegExp(`(?:^|[^\\w.])${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w]|\\.\\w)`).test(text),
  );
}
