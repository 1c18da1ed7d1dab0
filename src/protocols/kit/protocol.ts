/**
 * What a swarm does at each step is a protocol: how a task becomes sub-tasks, what an agent reads and
 * asks its model, how the verifier judges a proposal and how the finalizer decides. The runtime
 * (workers, queue, ledger, machines) is the same for every protocol. Built-in protocols are found by
 * name in the registry (src/protocols/registry.ts); a protocol of your own is a module every worker
 * imports, named by a {@link ProtocolRef}.
 */
import type {
  CallModelInput as MachineCallModelInput,
  ClaimedTask,
  Decision,
  DecideInput as MachineDecideInput,
  TaskSpec,
  UnfoldedDetail,
} from '../../../machines/types.js';
import type { ContextLedger, LedgerEntryInput, LedgerWriter } from '../../ledger/types.js';
import type { CompletionRequest, LanguageModel } from '../../providers/types.js';
import type { ToolEvidence } from '../../tools/evidence.js';
import type { RunTools } from '../../tools/loader.js';
import type { RunTask, SourceDocument } from '../../types.js';

export type { ClaimedTask, Decision, TaskSpec, UnfoldedDetail, RunTask, SourceDocument };
export { NO_TASKS } from '../../../machines/types.js';

/**
 * A skill of the offline model: answers the prompts of one schema name without an LLM. It gets the
 * request too (its tools and earlier tool turns) and may reply with `callTools(…)` from the providers.
 */
export type OfflineSkill = (prompt: string, request?: CompletionRequest<unknown>) => unknown;

/** What `plan` may use, on the main thread before any agent starts. */
export interface PlanIO {
  ledger: LedgerWriter;
  model: LanguageModel;
  signal: AbortSignal;
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

/** Input of `step`: the claimed task, the digest `readDigest` returned, what was unfolded so far. */
export type CallModelInput<TDigest = unknown> = Omit<MachineCallModelInput, 'digest'> & { readonly digest: TDigest };

/** Input of `decide`: the digest `finalDigest` returned, the round, and whether more work may be enqueued. */
export type DecideInput<TDigest = unknown> = Omit<MachineDecideInput, 'digest'> & { readonly digest: TDigest };

/** What one model step of an agent decided: propose findings (and follow-up sub-tasks), unfold labels, or finish. */
export type StepResult<TProposal = unknown> =
  | {
      readonly type: 'propose';
      readonly proposals: readonly TProposal[];
      readonly followUps?: readonly TaskSpec[];
      readonly result?: string;
    }
  | { readonly type: 'unfold'; readonly labels: readonly string[] }
  | { readonly type: 'done'; readonly result?: string };

/**
 * A proposal as the verifier receives it. The body crossed a thread as JSON, so `check` parses it
 * (with the schema its `step` wrote it by) before trusting it.
 */
export interface ProposalEnvelope {
  agentId: number;
  taskId: number;
  body: unknown;
  /**
   * Tool results the agent's host recorded in this task's steps and the body cites, verbatim with
   * their hashes: quotes may cite them by label. The model cannot add to them.
   */
  toolResults?: ToolEvidence[];
  /**
   * What the protocol's `precheck` found in the proposing agent's thread, if it has one. Untrusted:
   * `check` may use it to spare work only where it can confirm it (see kit/precheck.ts).
   */
  precheck?: unknown;
}

/** The verifier's judgement, with the entry to write (accepted) or the failure to record (rejected). */
export interface ProtocolVerdict<TEntry extends LedgerEntryInput = LedgerEntryInput> {
  verdict: 'accept' | 'reject' | 'duplicate';
  reason: string;
  /** Entry to commit when accepted; entry describing the failure when rejected (kind `failure`). */
  entry?: TEntry;
  /**
   * Accepted only: raw (level-2) entries committed before `entry`, such as the tool results it quotes.
   * An entry with one label and no parent unfolds into the source whose `meta.label` is that label.
   */
  sources?: LedgerEntryInput[];
  /** Whether the proposing agent's pre-check held, sparing the verifier its evidence searches. */
  prechecked?: boolean;
}

/**
 * The hooks of a protocol, typed by what its agents read (`TDigest`), what they propose (`TProposal`)
 * and what its verifier writes (`TEntry`). Everything but `plan` runs inside worker threads.
 */
export interface SwarmProtocol<
  TDigest = unknown,
  TProposal = unknown,
  TEntry extends LedgerEntryInput = LedgerEntryInput,
> {
  readonly name: string;
  /**
   * The offline model's answers to this protocol's prompts, by schema name. The runtime registers
   * them in every thread that loads the protocol, so the offline model can run it.
   */
  readonly offlineSkills?: ReadonlyArray<readonly [schemaName: string, skill: OfflineSkill]>;
  /** Optional, main thread: what is wrong with `task` for this protocol (`meta.path: problem`), so a server can refuse it before starting a run. */
  checkTask?(task: RunTask): string[];
  /** Main thread, before any agent starts: store the task in the ledger and return the first sub-tasks. */
  plan(task: RunTask, io: PlanIO): Promise<TaskSpec[]>;
  /**
   * Optional, each agent thread of a run with `tools`, after `plan`: what the run adds to them — the
   * folder the workspace tools work in when `tools.workspace` is unset, and tools of the protocol's
   * own (the debugging protocol's `run_tests`).
   */
  runTools?(ledger: ContextLedger): RunTools;
  /** What an agent reads of the ledger before thinking about `task`. */
  readDigest(io: AgentIO, task: ClaimedTask): Promise<TDigest>;
  /** One model step of an agent. */
  step(io: AgentIO, input: CallModelInput<TDigest>): Promise<StepResult<TProposal>>;
  /** Fetch the detail behind gist labels. */
  unfold(io: AgentIO, task: ClaimedTask, labels: readonly string[]): Promise<UnfoldedDetail[]>;
  /**
   * Optional, agent thread: the deterministic evidence checks of a proposal, run before it is sent;
   * the result travels with it as `precheck` (see kit/precheck.ts), so the single writer does less.
   */
  precheck?(io: AgentIO, proposal: ProposalEnvelope): unknown;
  /** Verifier: judge one proposal. */
  check(io: VerifierIO, proposal: ProposalEnvelope): Promise<ProtocolVerdict<TEntry>>;
  /**
   * Optional, verifier: the work its checks will need that no proposal decides (the DeLM protocol
   * normalises the sources the ledger gained), done whenever the verifier is about to wait for
   * proposals, so a proposal does not wait for it. Must be cheap when the ledger did not change.
   */
  prepareChecks?(io: VerifierIO): void;
  /** Finalizer: what it reads before deciding. */
  finalDigest(io: AgentIO, round: number): Promise<TDigest>;
  /** Finalizer: more work or the answer. */
  decide(io: AgentIO, input: DecideInput<TDigest>): Promise<Decision>;
}

/** Identity function that infers a protocol's types: `export const protocol = defineProtocol({ ... })`. */
export function defineProtocol<TDigest, TProposal, TEntry extends LedgerEntryInput = LedgerEntryInput>(
  protocol: SwarmProtocol<TDigest, TProposal, TEntry>,
): SwarmProtocol<TDigest, TProposal, TEntry> {
  return protocol;
}
