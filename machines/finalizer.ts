/**
 * The finalizer machine: run by the one agent elected when the queue drains. It waits until the
 * verifier has settled every proposal of the round, reads the ledger, asks the model to decide, then
 * either enqueues more sub-tasks (only while `round < maxRounds` and the `budgetAllows` guard says
 * so) or publishes the answer.
 *
 *   settling → reading → deciding ⇄ backingOff
 *                ├─ answer → answering → answered
 *                └─ enqueue → enqueueing → enqueued
 *
 * Rounds are run-wide (the host's election numbers them), so the loop "enqueue, work, drain,
 * finalize again" spans several finalizer runs and is bounded by `maxRounds`: on the last round
 * `decide` is told `mayEnqueue: false`. A model that asks for more work when it may not is asked
 * once more with `mayEnqueue: false`; if it insists, the finalizer fails with that reason.
 */
import { and, assign, fromPromise, setup } from 'xstate';
import { backoffDelay, classifyError, errorOf, notProvided, outputOf, toErrorInfo } from './errors.js';
import type { ErrorKind } from './errors.js';
import { DEFAULT_AGENT_CONFIG } from './config.js';
import type {
  Decision,
  DecideInput,
  Digest,
  EnqueueTasksInput,
  ErrorInfo,
  FinalizerInput,
  FinalizerOutput,
  HostEvent,
  PublishAnswerInput,
  ReadLedgerInput,
  StopReason,
  TaskSpec,
} from './types.js';

/** Context of the finalizer machine. */
export interface FinalizerContext {
  readonly agentId: number;
  readonly round: number;
  readonly maxRounds: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxRetries: number;
  readonly digest: Digest;
  readonly mayEnqueue: boolean;
  /** True once an enqueue decision was refused and the model was asked again. */
  readonly refused: boolean;
  readonly stepRetries: number;
  readonly tasks: readonly TaskSpec[];
  readonly answer: string | null;
  readonly lastError: ErrorInfo | null;
  readonly outcome: FinalizerOutput | null;
}

const stopOn = (kind: 'budget' | 'aborted') =>
  ({
    guard: { type: 'errorIs', params: { kind } },
    target: '#finalizer.stopped',
    actions: ['recordError', { type: 'stop', params: { reason: kind === 'budget' ? 'budget' : 'aborted' } }],
  }) as const;

const failOnError = { target: '#finalizer.failed', actions: ['recordError', 'failWithError'] } as const;

/**
 * The finalizer machine; provide `readLedger`, `decide`, `enqueueTasks`, `publishAnswer` (and optionally
 * `settle`, which waits for the verifier, and the `budgetAllows` guard). `settling` is its own state so the
 * time the final agent waits for the verifier shows on the timeline apart from its reading and deciding.
 */
