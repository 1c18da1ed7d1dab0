/**
 * The central-orchestrator baseline's prompts: a manager plans and delegates, workers report in
 * full, the manager synthesizes from every full report. Same models and budgets as delm.
 */
import { AnswerSchema, OrchestratorPlanSchema, WorkerReportSchema, type Answer, type OrchestratorPlan, type WorkerReport } from '../schemas.js';
import { DATA_NOT_INSTRUCTIONS, renderSections } from '../sections.js';
import { choicesSection, documentSections, type Choices, type PromptDocument, type PromptTemplate } from './template.js';

/** Input of {@link managerPlanPrompt}. */
export interface ManagerPlanInput {
  readonly question: string;
  readonly choices?: Choices;
  readonly sources: ReadonlyArray<{ readonly label: string; readonly title?: string }>;
  /** How many workers the manager may use. */
  readonly workers: number;
}

/** The manager's plan prompt (schema `orchestrator_plan`). */
export const managerPlanPrompt: PromptTemplate<ManagerPlanInput, OrchestratorPlan> = {
  id: 'orchestrator.plan',
  version: 1,
  schemaName: 'orchestrator_plan',
  schema: OrchestratorPlanSchema,
  system: 'You are the manager of a team of worker agents. Assign the sources to workers: one assignment per worker, each with instructions and the labels it must read. Cover every source.',
  render(input) {
    return renderSections([
      { name: 'question', body: input.question },
      ...choicesSection(input.choices),
      { name: 'sources', body: input.sources.map((s) => (s.title ? `${s.label} — ${s.title}` : s.label)).join('\n') || '(none)' },
      { name: 'workers', body: String(input.workers) },
    ]);
  },
};

/** Input of {@link workerPrompt}. */
export interface WorkerInput {
  readonly question: string;
  readonly choices?: Choices;
  readonly instructions: string;
  readonly documents: readonly PromptDocument[];
}

/** A worker's prompt (schema `orchestrator_worker`). */
export const workerPrompt: PromptTemplate<WorkerInput, WorkerReport> = {
  id: 'orchestrator.worker',
  version: 1,
  schemaName: 'orchestrator_worker',
  schema: WorkerReportSchema,
  system: ['You are a worker agent. Read your documents and report everything relevant to the question to your manager, quoting the sentences you rely on.', DATA_NOT_INSTRUCTIONS].join('\n'),
  render(input) {
    return renderSections([{ name: 'question', body: input.question }, ...choicesSection(input.choices), { name: 'instructions', body: input.instructions }, ...documentSections(input.documents)]);
  },
};

/** Input of {@link synthesisPrompt}. */
export interface SynthesisInput {
  readonly question: string;
  readonly choices?: Choices;
  /** Every worker's full report. */
  readonly reports: ReadonlyArray<{ readonly worker: string; readonly text: string }>;
}

/** The manager's synthesis prompt (schema `orchestrator_synthesis`). */
export const synthesisPrompt: PromptTemplate<SynthesisInput, Answer> = {
  id: 'orchestrator.synthesis',
  version: 1,
  schemaName: 'orchestrator_synthesis',
  schema: AnswerSchema,
  system: [
    "You are the manager. Answer the question from your workers' reports, citing source labels.",
    'For a multiple-choice question, answer exactly "The correct answer is (X)" followed by one sentence of justification.',
    DATA_NOT_INSTRUCTIONS,
  ].join('\n'),
  render(input) {
    return renderSections([
      { name: 'question', body: input.question },
      ...choicesSection(input.choices),
      ...input.reports.map((r) => ({ name: 'report', label: r.worker, body: r.text })),
    ]);
  },
};
