/**
 * What every DeLM prompt template is: an id and version (recorded with each call, so a result can be
 * traced to the exact prompt), the output schema and its name (the offline model picks its skill by
 * the name), the system prompt, and a pure `render` that builds the user message from sections.
 */
import { z } from 'zod';
import type { Section } from '../sections.js';

/** A versioned prompt template. */
export interface PromptTemplate<Input, Output> {
  /** Stable id, e.g. `delm.agent-step`. */
  readonly id: string;
  /** Bumped whenever the wording or the sections change. */
  readonly version: number;
  /** Structured-output name; also the offline model's skill key. */
  readonly schemaName: string;
  readonly schema: z.ZodType<Output>;
  readonly system: string;
  /** The user message: sections only. */
  render(input: Input): string;
}

/** A source as prompts show it. */
export interface PromptDocument {
  readonly label: string;
  readonly text: string;
  readonly title?: string;
}

/** Multiple-choice options keyed by letter (`{ A: '…', B: '…' }`). */
export type Choices = Readonly<Record<string, string>>;

/** A task's `meta.choices` as it must be: single capital letters, each with a non-empty text. */
export const ChoicesSchema = z.record(
  z.string().regex(/^[A-Z]$/, 'choice keys are single capital letters'),
  z.string().min(1),
);

/** The `choices` section, one `(X) text` line per option; nothing when there are none. */
export function choicesSection(choices: Choices | undefined): Section[] {
  const entries = Object.entries(choices ?? {});
  return entries.length
    ? [{ name: 'choices', body: entries.map(([letter, text]) => `(${letter}) ${text}`).join('\n') }]
    : [];
}

/** One `document` section per source. */
export function documentSections(documents: readonly PromptDocument[], name = 'document'): Section[] {
  return documents.map((d) => ({
    name,
    label: d.label,
    ...(d.title ? { attrs: { title: d.title } } : {}),
    body: d.text,
  }));
}

/** Parses a `choices` section body back into letters and texts. */
export function parseChoices(body: string | undefined): Array<{ letter: string; text: string }> {
  return [...(body ?? '').matchAll(/^\(([A-Z])\)\s+(.*)$/gm)].map((m) => ({ letter: m[1]!, text: m[2]!.trim() }));
}
