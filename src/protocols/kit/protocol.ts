/**
 * What a swarm does at each step is a protocol: how a task becomes sub-tasks, what an agent reads and
 * asks its model, how the verifier judges a proposal and how the finalizer decides. The runtime
 * (workers, queue, ledger, machines) is the same for every protocol; a protocol is a module loaded in
 * every worker, so it must be importable by URL.
 */
import type { ClaimedTask, CallModelInput, Decision, DecideInput, Digest, StepResult, UnfoldedDetail, TaskSpec } from '../../../machines/types.js';
import type { ContextLedger, LedgerEntryInput, LedgerWriter } from '../../ledger/types.js';
import type { LanguageModel } from '../../providers/types.js';

/** A source document given with a task (a document to read, a file to debug). */
export interface SourceDocument {
  /** Short citation label, unique in the run (e.g. `D1`). */
  label: string;
  title?: string;
  text: string;
}

/** What a run is asked to do. */
export interface RunTask {
  /** The question or instruction. */
  prompt: string;
  /** Sources the agents work from; stored in the ledger as level-2 raw entries before agents start. */
  sources?: SourceDocument[];
  /** Sub-tasks supplied by the workload; when absent, the protocol plans them (usually with one model call). */
  subTasks?: TaskSpec[];
  /** Workload-specific data for the protocol (choices of a multiple-choice question, a workspace path, …). */
  meta?: Record<string, unknown>;
}

/** What a protocol hook may use inside an agent worker. */
export interface AgentIO {
  agentId: number;
  ledger: ContextLedger;
  model: LanguageModel;
  signal: AbortSignal;
}

/** What the verifier's check may use. `model` is present when a model judge is configured. */
export interface VerifierIO {
  ledger: ContextLedger;
  model: LanguageModel | undefined;
  signal: AbortSignal;
}

/** A proposal as it travels from an agent to the verifier. */
export interface ProposalEnvelope {
  agentId: number;
  taskId: number;
  /** Protocol-defined body. */
  body: unknown;
}

/** The verifier's judgement, with the entry to write (accepted) or the failure to record (rejected). */
export interface ProtocolVerdict {
  verdict: 'accept' | 'reject' | 'duplicate';
  reason: string;
  /** Entry to commit when accepted; entry describing the failure when rejected (kind `failure`). */
  entry?: LedgerEntryInput;
}

/** The hooks of a protocol. Everything but `plan` runs inside worker threads. */
export interface SwarmProtocol {
  readonly name: string;
  /** Main thread, before any agent starts: store the task in the ledger and return the first sub-tasks. */
  plan(task: RunTask, io: { ledger: LedgerWriter; model: LanguageModel; signal: AbortSignal }): Promise<TaskSpec[]>;
  /** What an agent reads of the ledger before thinking about `task`. */
  readDigest(io: AgentIO, task: ClaimedTask): Promise<Digest>;
  /** One model step of an agent. */
  step(io: AgentIO, input: CallModelInput): Promise<StepResult>;
  /** Fetch the detail behind gist labels. */
  unfold(io: AgentIO, task: ClaimedTask, labels: readonly string[]): Promise<UnfoldedDetail[]>;
  /** Verifier: judge one proposal. */
  check(io: VerifierIO, proposal: ProposalEnvelope): Promise<ProtocolVerdict>;
  /** Finalizer: what it reads before deciding. */
  finalDigest(io: AgentIO, round: number): Promise<Digest>;
  /** Finalizer: more work or the answer. */
  decide(io: AgentIO, input: DecideInput): Promise<Decision>;
}

/** How workers find a protocol: a module URL and the name of its export (default `protocol`). */
export interface ProtocolRef {
  module: string;
  export?: string;
}
