/** The single-pass baseline: one model call over the whole context. */
import { AnswerSchema, type Answer } from '../schemas.js';
import { DATA_NOT_INSTRUCTIONS, renderSections } from '../sections.js';
import {
  choicesSection,
  documentSections,
  type Choices,
  type PromptDocument,
  type PromptTemplate,
} from './template.js';

/** Input of {@link singlePassPrompt}. */
export interface SinglePassInput {
  readonly question: string;
  readonly choices?: Choices;
  readonly documents: readonly PromptDocument[];
}

/** The single-pass prompt (schema `single_pass`). */
export const singlePassPrompt: PromptTemplate<SinglePassInput, Answer> = {
  id: 'baseline.single-pass',
  version: 1,
  schemaName: 'single_pass',
  schema: AnswerSchema,
  system: [
    'Answer the question from the documents, citing their labels.',
    'For a multiple-choice question, answer exactly "The correct answer is (X)" followed by one sentence of justification.',
    DATA_NOT_INSTRUCTIONS,
  ].join('\n'),
  render(input) {
    return renderSections([
      { name: 'question', body: input.question },
      ...choicesSection(input.choices),
      ...documentSections(input.documents),
    ]);
  },
};
