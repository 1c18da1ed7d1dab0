/**
 * The contract between the pure machines in `machines/` and the hosts in `actors/` that provide
 * their side effects. Every actor a machine may invoke is named here with its input and output;
 * the host supplies implementations with `machine.provide({ actors: { name: fromPromise(...) } })`.
 * Nothing in this folder imports worker, model or shared-memory code.
 */

// ─── shared shapes ────────────────────────────────────────────────────────────

/** A task this agent holds a lease on. The host keeps the lease itself (keyed by `taskId`). */
export interface ClaimedTask {
  readonly taskId: number;
  /** 1 for the first claim of this task, 2 for the second, … */
  readonly attempt: number;
  readonly payload: string;
}

/** A sub-task to enqueue (a follow-up from a step, or more work from the finalizer). */
export interface TaskSpec {
  readonly payload: string;
  /** Higher is claimed first; the queue clamps it. */
  readonly priority?: number;
}

/** What the agent reads of the ledger before thinking: opaque to the machine (gists, budgeted). */
export type Digest = unknown;

/** A proposed ledger entry with its evidence: opaque to the machines, parsed by the host. */
export type Proposal = unknown;

/** The full detail behind one gist label, as returned by `unfold`. */
export interface UnfoldedDetail {
  readonly label: string;
  readonly detail: unknown;
}

/**
 * No follow-up tasks: one frozen array for every step that has none. A list mapped from an empty
 * array has another hidden class in optimised code than in the builtin (packed or holey), so a step
 * built either way deoptimised the task loop's code right after V8 optimised it.
 */
export const NO_TASKS: readonly TaskSpec[] = Object.freeze([]);

/** What one model call of an agent decided. */
export type StepResult =
  | {
      readonly type: 'propose';
      readonly proposals: readonly Proposal[];
      readonly followUps?: readonly TaskSpec[];
      readonly result?: string;
    }
  | { readonly type: 'unfold'; readonly labels: readonly string[] }
  | { readonly type: 'done'; readonly result?: string };

/** An error as the machines keep it: plain data, so it survives `postMessage` and snapshots. */
export interface ErrorInfo {
  /** Stable code (`DelmErrorCode` values, or `NOT_PROVIDED`), when the error had one. */
  readonly code: string | undefined;
  readonly message: string;
  /** The error's own `retryable` flag, when it had one (ProviderError does). */
  readonly retryable: boolean | undefined;
}

/** Why a machine stopped early: the run's budget ran out, or the host aborted it (STOP). */
export type StopReason = 'budget' | 'aborted';

/** Events a host may send to any of the machines. */
export type HostEvent = { readonly type: 'STOP'; readonly reason?: string } | { readonly type: 'BUDGET_EXHAUSTED' };

// ─── agent ────────────────────────────────────────────────────────────────────

/** Tunables of the agent machine; every field has a default (see `DEFAULT_AGENT_CONFIG`). */
export interface AgentConfig {
  /** First backoff delay after a retryable model error; doubles each retry. */
  readonly baseDelayMs: number;
  /** Cap on one backoff delay. */
  readonly maxDelayMs: number;
  /** Retries of one model call before the task is failed. */
  readonly maxRetries: number;
  /** Interval of lease extensions while thinking. */
  readonly leaseExtendMs: number;
  /** Labels passed to one `unfold` (the model's list is truncated). */
  readonly maxUnfoldPerStep: number;
  /** Unfold rounds allowed per task; asking for more fails the task. */
  readonly maxUnfoldRounds: number;
  /** Finalization rounds of the run (the last one must answer). */
  readonly maxRounds: number;
}

/** Input of the agent machine. */
export interface AgentInput {
  readonly agentId: number;
  readonly config?: Partial<AgentConfig>;
}

/** What `claimTask` answers when there is nothing to claim now, others still hold tasks, and the agent may go. */
export const RELEASED = 'released';

/** What `claimTask` answers: a task, `null` (the queue drained) or {@link RELEASED}. */
export type ClaimResult = ClaimedTask | null | typeof RELEASED;

/** How a run of the task loop ended: the queue drained (go to the election), or the agent was released. */
export type LoopEnd = 'drained' | typeof RELEASED;

