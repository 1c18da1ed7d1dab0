/**
 * The agent's per-task loop as plain async code: claim → read the digest → think (the model call,
 * retried with backoff, while the lease is extended) → unfold rounds → propose → enqueue follow-ups
 * → complete, or fail the task, and claim again until the queue drains.
 *
 * It used to be a dozen states of the agent machine, each step a `sendTo` and an event back: ~7
 * transitions per sub-task, 150–250 µs of XState per sub-task where the work itself is 1 µs. The
 * agent machine still owns the agent's life (working, electing, finalizing, released, stopped, failed):
 * it invokes this loop once per round (`working`) and decides what an error that ends it means.
 * Pure like the machines: every side effect is an injected {@link AgentEffects} function, time is an
 * injected {@link LoopClock}.
 *
 * Semantics (as the machine had them): a retryable model error is retried up to `maxRetries` times
 * after `backoffDelay`; a lost lease drops the task (another agent owns it) and claims again; any
 * other error of a task step fails that task (`failTask`, transient when the error may pass) and
 * the loop carries on. A model error retried `maxRetries` times fails the task for good (not
 * transient): the queue's re-attempts would only multiply these retries. Built-in providers retry
 * their own requests and throw a final, non-retryable error when they give up, so for them this loop
 * retries nothing; its retries are for custom models (see `RetryOptions` in src/providers/resilient.ts).
 * Budget, abort and fatal errors end the loop (it rejects with them), as do
 * errors of claiming and of reporting a task back (not a lost lease). Unfolding is capped at
 * `maxUnfoldPerStep` labels per step and `maxUnfoldRounds` per task; a model asking to unfold with
 * none left fails the task. While the model call (or its backoff) runs the lease is extended every
 * `leaseExtendMs`; an extension that fails for another reason is retried at the next interval.
 */
import { ActorNotProvidedError, backoffDelay, classifyError, isTransient, toErrorInfo } from './errors.js';
import { NO_TASKS, RELEASED } from './types.js';
import type {
  AgentConfig,
  AgentEffects,
  AgentTally,
  ClaimedTask,
  Digest,
  LoopEnd,
  StepResult,
  UnfoldedDetail,
} from './types.js';

/**
 * A phase of the loop, named as the agent's state was before the loop left the machine (the host
 * reports it in `agent.state` events; the timeline, waiting share, inspector and CLI read these
 * names). `thinking` has two regions: the model call and the lease.
 */
export type LoopPhase =
  | 'claiming'
  | 'reading'
  | 'thinking.model.calling|lease.holding'
  | 'thinking.model.calling|lease.extending'
  | 'thinking.model.backingOff|lease.holding'
  | 'thinking.model.backingOff|lease.extending'
  | 'unfolding'
  | 'proposing'
  | 'enqueueing'
  | 'completing'
  | 'failingTask';

/** Timers the loop sleeps on (backoff, lease extension): the real ones, or a simulated clock in tests. */
export interface LoopClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

/** A fresh tally: nothing held, nothing counted. */
export function newTally(): AgentTally {
  return {
    task: null,
    tasksCompleted: 0,
    tasksFailed: 0,
    tasksAbandoned: 0,
    retries: 0,
    leaseExtensions: 0,
    followUpsEnqueued: 0,
    lastError: null,
  };
}

/** What the host gives the loop: its effects, and optionally a clock and a phase listener. */
export interface TaskLoopDeps {
  /** The side effects; a missing one fails with {@link ActorNotProvidedError} when the loop needs it. */
  readonly effects: Partial<AgentEffects>;
  /** Timers; `globalThis`'s when absent. */
  readonly clock?: LoopClock;
  /** Told each phase as the loop enters it (consecutive repeats are not reported). */
  readonly onPhase?: (phase: LoopPhase) => void;
}

/** Input of one run of the loop (one per round: it ends when the queue drains). */
export interface TaskLoopInput {
  readonly agentId: number;
  readonly config: AgentConfig;
  readonly tally: AgentTally;
}

const realClock: LoopClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
};

const EFFECT_NAMES = [
  'claimTask',
  'readDigest',
  'callModel',
  'unfold',
  'propose',
  'enqueueTasks',
  'completeTask',
  'failTask',
  'extendLease',
] as const satisfies ReadonlyArray<keyof AgentEffects>;

