/**
 * The agent machine: one per agent. It owns the agent's life; the per-task work is a plain loop.
 *
 *   working ─ drained → electing ─┬─ finalize → finalizing (the finalizer machine) ─┬─ enqueued → working
 *     │                           ├─ claim → working                                └─ answer → done
 *     │                           ├─ release → released (its host may start it again)
 *     │                           └─ exit → done
 *     └─ nothing to claim while others hold tasks → released
 *
 * The agent works from the moment its actor starts: a host creates the actor when the agent is to run
 * (an `idle` state waiting for a START event cost every agent's start a macrostep and an event).
 * `working` invokes the task loop ({@link runTaskLoop}: claim → digest → model call with retries and
 * lease extension → unfold rounds → propose → enqueue follow-ups → complete, or fail the task) for
 * as long as the queue has work. The loop handles what a task's errors mean (retry, drop a task whose
 * lease was lost, fail the task and carry on) and ends with the errors that end the agent: budget
 * or abort → `stopped`, anything else → `failed`. STOP / BUDGET_EXHAUSTED from the host stop it from
 * any state (the loop's effects in flight are aborted). The loop's counters and held task are the
 * context's `tally`; its phases go to the host through a callback, not through the machine, so a
 * sub-task costs no transition. `delm machines` draws the loop's phases inside `working` (its `meta.loop`).
 */
import { assign, fromPromise, setup } from 'xstate';
import { resolveAgentConfig } from './config.js';
import { classifyError, errorOf, notProvided, outputOf, toErrorInfo } from './errors.js';
import type { ErrorKind } from './errors.js';
import { finalizerMachine } from './finalizer.js';
import { newTally, runTaskLoop, taskLoopChart } from './task-loop.js';
import type { TaskLoopDeps, TaskLoopInput } from './task-loop.js';
import type {
  AgentContext,
  AgentInput,
  AgentOutput,
  ElectFinalizerInput,
  Election,
  FinalizerOutput,
  HostEvent,
  LoopEnd,
  StopReason,
} from './types.js';

/**
 * The task loop as the actor `working` invokes: `deps` are the host's effects (and clock, phase
 * listener), or a function of the actor system that finds them (a host running many agents on one
 * thread provides its machine once and keeps each agent's deps by system).
 */
export function fromTaskLoop(deps: TaskLoopDeps | ((system: object) => TaskLoopDeps)) {
  return fromPromise<LoopEnd, TaskLoopInput>(({ input, signal, system }) =>
    runTaskLoop(input, typeof deps === 'function' ? deps(system as object) : deps, signal),
  );
}

const stopOn = (kind: 'budget' | 'aborted') =>
  ({
    guard: { type: 'errorIs', params: { kind } },
    target: '#agent.stopped',
    actions: ['recordError', { type: 'stop', params: { reason: kind } }],
  }) as const;
/** Errors that end the task loop or an election: budget or abort stop the agent, anything else fails it. */
const endErrors = [
  stopOn('budget'),
  stopOn('aborted'),
  { target: '#agent.failed', actions: ['recordError', 'failWithError'] },
] as const;

/**
 * The agent machine; provide `taskLoop` (`fromTaskLoop(yourDeps)`), `electFinalizer` and
 * `finalizer` (the finalizer machine with its actors provided).
 */
export const agentMachine = setup({
  types: {
    input: {} as AgentInput,
    context: {} as AgentContext,
    events: {} as HostEvent,
    output: {} as AgentOutput,
  },
  actors: {
    taskLoop: fromTaskLoop({ effects: {} }),
    electFinalizer: notProvided<Election, ElectFinalizerInput>('electFinalizer'),
    finalizer: finalizerMachine,
  },
  guards: {
    errorIs: ({ event }, params: { kind: ErrorKind }) => classifyError(errorOf(event)) === params.kind,
    roleIs: ({ event }, params: { role: Election['role'] }) => outputOf<Election>(event).role === params.role,
    loopEndedIs: ({ event }, params: { end: LoopEnd }) => outputOf<LoopEnd>(event) === params.end,
    outcomeIs: ({ event }, params: { type: FinalizerOutput['type'] }) =>
      outputOf<FinalizerOutput>(event).type === params.type,
  },
  actions: {
    recordError: assign(({ event }) => ({ lastError: toErrorInfo(errorOf(event)) })),
    stop: assign((_, params: { reason: StopReason }) => ({ stopReason: params.reason })),
    failWithError: assign(({ event }) => {
      const { message, code } = toErrorInfo(errorOf(event));
      return { failure: message, failureCode: code ?? null };
    }),
    release: assign({ released: true }),
    setRound: assign((_, params: { round: number }) => ({ round: params.round })),
    takeOutcome: assign((_, params: { outcome: FinalizerOutput }) => {
      const o = params.outcome;
      if (o.type === 'answer') return { answer: o.answer };
      if (o.type === 'stopped') return { stopReason: o.reason };
      if (o.type === 'failed') return { failure: `finalizer failed: ${o.reason}`, failureCode: o.code ?? null };
      return {};
    }),
  },
}).createMachine({
  id: 'agent',
  context: ({ input }) => ({
    agentId: input.agentId,
    config: resolveAgentConfig(input.config),
    tally: newTally(),
    round: 0,
    lastError: null,
    stopReason: null,
    failure: null,
    failureCode: null,
    answer: null,
    released: false,
  }),
  initial: 'working',
  on: {
    STOP: { target: '.stopped', actions: { type: 'stop', params: { reason: 'aborted' } } },
    BUDGET_EXHAUSTED: { target: '.stopped', actions: { type: 'stop', params: { reason: 'budget' } } },
  },
  states: {
    working: {
      description:
        'The task loop (plain code, no transition per step): claiming → reading → thinking (model call with ' +
        'backoff retries | lease extension) → unfolding → thinking … → proposing → enqueueing → completing, ' +
        'or failingTask; then claiming again until the queue drains.',
      meta: { loop: taskLoopChart },
      invoke: {
        id: 'taskLoop',
        src: 'taskLoop',
        input: ({ context }) => ({ agentId: context.agentId, config: context.config, tally: context.tally }),
        onDone: [
          {
            guard: { type: 'loopEndedIs', params: { end: 'released' } },
            target: 'released',
            actions: 'release',
          },
          { target: 'electing' },
        ],
        onError: endErrors,
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
          { guard: { type: 'roleIs', params: { role: 'claim' } }, target: 'working' },
          { guard: { type: 'roleIs', params: { role: 'release' } }, target: 'released', actions: 'release' },
          { target: 'done' },
        ],
        onError: endErrors,
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
          { guard: { type: 'outcomeIs', params: { type: 'enqueued' } }, target: 'working' },
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
    done: { type: 'final' },
    released: {
      type: 'final',
      description:
        'Nothing to do: another agent is deciding, or the queue had nothing to claim while others held its last ' +
        'tasks. It ends holding nothing, and its host starts it again if work is enqueued.',
    },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
  output: ({ context }) => ({
    status:
      context.failure !== null
        ? 'failed'
        : context.stopReason !== null
          ? 'stopped'
          : context.released
            ? 'released'
            : 'done',
    reason: context.failure ?? context.stopReason ?? undefined,
    ...(context.failure !== null && context.failureCode !== null ? { errorCode: context.failureCode } : {}),
    answer: context.answer ?? undefined,
    heldTaskId: context.tally.task?.taskId,
    tasksCompleted: context.tally.tasksCompleted,
    tasksFailed: context.tally.tasksFailed,
    retries: context.tally.retries,
  }),
});

/** The agent machine's type, for hosts that provide its actors. */
export type AgentMachine = typeof agentMachine;
