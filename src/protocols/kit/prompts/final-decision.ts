/** The final decision: the last agent reads the ledger and answers, or asks for more work. */
import { FinalDecisionSchema, type FinalDecision } from '../schemas.js';
import { DATA_NOT_INSTRUCTIONS, renderSections } from '../sections.js';
import { choicesSection, type Choices, type PromptTemplate } from './template.js';

/** Input of {@link finalDecisionPrompt}. */
export interface FinalDecisionInput {
  readonly question: string;
  readonly choices?: Choices;
  /** The finalizer's digest of verified entries. */
  readonly digest: string;
  /** Source labels more sub-tasks could cover. */
  readonly sources: readonly string[];
  readonly round: number;
  readonly maxRounds: number;
  /** False on the last round: the answer is due now. */
  readonly mayEnqueue: boolean;
}

/** The final decision prompt (schema `delm_final_decision`). */
export const finalDecisionPrompt: PromptTemplate<FinalDecisionInput, FinalDecision> = {
  id: 'delm.final-decision',
  version: 1,
  schemaName: 'delm_final_decision',
  schema: FinalDecisionSchema,
  system: [
    'You are the final agent. Answer the question from the verified entries of the ledger, citing the labels or #ids you rely on.',
    'For a multiple-choice question, answer exactly "The correct answer is (X)" followed by one sentence of justification.',
    'If the entries are not enough and more work is allowed, return decision "more" with sub-tasks that would close the gap.',
    DATA_NOT_INSTRUCTIONS,
  ].join('\n'),
  render(input) {
    return renderSections([
      { name: 'question', body: input.question },
      ...choicesSection(input.choices),
      { name: 'ledger', body: input.digest || '(empty)' },
      { name: 'sources', body: input.sources.join(' ') || '(none)' },
      {
        name: 'limits',
        attrs: {
          round: String(input.round),
          max_rounds: String(input.maxRounds),
          more: input.mayEnqueue ? 'allowed' : 'not-allowed',
        },
        body: input.mayEnqueue ? 'You may ask for more sub-tasks.' : 'Answer now: no more sub-tasks are allowed.',
      },
    ]);
  },
};