/** `effects` with every missing one replaced by a function that throws {@link ActorNotProvidedError}. */
export function completeEffects(effects: Partial<AgentEffects>): AgentEffects {
  // A host that provides every effect (each agent's start) gets its object back, not a copy.
  let missing = false;
  for (const name of EFFECT_NAMES) missing ||= effects[name] === undefined;
  if (!missing) return effects as AgentEffects;
  const out: Record<string, unknown> = { ...effects };
  for (const name of EFFECT_NAMES)
    out[name] ??= () => {
      throw new ActorNotProvidedError(name);
    };
  return out as unknown as AgentEffects;
}

/** The error the loop ends with when the agent is stopped while it waits. */
class LoopAbortedError extends Error {
  readonly code = 'ABORTED';
  constructor() {
    super('agent stopped');
    this.name = 'LoopAbortedError';
  }
}

/** A lost lease, a budget, an abort or a fatal error: the current task cannot go on. */
const endsTask = (kind: string): boolean =>
  kind === 'leaseLost' || kind === 'budget' || kind === 'aborted' || kind === 'fatal';

/** `thinking`'s phase for each state of its two regions (one string each, not one built per step). */
const THINKING = {
  calling: { holding: 'thinking.model.calling|lease.holding', extending: 'thinking.model.calling|lease.extending' },
  backingOff: {
    holding: 'thinking.model.backingOff|lease.holding',
    extending: 'thinking.model.backingOff|lease.extending',
  },
} as const satisfies Record<'calling' | 'backingOff', Record<'holding' | 'extending', LoopPhase>>;

const followUpsOf = (step: StepResult) => (step.type === 'propose' ? (step.followUps ?? NO_TASKS) : NO_TASKS);

/**
 * Runs the task loop until the queue drains (resolves `drained`), the host releases the agent
 * (`released`: nothing to claim while others still hold tasks) or an error ends it (rejects with that
 * error: budget, abort, fatal, or a failure of claiming or reporting a task back). `stop` aborts
 * it: effects in flight get a signal that aborts with it. Effects share one signal per run; only
 * after a lost lease cancelled a model call does the loop make a new one.
 */
export function runTaskLoop(input: TaskLoopInput, deps: TaskLoopDeps, stop: AbortSignal): Promise<LoopEnd> {
  return new TaskLoop(input, deps, stop).run();
}

/** One run of the loop; its fields are what the agent machine's context used to hold per task. */
class TaskLoop {
  private readonly effects: AgentEffects;
  private readonly clock: LoopClock;
  private readonly onPhase: ((phase: LoopPhase) => void) | undefined;
  private readonly agentId: number;
  private readonly config: AgentConfig;
  private readonly tally: AgentTally;
  private readonly stop: AbortSignal;
  /** The signal every effect gets; replaced only after it was aborted to cancel a model call. */
  private calls = new AbortController();
  private phase: LoopPhase | undefined;
  // Thinking: the model region and the lease region of the old `thinking` state.
  private model: 'calling' | 'backingOff' = 'calling';
  private lease: 'holding' | 'extending' = 'holding';
  /** Rejects what thinking awaits (the model call, a backoff) when the lease region ends the task. */
  private interrupt: ((error: unknown) => void) | undefined;
  private leaseTimer: unknown;
  /** Bumped when thinking ends: an extension of an older thinking is dropped. */
  private thinkingEpoch = 0;
  private extension: AbortController | undefined;
  /** The retryable error `think` gave up on after `maxRetries` retries: its task fails for good. */
  private retriedOut: unknown;

  constructor(input: TaskLoopInput, deps: TaskLoopDeps, stop: AbortSignal) {
    this.effects = completeEffects(deps.effects);
    this.clock = deps.clock ?? realClock;
    this.onPhase = deps.onPhase;
    this.agentId = input.agentId;
    this.config = input.config;
    this.tally = input.tally;
    this.stop = stop;
  }

  async run(): Promise<LoopEnd> {
    const onStop = () => {
      this.calls.abort(this.stop.reason);
      this.extension?.abort(this.stop.reason);
      this.interrupt?.(new LoopAbortedError());
    };
    if (this.stop.aborted) throw new LoopAbortedError();
    this.stop.addEventListener('abort', onStop, { once: true });
    try {
      for (;;) {
        this.enter('claiming');
        const task = await this.effects.claimTask({ agentId: this.agentId }, this.calls.signal);
        this.checkStopped();
        if (task === null) return 'drained';
        if (task === RELEASED) return RELEASED;
        this.tally.task = task;
        await this.runTask(task);
      }
    } finally {
      this.stop.removeEventListener('abort', onStop);
      this.endThinking();
    }
  }

