/**
 * The agent machine: one per worker. It loops over tasks until the queue drains for good.
 *
 *   idle → claiming → reading → thinking ─┬─ propose → proposing → (enqueueing) → completing → claiming
 *              │                          ├─ unfold  → unfolding → thinking        (capped per step and per task)
 *              │                          └─ done    → completing → claiming
 *              └─ drained → electing → finalizing (the finalizer machine) → claiming | done
 *
 * `thinking` is parallel: the model call (with backoff retries) in one region, lease extension
 * every `leaseExtendMs` in the other. A task that cannot be finished is failed with its reason
 * (`failingTask`) and the agent goes back to claiming; only budget, abort or a fatal error end it.
 * STOP / BUDGET_EXHAUSTED from the host stop it from any state (effects in flight are aborted).
 *
 * The per-task side effects (claimTask … failTask, extendLease) are plain functions the host provides
 * as one long-lived `effects` actor ({@link fromEffects}): a state requests its effect on entry and
 * moves on its `<effect>.done` / `<effect>.error` event, so a sub-task spawns no child actor. Electing
 * and finalizing, once per round, stay invoked actors (`electFinalizer`, `finalizer`).
 */
import { assign, sendTo, setup } from 'xstate';
import { resolveAgentConfig } from './config.js';
import { effectsNotProvided } from './effects.js';
import { backoffDelay, classifyError, errorOf, isTransient, notProvided, outputOf, toErrorInfo } from './errors.js';
import type { ErrorKind } from './errors.js';
import { finalizerMachine } from './finalizer.js';
import type {
  AgentContext,
  AgentEffectName,
  AgentEffects,
  AgentInput,
  AgentOutput,
  ClaimedTask,
  Digest,
  EffectCommand,
  EffectEvent,
  ElectFinalizerInput,
  Election,
  FinalizerOutput,
  HostEvent,
  StepResult,
  StopReason,
  UnfoldedDetail,
} from './types.js';

const stopOn = (kind: 'budget' | 'aborted') =>
  ({
    guard: { type: 'errorIs', params: { kind } },
    target: '#agent.stopped',
    actions: ['recordError', { type: 'stop', params: { reason: kind } }],
  }) as const;
const fatalOn = {
  guard: { type: 'errorIs', params: { kind: 'fatal' } },
  target: '#agent.failed',
  actions: ['recordError', 'failWithError'],
} as const;
const abandonOnLeaseLost = {
  guard: { type: 'errorIs', params: { kind: 'leaseLost' } },
  target: '#agent.claiming',
  actions: ['recordError', 'abandonTask'],
} as const;
/** Errors of claiming and electing: anything but budget or abort is fatal (the queue is broken). */
const claimErrors = [
  stopOn('budget'),
  stopOn('aborted'),
  { target: '#agent.failed', actions: ['recordError', 'failWithError'] },
] as const;
/** Errors of reporting a task back: a lost lease means another agent owns it now; anything else is fatal. */
const reportErrors = [
  stopOn('budget'),
  stopOn('aborted'),
  abandonOnLeaseLost,
  { target: '#agent.failed', actions: ['recordError', 'failWithError'] },
] as const;
/** Errors of task-level actors: the task fails, the agent carries on. */
const taskErrors = [
  stopOn('budget'),
  stopOn('aborted'),
  fatalOn,
  abandonOnLeaseLost,
  { target: '#agent.failingTask', actions: ['recordError', 'failTaskWithError'] },
] as const;

const unfoldsLeft = (c: AgentContext): number => Math.max(0, c.config.maxUnfoldRounds - c.unfoldRounds);
const requireTask = (c: AgentContext): ClaimedTask => {
  // Unreachable by construction: task-scoped states are only entered after a claim.
  if (c.task === null) throw new Error('agent machine: no task held in a task-scoped state');
  return c.task;
};
const followUpsOf = (step: StepResult | null) => (step?.type === 'propose' ? (step.followUps ?? []) : []);