export const finalizerMachine = setup({
  types: {
    input: {} as FinalizerInput,
    context: {} as FinalizerContext,
    events: {} as HostEvent,
    output: {} as FinalizerOutput,
  },
  actors: {
    settle: fromPromise<void, ReadLedgerInput>(() => Promise.resolve()),
    readLedger: notProvided<Digest, ReadLedgerInput>('readLedger'),
    decide: notProvided<Decision, DecideInput>('decide'),
    enqueueTasks: notProvided<readonly number[], EnqueueTasksInput>('enqueueTasks'),
    publishAnswer: notProvided<unknown, PublishAnswerInput>('publishAnswer'),
  },
  guards: {
    errorIs: ({ event }, params: { kind: ErrorKind }) => classifyError(errorOf(event)) === params.kind,
    shouldRetry: ({ context, event }) =>
      classifyError(errorOf(event)) === 'retryable' && context.stepRetries < context.maxRetries,
    isAnswer: ({ event }) => outputOf<Decision>(event).type === 'answer',
    mayEnqueue: ({ context, event }) => {
      const decision = outputOf<Decision>(event);
      return context.mayEnqueue && decision.type === 'enqueue' && decision.tasks.length > 0;
    },
    /** Host hook: false when the run's budget cannot afford another round. */
    budgetAllows: () => true,
    notRefusedYet: ({ context }) => !context.refused,
  },
  actions: {
    recordError: assign(({ event }) => ({ lastError: toErrorInfo(errorOf(event)) })),
    stop: assign((_, params: { reason: StopReason }) => ({
      outcome: { type: 'stopped', reason: params.reason } as const,
    })),
    failWithError: assign(({ event }) => {
      const { message, code } = toErrorInfo(errorOf(event));
      return { outcome: { type: 'failed', reason: message, ...(code !== undefined ? { code } : {}) } as const };
    }),
    failWith: assign((_, params: { reason: string }) => ({
      outcome: { type: 'failed', reason: params.reason } as const,
    })),
    setDigest: assign((_, params: { digest: Digest }) => ({ digest: params.digest, stepRetries: 0 })),
    countRetry: assign(({ context }) => ({ stepRetries: context.stepRetries + 1 })),
    refuseEnqueue: assign({ mayEnqueue: false, refused: true, stepRetries: 0 }),
    setTasks: assign((_, params: { decision: Decision }) => ({
      tasks: params.decision.type === 'enqueue' ? params.decision.tasks : [],
    })),
    setAnswer: assign((_, params: { decision: Decision }) => ({
      answer: params.decision.type === 'answer' ? params.decision.answer : null,
    })),
    markEnqueued: assign((_, params: { taskIds: readonly number[] }) => ({
      outcome: { type: 'enqueued', taskIds: params.taskIds } as const,
    })),
    markAnswered: assign(({ context }) => ({ outcome: { type: 'answer', answer: context.answer ?? '' } as const })),
  },
  delays: {
    backoff: ({ context }) => backoffDelay(context.stepRetries, context.baseDelayMs, context.maxDelayMs),
  },
}).createMachine({
  id: 'finalizer',
  context: ({ input }) => ({
    agentId: input.agentId,
    round: input.round,
    maxRounds: input.maxRounds,
    baseDelayMs: input.baseDelayMs ?? DEFAULT_AGENT_CONFIG.baseDelayMs,
    maxDelayMs: input.maxDelayMs ?? DEFAULT_AGENT_CONFIG.maxDelayMs,
    maxRetries: input.maxRetries ?? DEFAULT_AGENT_CONFIG.maxRetries,
    digest: undefined,
    mayEnqueue: input.round < input.maxRounds,
    refused: false,
    stepRetries: 0,
    tasks: [],
    answer: null,
    lastError: null,
    outcome: null,
  }),
  initial: 'settling',
  on: {
    STOP: { target: '.stopped', actions: { type: 'stop', params: { reason: 'aborted' } } },
    BUDGET_EXHAUSTED: { target: '.stopped', actions: { type: 'stop', params: { reason: 'budget' } } },
  },
  states: {
    settling: {
      invoke: {
        id: 'settle',
        src: 'settle',
        input: ({ context }) => ({ agentId: context.agentId, round: context.round }),
        onDone: 'reading',
        onError: [stopOn('budget'), stopOn('aborted'), failOnError],
      },
    },
    reading: {
      invoke: {
        id: 'readLedger',
        src: 'readLedger',
        input: ({ context }) => ({ agentId: context.agentId, round: context.round }),
        onDone: {
          target: 'deciding',
          actions: { type: 'setDigest', params: ({ event }) => ({ digest: event.output }) },
        },
        onError: [stopOn('budget'), stopOn('aborted'), failOnError],
      },
    },
    deciding: {
      invoke: {
        id: 'decide',
        src: 'decide',
        input: ({ context }) => ({
          agentId: context.agentId,
          digest: context.digest,
          round: context.round,
          maxRounds: context.maxRounds,
          mayEnqueue: context.mayEnqueue,
          attempt: context.stepRetries + 1,
        }),
        onDone: [
          {
            guard: 'isAnswer',
            target: 'answering',
            actions: { type: 'setAnswer', params: ({ event }) => ({ decision: event.output }) },
          },
          {
            guard: and(['mayEnqueue', 'budgetAllows']),
            target: 'enqueueing',
            actions: { type: 'setTasks', params: ({ event }) => ({ decision: event.output }) },
          },
          { guard: 'notRefusedYet', target: 'deciding', reenter: true, actions: 'refuseEnqueue' },
          {
            target: 'failed',
            actions: {
              type: 'failWith',
              params: { reason: 'finalizer model asked for more work past the round or budget limit' },
            },
          },
        ],
        onError: [
          stopOn('budget'),
          stopOn('aborted'),
          { guard: 'shouldRetry', target: 'backingOff', actions: ['recordError', 'countRetry'] },
          failOnError,
        ],
      },
    },
    backingOff: {
      after: { backoff: 'deciding' },
    },
    enqueueing: {
      invoke: {
        id: 'enqueueTasks',
        src: 'enqueueTasks',
        input: ({ context }) => ({ agentId: context.agentId, parentTaskId: -1, tasks: context.tasks }),
        onDone: {
          target: 'enqueued',
          actions: { type: 'markEnqueued', params: ({ event }) => ({ taskIds: event.output }) },
        },
        onError: [stopOn('budget'), stopOn('aborted'), failOnError],
      },
    },
    answering: {
      invoke: {
        id: 'publishAnswer',
        src: 'publishAnswer',
        input: ({ context }) => ({ agentId: context.agentId, answer: context.answer ?? '' }),
        onDone: { target: 'answered', actions: 'markAnswered' },
        onError: [stopOn('budget'), stopOn('aborted'), failOnError],
      },
    },
    answered: { type: 'final' },
    enqueued: { type: 'final' },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
  output: ({ context }) => context.outcome ?? { type: 'failed', reason: 'finalizer ended without an outcome' },
});

/** The finalizer machine's type, for hosts that provide its actors. */
export type FinalizerMachine = typeof finalizerMachine;