  private enter(phase: LoopPhase): void {
    if (phase === this.phase) return;
    this.phase = phase;
    this.onPhase?.(phase);
  }

  private enterThinking(): void {
    this.enter(THINKING[this.model][this.lease]);
  }

  private checkStopped(): void {
    if (this.stop.aborted) throw new LoopAbortedError();
  }

  /** One task from its claim to completed, failed or abandoned; rejects only with an error that ends the loop. */
  private async runTask(task: ClaimedTask): Promise<void> {
    let step: Exclude<StepResult, { type: 'unfold' }> | undefined;
    let failReason = 'model asked to unfold with no unfold rounds left (or no labels)';
    let failCode: string | undefined;
    let failTransient = false;
    this.retriedOut = undefined;
    try {
      step = await this.workOn(task);
    } catch (error) {
      const kind = classifyError(error);
      if (kind === 'leaseLost') return this.abandon(error);
      if (endsTask(kind)) throw error;
      this.tally.lastError = toErrorInfo(error);
      failReason = this.tally.lastError.message;
      failCode = this.tally.lastError.code;
      failTransient = isTransient(error) && error !== this.retriedOut;
    }
    const { agentId, effects } = this;
    try {
      if (step !== undefined) {
        this.enter('completing');
        await effects.completeTask({ agentId, task, result: step.result }, this.calls.signal);
      } else {
        this.enter('failingTask');
        const reason = failReason;
        const transient = failTransient;
        await effects.failTask(
          failCode === undefined
            ? { agentId, task, reason, transient }
            : { agentId, task, reason, transient, code: failCode },
          this.calls.signal,
        );
      }
    } catch (error) {
      // Reporting a task back failed: a lost lease abandons it, anything else ends the loop.
      if (classifyError(error) !== 'leaseLost') throw error;
      return this.abandon(error);
    }
    this.checkStopped();
    this.tally.task = null;
    if (step !== undefined) this.tally.tasksCompleted++;
    else this.tally.tasksFailed++;
  }

  /**
   * Reads, thinks (with unfold rounds), proposes and enqueues the follow-ups of `task`: the step to
   * complete it with, or undefined when the model asked to unfold with none left (the task fails).
   */
  private async workOn(task: ClaimedTask): Promise<Exclude<StepResult, { type: 'unfold' }> | undefined> {
    const { agentId, effects, config } = this;
    this.enter('reading');
    const digest: Digest = await effects.readDigest({ agentId, task }, this.calls.signal);
    this.checkStopped();
    let unfolded: readonly UnfoldedDetail[] = [];
    let unfoldRounds = 0;
    for (;;) {
      const unfoldsLeft = Math.max(0, config.maxUnfoldRounds - unfoldRounds);
      const step = await this.think(task, digest, unfolded, unfoldsLeft);
      if (step.type === 'unfold') {
        if (step.labels.length === 0 || unfoldsLeft === 0) return undefined;
        this.enter('unfolding');
        const labels = step.labels.slice(0, config.maxUnfoldPerStep);
        const details = await effects.unfold({ agentId, task, labels }, this.calls.signal);
        this.checkStopped();
        unfolded = [...unfolded, ...details];
        unfoldRounds++;
        continue;
      }
      if (step.type === 'propose' && step.proposals.length > 0) {
        this.enter('proposing');
        await effects.propose({ agentId, task, proposals: step.proposals }, this.calls.signal);
        this.checkStopped();
      }
      const followUps = followUpsOf(step);
      if (followUps.length > 0) {
        this.enter('enqueueing');
        const ids = await effects.enqueueTasks(
          { agentId, parentTaskId: task.taskId, tasks: followUps },
          this.calls.signal,
        );
        this.checkStopped();
        this.tally.followUpsEnqueued += ids.length;
      }
      return step;
    }
  }

  private abandon(error: unknown): void {
    this.tally.lastError = toErrorInfo(error);
    this.tally.task = null;
    this.tally.tasksAbandoned++;
  }