/**
 * Input of `claimTask`. Output: a claimed task; `null` when the queue is drained; or {@link RELEASED}
 * when nothing can be claimed now but other agents still hold tasks (a host that can start the agent
 * again if work comes lets it go: it ends `released`); a host that waits internally instead never says so.
 */
export interface ClaimTaskInput {
  readonly agentId: number;
}

/** Input of the task-scoped actors `readDigest` and `extendLease`. */
export interface TaskActorInput {
  readonly agentId: number;
  readonly task: ClaimedTask;
}

/** Input of `callModel`. Output: a {@link StepResult}. Honour `signal`: STOP aborts the call. */
export interface CallModelInput {
  readonly agentId: number;
  readonly task: ClaimedTask;
  readonly digest: Digest;
  /** Details unfolded so far for this task, oldest first. */
  readonly unfolded: readonly UnfoldedDetail[];
  /** 1 for the first try of this step, 2 for the first retry, … */
  readonly attempt: number;
  /** Unfold rounds still allowed; 0 means the model must propose or finish now. */
  readonly unfoldsLeft: number;
}

/** Input of `unfold` (at most `maxUnfoldPerStep` labels). Output: the details. */
export interface UnfoldInput {
  readonly agentId: number;
  readonly task: ClaimedTask;
  readonly labels: readonly string[];
}

/** Input of `propose`: send proposals to the verifier. Output ignored (an ack). */
export interface ProposeInput {
  readonly agentId: number;
  readonly task: ClaimedTask;
  readonly proposals: readonly Proposal[];
}

/** Input of `enqueueTasks`. Output: the new task ids. */
export interface EnqueueTasksInput {
  readonly agentId: number;
  /** Task that spawned these, or -1 (the finalizer). */
  readonly parentTaskId: number;
  readonly tasks: readonly TaskSpec[];
}

/** Input of `completeTask`. */
export interface CompleteTaskInput {
  readonly agentId: number;
  readonly task: ClaimedTask;
  readonly result: string | undefined;
}

/** Input of `failTask`. */
export interface FailTaskInput {
  readonly agentId: number;
  readonly task: ClaimedTask;
  readonly reason: string;
  /** The failure may pass on another try: the host puts the task back while it has attempts left. */
  readonly transient: boolean;
  /** The stable code of the error that failed the task, when it had one. */
  readonly code?: string;
}

/** Input of `electFinalizer`, invoked when `claimTask` reports the queue drained. */
export interface ElectFinalizerInput {
  readonly agentId: number;
}

/**
 * Output of `electFinalizer`. Exactly one agent per drain gets `finalize` (with the run-wide round
 * number, 1-based); the others either wait until that finalizer decides, then are told to `claim`
 * (it enqueued more work) or `exit` (it answered, or the run ended), or, where the host can bring
 * an agent back, are told `release` at once: the agent ends `released`, holding nothing while the
 * decision is made, and its host starts it again if the decision (or a later task) enqueues work.
 */
export type Election =
  | { readonly role: 'finalize'; readonly round: number }
  | { readonly role: 'claim' }
  | { readonly role: 'exit' }
  | { readonly role: 'release' };

/**
 * The agent's per-task side effects as plain functions: the host implements them and the agent's
 * task loop (`runTaskLoop`) calls them, so a sub-task costs function calls, not XState transitions.
 * `signal` aborts when the agent stops, and for `callModel` also when the lease is lost mid-call.
 */
export interface AgentEffects {
  claimTask(input: ClaimTaskInput, signal: AbortSignal): Promise<ClaimResult> | ClaimResult;
  readDigest(input: TaskActorInput, signal: AbortSignal): unknown;
  callModel(input: CallModelInput, signal: AbortSignal): Promise<StepResult> | StepResult;
  unfold(input: UnfoldInput, signal: AbortSignal): Promise<readonly UnfoldedDetail[]> | readonly UnfoldedDetail[];
  propose(input: ProposeInput, signal: AbortSignal): unknown;
  enqueueTasks(input: EnqueueTasksInput, signal: AbortSignal): Promise<readonly number[]> | readonly number[];
  completeTask(input: CompleteTaskInput, signal: AbortSignal): unknown;
  failTask(input: FailTaskInput, signal: AbortSignal): unknown;
  extendLease(input: TaskActorInput, signal: AbortSignal): unknown;
}

/** Name of one agent effect. */
export type AgentEffectName = keyof AgentEffects;

