/** Decomposition: the initializer turns the task into independent sub-tasks. */
import { DecompositionSchema, type Decomposition } from '../schemas.js';
import { renderSections } from '../sections.js';
import { choicesSection, type Choices, type PromptTemplate } from './template.js';

/** Input of {@link decompositionPrompt}. */
export interface DecompositionInput {
  readonly question: string;
  readonly choices?: Choices;
  /** Sources available to the agents, by label (bodies are not shown: the agents read them). */
  readonly sources: ReadonlyArray<{ readonly label: string; readonly title?: string; readonly tokens?: number }>;
}

/** The decomposition prompt (schema `delm_decomposition`). */
export const decompositionPrompt: PromptTemplate<DecompositionInput, Decomposition> = {
  id: 'delm.decomposition',
  version: 1,
  schemaName: 'delm_decomposition',
  schema: DecompositionSchema,
  system: [
    'Split the task into independent sub-tasks that different agents can work on in parallel, without talking to each other.',
    'Each sub-task must be self-contained and name the source labels it covers; cover every source once.',
  ].join('\n'),
  render(input) {
    const lines = input.sources.map((s) =>
      [s.label, s.title ? `— ${s.title}` : '', s.tokens !== undefined ? `(${s.tokens} tokens)` : '']
        .filter(Boolean)
        .join(' '),
    );
    return renderSections([
      { name: 'question', body: input.question },
      ...choicesSection(input.choices),
      { name: 'sources', body: lines.join('\n') || '(none)' },
    ]);
  },
};