  /**
   * The model step of `task` with its retries; meanwhile the lease is extended every
   * `leaseExtendMs`. A lease extension that ends the task (lost lease, budget, abort, fatal) cancels
   * the model call and rejects with its error.
   */
  private async think(
    task: ClaimedTask,
    digest: Digest,
    unfolded: readonly UnfoldedDetail[],
    unfoldsLeft: number,
  ): Promise<StepResult> {
    const { agentId, config } = this;
    const epoch = ++this.thinkingEpoch;
    this.lease = 'holding';
    this.scheduleExtension(task, epoch);
    let stepRetries = 0;
    try {
      for (;;) {
        this.model = 'calling';
        this.enterThinking();
        try {
          const input = { agentId, task, digest, unfolded, attempt: stepRetries + 1, unfoldsLeft };
          return await this.interruptible(this.effects.callModel(input, this.calls.signal));
        } catch (error) {
          this.checkStopped();
          if (classifyError(error) !== 'retryable') throw error;
          if (stepRetries >= config.maxRetries) {
            this.retriedOut = error;
            throw error;
          }
          stepRetries++;
          this.tally.retries++;
          this.tally.lastError = toErrorInfo(error);
        }
        this.model = 'backingOff';
        this.enterThinking();
        await this.interruptible(this.sleep(backoffDelay(stepRetries, config.baseDelayMs, config.maxDelayMs)));
      }
    } finally {
      this.endThinking();
    }
  }

  /** `work`, or the error the lease region (or a stop) interrupts thinking with, whichever comes first. */
  private interruptible<T>(work: Promise<T> | T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.interrupt = reject;
      Promise.resolve(work).then(resolve, reject);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimeout(resolve, ms));
  }

  private endThinking(): void {
    this.thinkingEpoch++;
    this.interrupt = undefined;
    if (this.leaseTimer !== undefined) this.clock.clearTimeout(this.leaseTimer);
    this.leaseTimer = undefined;
    // An extension still in flight is no longer wanted (the task is reported next, or dropped).
    this.extension?.abort(new Error('extendLease cancelled'));
    this.extension = undefined;
  }

  private scheduleExtension(task: ClaimedTask, epoch: number): void {
    this.leaseTimer = this.clock.setTimeout(() => {
      this.leaseTimer = undefined;
      void this.extend(task, epoch);
    }, this.config.leaseExtendMs);
  }

  private async extend(task: ClaimedTask, epoch: number): Promise<void> {
    const extension = (this.extension = new AbortController());
    this.lease = 'extending';
    this.enterThinking();
    let failure: unknown;
    let failed = false;
    try {
      await this.effects.extendLease({ agentId: this.agentId, task }, extension.signal);
    } catch (error) {
      failed = true;
      failure = error;
    }
    if (epoch !== this.thinkingEpoch) return; // thinking ended meanwhile: its result is dropped
    this.extension = undefined;
    this.lease = 'holding';
    if (!failed) {
      this.tally.leaseExtensions++;
    } else {
      const kind = classifyError(failure);
      if (endsTask(kind)) {
        // The task cannot go on: cancel the model call (its signal is not reused) and end thinking.
        this.tally.lastError = toErrorInfo(failure);
        const interrupt = this.interrupt;
        this.interrupt = undefined;
        this.calls.abort(failure);
        this.calls = new AbortController();
        interrupt?.(failure);
        return;
      }
      this.tally.lastError = toErrorInfo(failure);
    }
    this.enterThinking();
    this.scheduleExtension(task, epoch);
  }
}

/** A phase of the loop as drawn: its key, the effect it runs, its sub-phases (`thinking`'s two regions). */
export interface LoopChartState {
  readonly key: string;
  readonly type: 'atomic' | 'compound' | 'parallel';
  /** Key of the initial sub-phase, for compound ones. */
  readonly initial?: string;
  /** The effect the phase runs while the loop is in it. */
  readonly effect?: keyof AgentEffects;
  readonly states?: readonly LoopChartState[];
}

/** A step of the loop as drawn; `from` and `to` are dotted phase paths (`thinking.model.calling`). */
export interface LoopChartEdge {
  readonly from: string;
  readonly to: string;
  readonly trigger:
    | { readonly kind: 'done' | 'error'; readonly actor: keyof AgentEffects }
    | { readonly kind: 'after'; readonly delay: string };
  readonly guard?: string;
}

/**
 * The task loop drawn as a statechart, for `delm machines` and the inspector: the agent machine
 * hangs it on its `working` state (`meta.loop`) and the describer draws it inside that state. The
 * phases are those the loop reports; errors that end the loop are the `working` state's own
 * transitions. test/machines/task-loop.test.ts checks each edge against the phase changes the loop
 * makes.
 */
