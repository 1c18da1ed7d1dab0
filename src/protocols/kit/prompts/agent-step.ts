/** The agent step: one agent, one sub-task, the ledger's digest, and any sources it unfolded. */
import { AgentStepOutputSchema, CAPS, type AgentStepOutput } from '../schemas.js';
import { DATA_NOT_INSTRUCTIONS, renderSections, type Section } from '../sections.js';
import {
  choicesSection,
  documentSections,
  type Choices,
  type PromptDocument,
  type PromptTemplate,
} from './template.js';

/** Input of {@link agentStepPrompt}. */
export interface AgentStepInput {
  /** The run's question or instruction. */
  readonly question: string;
  readonly choices?: Choices;
  /** This agent's sub-task. */
  readonly subTask: string;
  /** The budgeted digest of the ledger (see digest.ts). */
  readonly digest: string;
  /** Labels the agent may ask to unfold. */
  readonly unfoldable: readonly string[];
  /** Sources unfolded so far for this sub-task. */
  readonly documents: readonly PromptDocument[];
  /** Unfold rounds left; 0 means propose or finish now. */
  readonly unfoldsLeft: number;
}

const SYSTEM = [
  'You are one agent of a team working on a shared task. There is no manager: you read what the team has verified (the ledger), work on your own sub-task, and propose findings to a verifier.',
  'Propose findings as gists: one or two self-contained sentences (at most 100 tokens) with the citation labels they rest on, each backed by verbatim quotes ({ source: label, text }) copied exactly from a document.',
  'Keep the source\'s hedges ("likely", "approximately", …) and state no number that is not in the quoted text. If a document has nothing relevant, propose an absence finding that lists the terms you searched for and the labels you searched.',
  `Ask to unfold at most ${CAPS.unfoldPerStep} labels when the ledger's gists are not enough; do not repeat what the ledger already holds. Add follow-up sub-tasks only for work nobody has claimed.`,
  'Set done to true when your sub-task is finished.',
  DATA_NOT_INSTRUCTIONS,
].join('\n');

/** The agent step prompt (schema `delm_agent_step`). */
export const agentStepPrompt: PromptTemplate<AgentStepInput, AgentStepOutput> = {
  id: 'delm.agent-step',
  version: 1,
  schemaName: 'delm_agent_step',
  schema: AgentStepOutputSchema,
  system: SYSTEM,
  render(input) {
    const sections: Section[] = [
      { name: 'question', body: input.question },
      ...choicesSection(input.choices),
      { name: 'subtask', body: input.subTask },
      { name: 'ledger', body: input.digest || '(empty)' },
      { name: 'unfoldable', body: input.unfoldable.join(' ') || '(none)' },
      ...documentSections(input.documents),
      {
        name: 'limits',
        attrs: { unfolds_left: String(input.unfoldsLeft) },
        body:
          input.unfoldsLeft > 0
            ? `You may unfold up to ${CAPS.unfoldPerStep} labels.`
            : 'You cannot unfold more: propose findings or finish now.',
      },
    ];
    return renderSections(sections);
  },
};
