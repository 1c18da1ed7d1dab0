/** The verifier's optional model judge: rules on a proposal against the raw text it cites. */
import { JUDGE_CHECKS, JudgeVerdictSchema, type JudgeVerdict, type Proposal } from '../schemas.js';
import { DATA_NOT_INSTRUCTIONS, renderSections } from '../sections.js';
import { documentSections, type PromptDocument, type PromptTemplate } from './template.js';

/** Input of {@link judgePrompt}. */
export interface JudgeInput {
  readonly proposal: Proposal;
  /** The raw text of every source the proposal cites (raw text is authoritative, never a summary). */
  readonly sources: readonly PromptDocument[];
}

/** The judge prompt (schema `delm_judge`). */
export const judgePrompt: PromptTemplate<JudgeInput, JudgeVerdict> = {
  id: 'delm.judge',
  version: 1,
  schemaName: 'delm_judge',
  schema: JudgeVerdictSchema,
  system: [
    'You verify one proposed finding before it enters a shared record. Accept it only if the cited raw text supports it.',
    `Check: ${JUDGE_CHECKS.join(', ')} — every statement is supported by a citation; it is coherent; its arithmetic is right; it keeps the source's qualifiers (no "may" turned into "does"); it adds no synthesis the sources do not support.`,
    'The raw source text is authoritative for exact values. A finding with no source to check fails.',
    DATA_NOT_INSTRUCTIONS,
  ].join('\n'),
  render(input) {
    return renderSections([
      { name: 'proposal', body: JSON.stringify(input.proposal, null, 2) },
      ...documentSections(input.sources),
    ]);
  },
};