/** A record of effects as plain functions of their input and an abort signal (what an effects actor runs). */
export type EffectFunctions<E> = { [K in keyof E]: (input: never, signal: AbortSignal) => unknown };

/** What an effects actor sends back: `<effect>.done` with its output, or `<effect>.error` with what it threw. */
export type EffectEventOf<E extends EffectFunctions<E>> = {
  [K in keyof E & string]:
    | { readonly type: `${K}.done`; readonly output: Awaited<ReturnType<E[K]>> }
    | { readonly type: `${K}.error`; readonly error: unknown };
}[keyof E & string];

/** What a machine sends its effects actor: run an effect, or cancel those still in flight. */
export type EffectCommandOf<E> =
  | { readonly type: 'run'; readonly effect: keyof E & string; readonly input: unknown }
  | { readonly type: 'cancel'; readonly effects: ReadonlyArray<keyof E & string> };

/**
 * The agent's running counts and the task it holds, written by its task loop as it goes
 * (`runTaskLoop`) and read by the agent machine (its output: a stopped agent reports the task it
 * held). The one mutable object of an agent machine's context: the loop would otherwise send the
 * machine an event for every change, which is what the loop left the machine to avoid.
 */
export interface AgentTally {
  /** The task held now, or null between tasks. */
  task: ClaimedTask | null;
  tasksCompleted: number;
  tasksFailed: number;
  /** Tasks dropped because their lease was lost (another agent owns them now). */
  tasksAbandoned: number;
  /** Model retries over the whole life of the agent. */
  retries: number;
  leaseExtensions: number;
  followUpsEnqueued: number;
  /** The last error the loop dealt with itself (a retry, a failed task, a lost lease, a failed extension). */
  lastError: ErrorInfo | null;
}

/** The agent machine's context: its lifecycle, and the tally its task loop keeps. */
export interface AgentContext {
  readonly agentId: number;
  readonly config: AgentConfig;
  /** Written by the task loop (see {@link AgentTally}). */
  readonly tally: AgentTally;
  readonly round: number;
  /** The error that ended the task loop, an election or a finalizer (errors the loop handled are in the tally). */
  readonly lastError: ErrorInfo | null;
  readonly stopReason: StopReason | null;
  readonly failure: string | null;
  /** The stable code of the error behind `failure`, when it had one. */
  readonly failureCode: string | null;
  readonly answer: string | null;
  /** Let go with nothing to do: nothing to claim while others held tasks, or another agent deciding (see {@link Election}). */
  readonly released: boolean;
}

/** Final output of the agent machine. */
export interface AgentOutput {
  /** `released`: the election let it go while another agent decided; its host may bring it back for more work. */
  readonly status: 'done' | 'stopped' | 'failed' | 'released';
  /** StopReason when stopped, the failure when failed. */
  readonly reason: string | undefined;
  /** The stable code of the error it failed with, when its host knows it (a `DelmErrorCode`). */
  readonly errorCode?: string;
  /** The final answer, when this agent was the finalizer that answered. */
  readonly answer: string | undefined;
  /** The task still held when it stopped; the host should release it (or let its lease expire). */
  readonly heldTaskId: number | undefined;
  readonly tasksCompleted: number;
  readonly tasksFailed: number;
  readonly retries: number;
}

// ─── finalizer ────────────────────────────────────────────────────────────────

/** Input of the finalizer machine. */
export interface FinalizerInput {
  readonly agentId: number;
  /** Run-wide finalization round, 1-based (from the election). */
  readonly round: number;
  readonly maxRounds: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly maxRetries?: number;
}

/** Input of `readLedger`. Output: the digest the finalizer decides on. */
export interface ReadLedgerInput {
  readonly agentId: number;
  readonly round: number;
}

/** Input of `decide`. When `mayEnqueue` is false the actor must return an answer. */
export interface DecideInput {
  readonly agentId: number;
  readonly digest: Digest;
  readonly round: number;
  readonly maxRounds: number;
  readonly mayEnqueue: boolean;
  readonly attempt: number;
}

/** Output of `decide`: more work, or the answer. */
export type Decision =
  | { readonly type: 'enqueue'; readonly tasks: readonly TaskSpec[] }
  | { readonly type: 'answer'; readonly answer: string };