/** The input of each effect, from the machine's context when the effect is requested. */
const effectInput: { readonly [K in AgentEffectName]: (c: AgentContext) => Parameters<AgentEffects[K]>[0] } = {
  claimTask: (c) => ({ agentId: c.agentId }),
  readDigest: (c) => ({ agentId: c.agentId, task: requireTask(c) }),
  callModel: (c) => ({
    agentId: c.agentId,
    task: requireTask(c),
    digest: c.digest,
    unfolded: c.unfolded,
    attempt: c.stepRetries + 1,
    unfoldsLeft: unfoldsLeft(c),
  }),
  unfold: (c) => ({
    agentId: c.agentId,
    task: requireTask(c),
    labels: c.step?.type === 'unfold' ? c.step.labels.slice(0, c.config.maxUnfoldPerStep) : [],
  }),
  propose: (c) => ({
    agentId: c.agentId,
    task: requireTask(c),
    proposals: c.step?.type === 'propose' ? c.step.proposals : [],
  }),
  enqueueTasks: (c) => ({ agentId: c.agentId, parentTaskId: requireTask(c).taskId, tasks: followUpsOf(c.step) }),
  completeTask: (c) => ({
    agentId: c.agentId,
    task: requireTask(c),
    result: c.step?.type === 'unfold' ? undefined : c.step?.result,
  }),
  failTask: (c) => ({
    agentId: c.agentId,
    task: requireTask(c),
    reason: c.failReason ?? 'unknown failure',
    transient: c.failTransient,
  }),
  extendLease: (c) => ({ agentId: c.agentId, task: requireTask(c) }),
};

/** Entry action of a state that runs `effect`. */
const request = (effect: AgentEffectName) => ({ type: 'request', params: { effect } }) as const;

/**
 * The agent machine; provide `effects` (`fromEffects(yourEffects)`), `electFinalizer` and `finalizer`
 * (the finalizer machine with its actors provided).
 */