export const taskLoopChart: {
  readonly initial: string;
  readonly states: readonly LoopChartState[];
  readonly edges: readonly LoopChartEdge[];
} = (() => {
  const done = (actor: keyof AgentEffects) => ({ kind: 'done', actor }) as const;
  const error = (actor: keyof AgentEffects) => ({ kind: 'error', actor }) as const;
  /** A task step's errors: a lost lease drops the task, anything else (not ending the loop) fails it. */
  const taskErrors = (from: string, actor: keyof AgentEffects): LoopChartEdge[] => [
    { from, to: 'claiming', trigger: error(actor), guard: 'leaseLost' },
    { from, to: 'failingTask', trigger: error(actor) },
  ];
  const reportErrors = (from: string, actor: keyof AgentEffects): LoopChartEdge[] => [
    { from, to: 'claiming', trigger: error(actor), guard: 'leaseLost' },
  ];
  const calling = 'thinking.model.calling';
  return {
    initial: 'claiming',
    states: [
      { key: 'claiming', type: 'atomic', effect: 'claimTask' },
      { key: 'reading', type: 'atomic', effect: 'readDigest' },
      {
        key: 'thinking',
        type: 'parallel',
        states: [
          {
            key: 'model',
            type: 'compound',
            initial: 'calling',
            states: [
              { key: 'calling', type: 'atomic', effect: 'callModel' },
              { key: 'backingOff', type: 'atomic' },
            ],
          },
          {
            key: 'lease',
            type: 'compound',
            initial: 'holding',
            states: [
              { key: 'holding', type: 'atomic' },
              { key: 'extending', type: 'atomic', effect: 'extendLease' },
            ],
          },
        ],
      },
      { key: 'unfolding', type: 'atomic', effect: 'unfold' },
      { key: 'proposing', type: 'atomic', effect: 'propose' },
      { key: 'enqueueing', type: 'atomic', effect: 'enqueueTasks' },
      { key: 'completing', type: 'atomic', effect: 'completeTask' },
      { key: 'failingTask', type: 'atomic', effect: 'failTask' },
    ],
    edges: [
      { from: 'claiming', to: 'reading', trigger: done('claimTask'), guard: 'claimed' },
      { from: 'reading', to: 'thinking', trigger: done('readDigest') },
      ...taskErrors('reading', 'readDigest'),
      { from: calling, to: 'unfolding', trigger: done('callModel'), guard: 'canUnfold' },
      { from: calling, to: 'failingTask', trigger: done('callModel'), guard: 'stepIs(unfold)' },
      { from: calling, to: 'proposing', trigger: done('callModel'), guard: 'hasProposals' },
      { from: calling, to: 'enqueueing', trigger: done('callModel'), guard: 'hasFollowUps' },
      { from: calling, to: 'completing', trigger: done('callModel') },
      { from: calling, to: 'thinking.model.backingOff', trigger: error('callModel'), guard: 'shouldRetry' },
      ...taskErrors(calling, 'callModel'),
      { from: 'thinking.model.backingOff', to: calling, trigger: { kind: 'after', delay: 'backoff' } },
      {
        from: 'thinking.lease.holding',
        to: 'thinking.lease.extending',
        trigger: { kind: 'after', delay: 'leaseExtend' },
      },
      { from: 'thinking.lease.extending', to: 'thinking.lease.holding', trigger: done('extendLease') },
      { from: 'thinking.lease.extending', to: 'claiming', trigger: error('extendLease'), guard: 'leaseLost' },
      { from: 'thinking.lease.extending', to: 'thinking.lease.holding', trigger: error('extendLease') },
      { from: 'unfolding', to: 'thinking', trigger: done('unfold') },
      ...taskErrors('unfolding', 'unfold'),
      { from: 'proposing', to: 'enqueueing', trigger: done('propose'), guard: 'hasFollowUps' },
      { from: 'proposing', to: 'completing', trigger: done('propose') },
      ...taskErrors('proposing', 'propose'),
      { from: 'enqueueing', to: 'completing', trigger: done('enqueueTasks') },
      ...taskErrors('enqueueing', 'enqueueTasks'),
      { from: 'completing', to: 'claiming', trigger: done('completeTask') },
      ...reportErrors('completing', 'completeTask'),
      { from: 'failingTask', to: 'claiming', trigger: done('failTask') },
      ...reportErrors('failingTask', 'failTask'),
    ],
  };
})();