/** Input of `publishAnswer`. */
export interface PublishAnswerInput {
  readonly agentId: number;
  readonly answer: string;
}

/** Final output of the finalizer machine. */
export type FinalizerOutput =
  | { readonly type: 'answer'; readonly answer: string }
  | { readonly type: 'enqueued'; readonly taskIds: readonly number[] }
  | { readonly type: 'stopped'; readonly reason: StopReason }
  | { readonly type: 'failed'; readonly reason: string; readonly code?: string };

// ─── verifier ─────────────────────────────────────────────────────────────────

/** Input of the verifier machine. */
export interface VerifierInput {
  readonly verifierId?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly maxRetries?: number;
}

/** Input of `receiveProposals`. */
export interface ReceiveInput {
  readonly verifierId: number;
}

/**
 * Output of `receiveProposals`: every proposal waiting in the channel when the verifier looked (at
 * least one, in order of arrival), or `closed` when the channel is closed and empty.
 */
export type Received =
  { readonly type: 'proposals'; readonly proposals: readonly Proposal[] } | { readonly type: 'closed' };

/** Input of the verifier's `decide`: the proposal, and which attempt at its check this is (1 for the first). */
export interface DecisionInput {
  readonly proposal: Proposal;
  readonly attempt: number;
}

/** Output of `decide`: what was decided (and done). `entry`, when given, is what was committed instead of the raw proposal. */
export interface Verdict {
  readonly verdict: 'accept' | 'reject' | 'duplicate';
  readonly reason: string;
  readonly entry?: unknown;
}

/** Input of `recordFailure`: the proposal whose check failed for good, and its rejection. */
export interface VerdictInput {
  readonly proposal: Proposal;
  readonly verdict: Verdict;
}

/**
 * The verifier's side effects as plain functions: the host implements them and one long-lived effects
 * actor ({@link fromVerifierEffects}) runs them when the machine requests one, so a proposal costs
 * one event, not child actors. `signal` aborts when the verifier stops.
 *
 * `decide` checks a proposal and acts on the verdict at once: commits it (accept), records its failure
 * entry (reject) or drops it (duplicate). A check that throws must reach the machine as a
 * `CheckFailedError` (nothing written yet: it may be tried again); any other error is a failed write.
 */
export interface VerifierEffects {
  receiveProposals(input: ReceiveInput, signal: AbortSignal): Promise<Received> | Received;
  decide(input: DecisionInput, signal: AbortSignal): Promise<Verdict> | Verdict;
  recordFailure(input: VerdictInput, signal: AbortSignal): unknown;
}

/** Input of the verifier machine's `decide` step: the batch's proposals not decided yet, in order, and which attempt at the first one's check this is. */
export interface BatchDecisionInput {
  readonly proposals: readonly Proposal[];
  readonly attempt: number;
}

/**
 * The steps the verifier machine requests of its effects actor: the host's {@link VerifierEffects},
 * except that `decide` takes the rest of a batch and decides its proposals in order, one after the
 * other ({@link fromVerifierEffects} makes it of the host's `decide`), so a batch costs the machine
 * one event, not one per proposal. It resolves with their verdicts, or rejects with the error of the
 * first whose decision threw: as it is when that was the first, else as a `BatchStoppedError`
 * carrying the verdicts before it.
 */
export interface VerifierSteps {
  receiveProposals: VerifierEffects['receiveProposals'];
  decide(input: BatchDecisionInput, signal: AbortSignal): Promise<readonly Verdict[]>;
  recordFailure: VerifierEffects['recordFailure'];
}

/** Name of one verifier step. */
export type VerifierStepName = keyof VerifierSteps;

/**
 * Final output of the verifier machine. `depositions`: how often another verifier took its writer
 * lease over (a run on Redis whose verifier was frozen past its lease); each time it stood by again.
 * The counts are of decisions the machine saw: a verifier stopped while deciding a batch does not
 * count that batch's proposals decided before the stop (their entries are written all the same).
 */
export interface VerifierOutput {
  readonly status: 'closed' | 'stopped' | 'failed';
  readonly reason: string | undefined;
  readonly received: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly duplicates: number;
  /** Batches received: the verifier woke this many times to decide the `received` proposals. */
  readonly batches: number;
  /** Times another verifier took this one's writer lease over; it stood by again each time. */
  readonly depositions: number;
}