export const agentMachine = setup({
  types: {
    input: {} as AgentInput,
    context: {} as AgentContext,
    events: {} as HostEvent | { readonly type: 'START' } | EffectEvent,
    output: {} as AgentOutput,
  },
  actors: {
    effects: effectsNotProvided,
    electFinalizer: notProvided<Election, ElectFinalizerInput>('electFinalizer'),
    finalizer: finalizerMachine,
  },
  guards: {
    errorIs: ({ event }, params: { kind: ErrorKind }) => classifyError(errorOf(event)) === params.kind,
    shouldRetry: ({ context, event }) =>
      classifyError(errorOf(event)) === 'retryable' && context.stepRetries < context.config.maxRetries,
    queueDrained: ({ event }) => outputOf<ClaimedTask | null>(event) === null,
    roleIs: ({ event }, params: { role: Election['role'] }) => outputOf<Election>(event).role === params.role,
    outcomeIs: ({ event }, params: { type: FinalizerOutput['type'] }) =>
      outputOf<FinalizerOutput>(event).type === params.type,
    stepIs: ({ event }, params: { type: StepResult['type'] }) => outputOf<StepResult>(event).type === params.type,
    canUnfold: ({ context, event }) => {
      const step = outputOf<StepResult>(event);
      return step.type === 'unfold' && step.labels.length > 0 && unfoldsLeft(context) > 0;
    },
    hasProposals: ({ event }) => {
      const step = outputOf<StepResult>(event);
      return step.type === 'propose' && step.proposals.length > 0;
    },
    hasFollowUps: ({ context }) => followUpsOf(context.step).length > 0,
  },
  actions: {
    request: sendTo('effects', ({ context }, params: { effect: AgentEffectName }): EffectCommand => ({
      type: 'run',
      effect: params.effect,
      input: effectInput[params.effect](context),
    })),
    cancel: sendTo('effects', (_, params: { effects: readonly AgentEffectName[] }): EffectCommand => ({
      type: 'cancel',
      effects: params.effects,
    })),
    recordError: assign(({ event }) => ({ lastError: toErrorInfo(errorOf(event)) })),
    stop: assign((_, params: { reason: StopReason }) => ({ stopReason: params.reason })),
    failWithError: assign(({ event }) => ({ failure: toErrorInfo(errorOf(event)).message })),
    failWith: assign((_, params: { reason: string }) => ({ failure: params.reason })),
    takeTask: assign((_, params: { task: ClaimedTask | null }) => ({
      task: params.task,
      digest: undefined,
      unfolded: [],
      unfoldRounds: 0,
      stepRetries: 0,
      step: null,
      failReason: null,
      failTransient: false,
    })),
    setDigest: assign((_, params: { digest: Digest }) => ({ digest: params.digest, stepRetries: 0 })),
    setStep: assign((_, params: { step: StepResult }) => ({ step: params.step })),
    countRetry: assign(({ context }) => ({ stepRetries: context.stepRetries + 1, retries: context.retries + 1 })),
    addUnfolded: assign(({ context }, params: { details: readonly UnfoldedDetail[] }) => ({
      unfolded: [...context.unfolded, ...params.details],
      unfoldRounds: context.unfoldRounds + 1,
      stepRetries: 0,
    })),
    countLeaseExtension: assign(({ context }) => ({ leaseExtensions: context.leaseExtensions + 1 })),
    countFollowUps: assign(({ context }, params: { taskIds: readonly number[] }) => ({
      followUpsEnqueued: context.followUpsEnqueued + params.taskIds.length,
    })),
    failTaskWithError: assign(({ event }) => ({
      failReason: toErrorInfo(errorOf(event)).message,
      failTransient: isTransient(errorOf(event)),
    })),
    failTaskWith: assign((_, params: { reason: string }) => ({ failReason: params.reason, failTransient: false })),
    taskCompleted: assign(({ context }) => ({ task: null, tasksCompleted: context.tasksCompleted + 1 })),
    taskFailed: assign(({ context }) => ({ task: null, tasksFailed: context.tasksFailed + 1 })),
    abandonTask: assign(({ context }) => ({
      task: null,
      tasksAbandoned: context.tasksAbandoned + (context.task ? 1 : 0),
    })),
    setRound: assign((_, params: { round: number }) => ({ round: params.round })),
    takeOutcome: assign((_, params: { outcome: FinalizerOutput }) => {
      const o = params.outcome;
      if (o.type === 'answer') return { answer: o.answer };
      if (o.type === 'stopped') return { stopReason: o.reason };
      if (o.type === 'failed') return { failure: `finalizer failed: ${o.reason}` };
      return {};
    }),
  },
  delays: {
    backoff: ({ context }) => backoffDelay(context.stepRetries, context.config.baseDelayMs, context.config.maxDelayMs),
    leaseExtend: ({ context }) => context.config.leaseExtendMs,
  },
}).createMachine({
  id: 'agent',
  context: ({ input }) => ({
    agentId: input.agentId,
    config: resolveAgentConfig(input.config),
    task: null,
    digest: undefined,
    unfolded: [],
    unfoldRounds: 0,
    stepRetries: 0,
    step: null,
    failReason: null,
    failTransient: false,
    tasksCompleted: 0,
    tasksFailed: 0,
    tasksAbandoned: 0,
    retries: 0,
    leaseExtensions: 0,
    followUpsEnqueued: 0,
    round: 0,
    lastError: null,
    stopReason: null,
    failure: null,
    answer: null,
  }),
  initial: 'idle',
  invoke: { id: 'effects', src: 'effects' },
  on: {
    STOP: { target: '.stopped', actions: { type: 'stop', params: { reason: 'aborted' } } },
    BUDGET_EXHAUSTED: { target: '.stopped', actions: { type: 'stop', params: { reason: 'budget' } } },
  },
  states: {
    idle: {
      on: { START: 'claiming' },
    },
    claiming: {
      entry: request('claimTask'),
      on: {
        'claimTask.done': [
          { guard: 'queueDrained', target: 'electing' },
          { target: 'reading', actions: { type: 'takeTask', params: ({ event }) => ({ task: event.output }) } },
        ],
        'claimTask.error': claimErrors,
      },
    },
    electing: {
      invoke: {
        id: 'electFinalizer',
        src: 'electFinalizer',
        input: ({ context }) => ({ agentId: context.agentId }),
        onDone: [
          {
            guard: { type: 'roleIs', params: { role: 'finalize' } },
            target: 'finalizing',
            actions: {
              type: 'setRound',
              params: ({ event }) => ({ round: event.output.role === 'finalize' ? event.output.round : 0 }),
            },
          },
          { guard: { type: 'roleIs', params: { role: 'claim' } }, target: 'claiming' },
          { target: 'done' },
        ],
        onError: claimErrors,
      },
    },
    finalizing: {
      invoke: {
        id: 'finalizer',
        src: 'finalizer',
        input: ({ context }) => ({
          agentId: context.agentId,
          round: context.round,
          maxRounds: context.config.maxRounds,
          baseDelayMs: context.config.baseDelayMs,
          maxDelayMs: context.config.maxDelayMs,
          maxRetries: context.config.maxRetries,
        }),
        onDone: [
          { guard: { type: 'outcomeIs', params: { type: 'enqueued' } }, target: 'claiming' },
          {
            guard: { type: 'outcomeIs', params: { type: 'answer' } },
            target: 'done',
            actions: { type: 'takeOutcome', params: ({ event }) => ({ outcome: event.output }) },
          },
          {
            guard: { type: 'outcomeIs', params: { type: 'stopped' } },
            target: 'stopped',
            actions: { type: 'takeOutcome', params: ({ event }) => ({ outcome: event.output }) },
          },
          { target: 'failed', actions: { type: 'takeOutcome', params: ({ event }) => ({ outcome: event.output }) } },
        ],
        onError: { target: 'failed', actions: ['recordError', 'failWithError'] },
      },
    },
    reading: {
      entry: request('readDigest'),
      on: {
        'readDigest.done': {
          target: 'thinking',
          actions: { type: 'setDigest', params: ({ event }) => ({ digest: event.output }) },
        },
        'readDigest.error': taskErrors,
      },
    },
    thinking: {
      type: 'parallel',
      // Whichever region ends it, what the other still runs is no longer wanted.
      exit: { type: 'cancel', params: { effects: ['callModel', 'extendLease'] } },
      states: {
        model: {
          initial: 'calling',
          states: {
            calling: {
              entry: request('callModel'),
              on: {
                'callModel.done': [
                  {
                    guard: 'canUnfold',
                    target: '#agent.unfolding',
                    actions: { type: 'setStep', params: ({ event }) => ({ step: event.output }) },
                  },
                  {
                    guard: { type: 'stepIs', params: { type: 'unfold' } },
                    target: '#agent.failingTask',
                    actions: {
                      type: 'failTaskWith',
                      params: { reason: 'model asked to unfold with no unfold rounds left (or no labels)' },
                    },
                  },
                  {
                    guard: 'hasProposals',
                    target: '#agent.proposing',
                    actions: { type: 'setStep', params: ({ event }) => ({ step: event.output }) },
                  },
                  {
                    target: '#agent.wrappingUp',
                    actions: { type: 'setStep', params: ({ event }) => ({ step: event.output }) },
                  },
                ],
                'callModel.error': [
                  stopOn('budget'),
                  stopOn('aborted'),
                  fatalOn,
                  abandonOnLeaseLost,
                  { guard: 'shouldRetry', target: 'backingOff', actions: ['recordError', 'countRetry'] },
                  { target: '#agent.failingTask', actions: ['recordError', 'failTaskWithError'] },
                ],
              },
            },
            backingOff: {
              after: { backoff: 'calling' },
            },
          },
        },
        lease: {
          initial: 'holding',
          states: {
            holding: {
              after: { leaseExtend: 'extending' },
            },
            extending: {
              entry: request('extendLease'),
              on: {
                'extendLease.done': { target: 'holding', actions: 'countLeaseExtension' },
                // A failed extension that is not a lost lease is retried at the next interval.
                'extendLease.error': [
                  stopOn('budget'),
                  stopOn('aborted'),
                  fatalOn,
                  abandonOnLeaseLost,
                  { target: 'holding', actions: 'recordError' },
                ],
              },
            },
          },
        },
      },
    },
    unfolding: {
      entry: request('unfold'),
      on: {
        'unfold.done': {
          target: 'thinking',
          actions: { type: 'addUnfolded', params: ({ event }) => ({ details: event.output }) },
        },
        'unfold.error': taskErrors,
      },
    },
    proposing: {
      entry: request('propose'),
      on: {
        'propose.done': 'wrappingUp',
        'propose.error': taskErrors,
      },
    },
    // Routing only: follow-ups to enqueue first, or straight to completing.
    wrappingUp: {
      always: [{ guard: 'hasFollowUps', target: 'enqueueing' }, { target: 'completing' }],
    },
    enqueueing: {
      entry: request('enqueueTasks'),
      on: {
        'enqueueTasks.done': {
          target: 'completing',
          actions: { type: 'countFollowUps', params: ({ event }) => ({ taskIds: event.output }) },
        },
        'enqueueTasks.error': taskErrors,
      },
    },
    completing: {
      entry: request('completeTask'),
      on: {
        'completeTask.done': { target: 'claiming', actions: 'taskCompleted' },
        'completeTask.error': reportErrors,
      },
    },
    failingTask: {
      entry: request('failTask'),
      on: {
        'failTask.done': { target: 'claiming', actions: 'taskFailed' },
        'failTask.error': reportErrors,
      },
    },
    done: { type: 'final' },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
  output: ({ context }) => ({
    status: context.failure !== null ? 'failed' : context.stopReason !== null ? 'stopped' : 'done',
    reason: context.failure ?? context.stopReason ?? undefined,
    answer: context.answer ?? undefined,
    heldTaskId: context.task?.taskId,
    tasksCompleted: context.tasksCompleted,
    tasksFailed: context.tasksFailed,
    retries: context.retries,
  }),
});

/** The agent machine's type, for hosts that provide its actors. */
export type AgentMachine = typeof agentMachine;
