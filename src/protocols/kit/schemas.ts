/**
 * Everything a model writes in the DeLM protocol, and everything the verifier reads, as zod schemas
 * with their inferred types. Hard limits here only bound memory; the protocol's real size caps
 * (≈100 tokens for a gist, ≈100 characters for a note, …) are checked by the verifier so that a
 * proposal that is too long is rejected with a reason instead of failing to parse.
 */
import { z } from 'zod';

/** Size caps the verifier enforces, by kind. */
export const CAPS = {
  /** Level-0 gist text, in tokens. */
  gistTokens: 100,
  /** Level-1 summary, in tokens (all points together). */
  summaryTokens: 2_500,
  /** A typed note's text, in characters. */
  noteChars: 100,
  /** A PATCH_SUMMARY rendered as one line (files, idea, evidence, risk), in characters. */
  patchSummaryChars: 300,
  /** Labels an agent may unfold in one step. */
  unfoldPerStep: 5,
  /** Longest CLAIM time-to-live, in ms. */
  claimTtlMs: 30 * 60_000,
} as const;

const label = z.string().min(1).max(120);
const shortText = (max: number) => z.string().max(max);

/** A verbatim span of a source, with the label of the source it comes from. */
export const QuoteSchema = z.object({
  source: label,
  text: z.string().max(4_000),
});
/** A verbatim span of a source. */
export type Quote = z.infer<typeof QuoteSchema>;

/** An absence finding: what was searched for, where, and that it was not there. */
export const AbsenceSchema = z.object({
  /** Labels of the sources searched in full. */
  searched: z.array(label).min(1).max(20),
  /** Terms that occur in none of them. */
  terms: z.array(z.string().min(1).max(60)).min(1).max(20),
});
/** An absence finding. */
export type Absence = z.infer<typeof AbsenceSchema>;

/** Level 0: a gist — one or two self-contained sentences with the quotes they rest on. */
export const GistProposalSchema = z.object({
  kind: z.literal('gist'),
  text: shortText(2_000),
  quotes: z.array(QuoteSchema).max(8).default([]),
  /** Citation labels the gist rests on (its quotes' sources, or the sources searched). */
  labels: z.array(label).max(20).default([]),
  /** Hedges of the source the gist keeps ("likely", "approximately", …). */
  hedges: z.array(z.string().max(40)).max(10).default([]),
  absence: AbsenceSchema.optional(),
});
/** A level-0 gist proposal. */
export type GistProposal = z.infer<typeof GistProposalSchema>;

/** One point of a level-1 summary: its text and the verbatim head and tail of the span it summarises. */
export const AnchoredPointSchema = z.object({
  text: shortText(4_000),
  head: z.string().min(1).max(400),
  tail: z.string().min(1).max(400),
});
/** A point of an anchored summary. */
export type AnchoredPoint = z.infer<typeof AnchoredPointSchema>;

/** Level 1: a summary of one source whose points are anchored to exact spans of it. */
export const AnchoredSummarySchema = z.object({
  kind: z.literal('summary'),
  source: label,
  points: z.array(AnchoredPointSchema).min(1).max(60),
});
/** A level-1 anchored summary proposal. */
export type AnchoredSummary = z.infer<typeof AnchoredSummarySchema>;

/** Evidence a typed note rests on: quotes of sources, or ids of tests the verifier can run. */
export const EvidenceSchema = z.object({
  quotes: z.array(QuoteSchema).max(8).default([]),
  /** Test ids (`file > name`). */
  tests: z.array(z.string().max(300)).max(20).default([]),
  /** Command output or other detail, for the record; never sufficient on its own. */
  output: z.string().max(2_000).optional(),
});
/** Evidence of a typed note. */
export type Evidence = z.infer<typeof EvidenceSchema>;

const noteText = shortText(1_000);

/** FACT: an objective discovery. */
export const FactNoteSchema = z.object({
  kind: z.literal('FACT'),
  text: noteText,
  evidence: EvidenceSchema.default({ quotes: [], tests: [] }),
});
/** TRIED: an action taken and what came of it (routine look-ups are not admitted). */
export const TriedNoteSchema = z.object({
  kind: z.literal('TRIED'),
  text: noteText,
  evidence: EvidenceSchema.default({ quotes: [], tests: [] }),
});
/** OBSERVED: an empirical result. */
export const ObservedNoteSchema = z.object({
  kind: z.literal('OBSERVED'),
  text: noteText,
  evidence: EvidenceSchema.default({ quotes: [], tests: [] }),
});
/** FAIL: a failed attempt and why, so nobody repeats it. */
export const FailNoteSchema = z.object({ kind: z.literal('FAIL'), text: noteText, reason: shortText(1_000) });
/** CLAIM: what an agent is working on now; void after `ttlMs`. */
export const ClaimNoteSchema = z.object({
  kind: z.literal('CLAIM'),
  text: noteText,
  ttlMs: z.number().int().positive(),
});
/** PATCH_SUMMARY: files, idea, evidence, risk — admitted only with a test that passed in the verifier's run. */
export const PatchSummaryNoteSchema = z.object({
  kind: z.literal('PATCH_SUMMARY'),
  files: z.array(z.string().min(1).max(200)).min(1).max(20),
  idea: shortText(1_000),
  evidence: EvidenceSchema,
  risk: shortText(1_000),
});

/** A FACT note. */
export type FactNote = z.infer<typeof FactNoteSchema>;
/** A TRIED note. */
export type TriedNote = z.infer<typeof TriedNoteSchema>;
/** An OBSERVED note. */
export type ObservedNote = z.infer<typeof ObservedNoteSchema>;
/** A FAIL note. */
export type FailNote = z.infer<typeof FailNoteSchema>;
/** A CLAIM note. */
export type ClaimNote = z.infer<typeof ClaimNoteSchema>;
/** A PATCH_SUMMARY note. */
export type PatchSummaryNote = z.infer<typeof PatchSummaryNoteSchema>;

