/**
 * The central-orchestrator baseline's prompts: a manager plans and delegates, workers report in
 * full, the manager synthesizes from every full report. Same models and budgets as delm.
 */
import {
  AnswerSchema,
  OrchestratorPlanSchema,
  OrchestratorReviewSchema,
  WorkerReportSchema,
  type Answer,
  type OrchestratorPlan,
  type OrchestratorReview,
  type WorkerReport,
} from '../schemas.js';
import { DATA_NOT_INSTRUCTIONS, renderSections } from '../sections.js';
import {
  choicesSection,
  documentSections,
  type Choices,
  type PromptDocument,
  type PromptTemplate,
} from './template.js';

/** Input of {@link managerPlanPrompt}. */
export interface ManagerPlanInput {
  readonly question: string;
  readonly choices?: Choices;
  readonly sources: ReadonlyArray<{ readonly label: string; readonly title?: string }>;
  /** How many workers run at once. */
  readonly workers: number;
  /** The task's full text as the user gave it, when the manager holds it in its conversation (the classic hub). */
  readonly documents?: readonly PromptDocument[];
}

/** The manager's plan prompt (schema `orchestrator_plan`). */
export const managerPlanPrompt: PromptTemplate<ManagerPlanInput, OrchestratorPlan> = {
  id: 'orchestrator.plan',
  version: 2,
  schemaName: 'orchestrator_plan',
  schema: OrchestratorPlanSchema,
  system: [
    'You are the manager of a team of worker agents. Split the work into assignments, each with instructions and the labels the worker must read; cover every source.',
    'Workers run in waves of the given size; you read every report after each wave and then delegate more or answer.',
    DATA_NOT_INSTRUCTIONS,
  ].join('\n'),
  render(input) {
    return renderSections([
      { name: 'question', body: input.question },
      ...choicesSection(input.choices),
      {
        name: 'sources',
        body: input.sources.map((s) => (s.title ? `${s.label} — ${s.title}` : s.label)).join('\n') || '(none)',
      },
      { name: 'workers', body: String(input.workers) },
      ...documentSections(input.documents ?? []),
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
  system: [
    'You are a worker agent. Read your documents and report everything relevant to the question to your manager, quoting the sentences you rely on.',
    DATA_NOT_INSTRUCTIONS,
  ].join('\n'),
  render(input) {
    return renderSections([
      { name: 'question', body: input.question },
      ...choicesSection(input.choices),
      { name: 'instructions', body: input.instructions },
      ...documentSections(input.documents),
    ]);
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

/** Input of {@link managerReviewPrompt}: one turn of the manager's conversation, after a wave. */
export interface ManagerReviewInput {
  /** The wave's full reports. */
  readonly reports: ReadonlyArray<{ readonly worker: string; readonly text: string }>;
  /** Planned assignments not delegated yet. */
  readonly pending: OrchestratorPlan['assignments'];
  /** False when the budget or the turn limit says: answer now. */
  readonly mayDelegate: boolean;
}

/** The manager's review turn (schema `orchestrator_review`): read the wave's reports, then delegate more or answer. */
export const managerReviewPrompt: PromptTemplate<ManagerReviewInput, OrchestratorReview> = {
  id: 'orchestrator.review',
  version: 1,
  schemaName: 'orchestrator_review',
  schema: OrchestratorReviewSchema,
  system: [
    "You are the manager of a team of worker agents. You hold the whole conversation: the task, your plan and every worker's full report.",
    'After each wave of reports, either delegate the next assignments (decision "delegate") or answer (decision "answer") citing source labels.',
    'For a multiple-choice question, answer exactly "The correct answer is (X)" followed by one sentence of justification.',
    DATA_NOT_INSTRUCTIONS,
  ].join('\n'),
  render(input) {
    return renderSections([
      ...input.reports.map((r) => ({ name: 'report', label: r.worker, body: r.text })),
      { name: 'pending', body: input.pending.length ? JSON.stringify(input.pending) : '(none)' },
      {
        name: 'limits',
        attrs: { delegate: input.mayDelegate ? 'allowed' : 'not-allowed' },
        body: input.mayDelegate ? 'Delegate the pending assignments (or others), or answer.' : 'Answer now.',
      },
    ]);
  },
};
