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
 * STOP / BUDGET_EXHAUSTED from the host stop it from any state (invoked actors are stopped and
 * their `signal` aborted). Every side effect is a named actor the host provides.
 */
import { assign, setup } from 'xstate';
import { resolveAgentConfig } from './config.js';
import { backoffDelay, classifyError, errorOf, isTransient, notProvided, outputOf, toErrorInfo } from './errors.js';
import type { ErrorKind } from './errors.js';
import { finalizerMachine } from './finalizer.js';
import type {
  AgentContext,
  AgentInput,
  AgentOutput,
  CallModelInput,
  ClaimTaskInput,
  ClaimedTask,
  CompleteTaskInput,
  Digest,
  ElectFinalizerInput,
  Election,
  EnqueueTasksInput,
  FailTaskInput,
  FinalizerOutput,
  HostEvent,
  ProposeInput,
  StepResult,
  StopReason,
  TaskActorInput,
  UnfoldInput,
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

/** The agent machine; provide its actors (and `finalizer`: the finalizer machine with its actors provided). */
export const agentMachine = setup({
  types: {
    input: {} as AgentInput,
    context: {} as AgentContext,
    events: {} as HostEvent | { readonly type: 'START' },
    output: {} as AgentOutput,
  },
  actors: {
    claimTask: notProvided<ClaimedTask | null, ClaimTaskInput>('claimTask'),
    readDigest: notProvided<Digest, TaskActorInput>('readDigest'),
    callModel: notProvided<StepResult, CallModelInput>('callModel'),
    unfold: notProvided<readonly UnfoldedDetail[], UnfoldInput>('unfold'),
    propose: notProvided<unknown, ProposeInput>('propose'),
    enqueueTasks: notProvided<readonly number[], EnqueueTasksInput>('enqueueTasks'),
    completeTask: notProvided<unknown, CompleteTaskInput>('completeTask'),
    failTask: notProvided<unknown, FailTaskInput>('failTask'),
    extendLease: notProvided<unknown, TaskActorInput>('extendLease'),
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
  on: {
    STOP: { target: '.stopped', actions: { type: 'stop', params: { reason: 'aborted' } } },
    BUDGET_EXHAUSTED: { target: '.stopped', actions: { type: 'stop', params: { reason: 'budget' } } },
  },
  states: {
    idle: {
      on: { START: 'claiming' },
    },
    claiming: {
      invoke: {
        id: 'claimTask',
        src: 'claimTask',
        input: ({ context }) => ({ agentId: context.agentId }),
        onDone: [
          { guard: 'queueDrained', target: 'electing' },
          { target: 'reading', actions: { type: 'takeTask', params: ({ event }) => ({ task: event.output }) } },
        ],
        onError: claimErrors,
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
      invoke: {
        id: 'readDigest',
        src: 'readDigest',
        input: ({ context }) => ({ agentId: context.agentId, task: requireTask(context) }),
        onDone: {
          target: 'thinking',
          actions: { type: 'setDigest', params: ({ event }) => ({ digest: event.output }) },
        },
        onError: taskErrors,
      },
    },
    thinking: {
      type: 'parallel',
      states: {
        model: {
          initial: 'calling',
          states: {
            calling: {
              invoke: {
                id: 'callModel',
                src: 'callModel',
                input: ({ context }) => ({
                  agentId: context.agentId,
                  task: requireTask(context),
                  digest: context.digest,
                  unfolded: context.unfolded,
                  attempt: context.stepRetries + 1,
                  unfoldsLeft: unfoldsLeft(context),
                }),
                onDone: [
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
                onError: [
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
              invoke: {
                id: 'extendLease',
                src: 'extendLease',
                input: ({ context }) => ({ agentId: context.agentId, task: requireTask(context) }),
                onDone: { target: 'holding', actions: 'countLeaseExtension' },
                // A failed extension that is not a lost lease is retried at the next interval.
                onError: [
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
      invoke: {
        id: 'unfold',
        src: 'unfold',
        input: ({ context }) => ({
          agentId: context.agentId,
          task: requireTask(context),
          labels: context.step?.type === 'unfold' ? context.step.labels.slice(0, context.config.maxUnfoldPerStep) : [],
        }),
        onDone: {
          target: 'thinking',
          actions: { type: 'addUnfolded', params: ({ event }) => ({ details: event.output }) },
        },
        onError: taskErrors,
      },
    },
    proposing: {
      invoke: {
        id: 'propose',
        src: 'propose',
        input: ({ context }) => ({
          agentId: context.agentId,
          task: requireTask(context),
          proposals: context.step?.type === 'propose' ? context.step.proposals : [],
        }),
        onDone: 'wrappingUp',
        onError: taskErrors,
      },
    },
    // Routing only: follow-ups to enqueue first, or straight to completing.
    wrappingUp: {
      always: [{ guard: 'hasFollowUps', target: 'enqueueing' }, { target: 'completing' }],
    },
    enqueueing: {
      invoke: {
        id: 'enqueueTasks',
        src: 'enqueueTasks',
        input: ({ context }) => ({
          agentId: context.agentId,
          parentTaskId: requireTask(context).taskId,
          tasks: followUpsOf(context.step),
        }),
        onDone: {
          target: 'completing',
          actions: { type: 'countFollowUps', params: ({ event }) => ({ taskIds: event.output }) },
        },
        onError: taskErrors,
      },
    },
    completing: {
      invoke: {
        id: 'completeTask',
        src: 'completeTask',
        input: ({ context }) => ({
          agentId: context.agentId,
          task: requireTask(context),
          result: context.step?.type === 'unfold' ? undefined : context.step?.result,
        }),
        onDone: { target: 'claiming', actions: 'taskCompleted' },
        onError: reportErrors,
      },
    },
    failingTask: {
      invoke: {
        id: 'failTask',
        src: 'failTask',
        input: ({ context }) => ({
          agentId: context.agentId,
          task: requireTask(context),
          reason: context.failReason ?? 'unknown failure',
          transient: context.failTransient,
        }),
        onDone: { target: 'claiming', actions: 'taskFailed' },
        onError: reportErrors,
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