/** Any typed note. */
export const TypedNoteSchema = z.discriminatedUnion('kind', [
  FactNoteSchema,
  TriedNoteSchema,
  ObservedNoteSchema,
  FailNoteSchema,
  ClaimNoteSchema,
  PatchSummaryNoteSchema,
]);
/** Any typed note. */
export type TypedNote = z.infer<typeof TypedNoteSchema>;

/** Anything an agent may propose for the ledger. */
export const ProposalSchema = z.discriminatedUnion('kind', [
  GistProposalSchema,
  AnchoredSummarySchema,
  FactNoteSchema,
  TriedNoteSchema,
  ObservedNoteSchema,
  FailNoteSchema,
  ClaimNoteSchema,
  PatchSummaryNoteSchema,
]);
/** Anything an agent may propose for the ledger. */
export type Proposal = z.infer<typeof ProposalSchema>;
/** The `kind` of a proposal. */
export type ProposalKind = Proposal['kind'];

/** Longest sub-task payload a model may write, in characters. */
export const SUB_TASK_CHARS = 4_000;

/** A sub-task to enqueue. */
export const SubTaskSchema = z.object({
  payload: z.string().min(1).max(SUB_TASK_CHARS),
  priority: z.number().int().min(-100).max(100).optional(),
});
/** A sub-task to enqueue. */
export type SubTask = z.infer<typeof SubTaskSchema>;

/** What an agent's model returns for one step. */
export const AgentStepOutputSchema = z.object({
  proposals: z.array(ProposalSchema).max(8).default([]),
  /** Labels (sources, `#id` entries) to unfold before proposing; at most five a step. */
  unfold: z.array(label).max(CAPS.unfoldPerStep).default([]),
  followUps: z.array(SubTaskSchema).max(8).default([]),
  /** True when the sub-task is finished (nothing more to read or propose). */
  done: z.boolean().default(false),
});
/** One agent step's output. */
export type AgentStepOutput = z.infer<typeof AgentStepOutputSchema>;

/** A task decomposed into independent sub-tasks. */
export const DecompositionSchema = z.object({
  subTasks: z.array(SubTaskSchema).min(1).max(64),
});
/** A decomposition. */
export type Decomposition = z.infer<typeof DecompositionSchema>;

/** The finalizer's decision: the answer with its citations, or more sub-tasks. */
export const FinalDecisionSchema = z.discriminatedUnion('decision', [
  z.object({
    decision: z.literal('answer'),
    answer: z.string().min(1).max(8_000),
    /** Labels or `#id` entries the answer rests on. */
    citations: z.array(label).max(40).default([]),
  }),
  z.object({ decision: z.literal('more'), subTasks: z.array(SubTaskSchema).min(1).max(32) }),
]);
/** The finalizer's decision. */
export type FinalDecision = z.infer<typeof FinalDecisionSchema>;

/** One exact search/replace edit of a workspace file. */
export const PatchEditSchema = z.object({
  file: z.string().min(1).max(300),
  search: z.string().min(1).max(20_000),
  replace: z.string().max(20_000),
});
/** A patch proposal for the debugging workload. */
export const PatchProposalSchema = z.object({
  edits: z.array(PatchEditSchema).min(1).max(10),
  idea: z.string().min(1).max(300),
  risk: z.string().max(200),
});
/** A patch proposal. */
export type PatchProposal = z.infer<typeof PatchProposalSchema>;

/** Checks a model judge rules on, as published: citation support, coherence, arithmetic, qualifier drift, unsupported synthesis. */
export const JUDGE_CHECKS = ['citation', 'coherence', 'arithmetic', 'qualifiers', 'synthesis'] as const;

/** A model judge's verdict on one proposal. */
export const JudgeVerdictSchema = z.object({
  verdict: z.enum(['accept', 'reject']),
  problems: z
    .array(z.object({ check: z.enum(JUDGE_CHECKS), detail: z.string().max(400) }))
    .max(10)
    .default([]),
});
/** A model judge's verdict. */
export type JudgeVerdict = z.infer<typeof JudgeVerdictSchema>;

/** The orchestrator baseline's plan: which worker reads what. */
export const OrchestratorPlanSchema = z.object({
  assignments: z
    .array(z.object({ instructions: z.string().min(1).max(4_000), labels: z.array(label).max(40).default([]) }))
    .min(1)
    .max(64),
});
/** An orchestrator plan. */
export type OrchestratorPlan = z.infer<typeof OrchestratorPlanSchema>;

/** The manager's decision after a wave of reports: delegate more work, or answer. */
export const OrchestratorReviewSchema = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('delegate'), assignments: OrchestratorPlanSchema.shape.assignments }),
  z.object({
    decision: z.literal('answer'),
    answer: z.string().min(1).max(8_000),
    citations: z.array(label).max(40).default([]),
  }),
]);
/** An orchestrator review decision. */
export type OrchestratorReview = z.infer<typeof OrchestratorReviewSchema>;

/** A baseline worker's full report to its manager. */
export const WorkerReportSchema = z.object({
  report: z.string().max(20_000),
  quotes: z.array(QuoteSchema).max(20).default([]),
});
/** A baseline worker's report. */
export type WorkerReport = z.infer<typeof WorkerReportSchema>;

/** An answer with citations (orchestrator synthesis and single pass). */
export const AnswerSchema = z.object({
  answer: z.string().min(1).max(8_000),
  citations: z.array(label).max(40).default([]),
});
/** An answer with citations. */
export type Answer = z.infer<typeof AnswerSchema>;
