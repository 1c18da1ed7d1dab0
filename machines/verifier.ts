/**
 * The verifier machine: the ledger's single writer. It takes every proposal waiting in the channel
 * at once (a batch: one wake-up however many agents proposed meanwhile) and decides them one after
 * the other, in order of arrival: each decision checks the proposal and then commits it, records it
 * as a failure entry, or drops it as a duplicate. `deciding` decides the rest of the batch in one
 * step, which stops at a proposal whose check threw.
 *
 *   waiting ── proposals ──▶ deciding ⇄ backingOff (a check that may pass on another try)
 *                              ├─ batch decided ─────────────────────────────────────→ waiting
 *                              └─ check failed → rejecting ─┬─ more in the batch → deciding
 *                                                           └─ batch decided     → waiting
 *   waiting ── channel closed ──▶ closed
 *   any step ── FENCED ──▶ standingBy ── proposals (the lease is its again) ──▶ deciding
 *                          standingBy ── channel closed ──▶ closed
 *
 * A check that throws ({@link CheckFailedError}) is tried again after a backoff while it is retryable
 * and retries remain; otherwise the proposal is rejected with the error as its reason (`rejecting`
 * records that failure entry). A write that throws ends the machine in `failed` (the ledger is full or
 * broken: nothing more can be written). A verifier whose writer lease another verifier took over
 * (FENCED, on Redis) drops the batch in hand (its successor claims it) and stands by: its next receive
 * takes the lease again once the successor's lapses, and it goes on from there. Standing by is waiting
 * under another name, so a chart and an inspector show the verifier deposed.
 *
 * The side effects (receiveProposals, decide, recordFailure) are plain functions the host provides as
 * one long-lived `effects` actor ({@link fromVerifierEffects}): a state requests its effect on entry and
 * moves on its `<effect>.done` / `<effect>.error` event, so a proposal spawns no child actor, and a
 * batch decided without a failed check costs one event.
 */
import { assign, sendTo, setup } from 'xstate';
import { DEFAULT_AGENT_CONFIG } from './config.js';
import { verifierEffectsNotProvided } from './effects.js';
import {
  BatchStoppedError,
  CheckFailedError,
  backoffDelay,
  classifyError,
  errorOf,
  outputOf,
  toErrorInfo,
} from './errors.js';
import type { ErrorKind } from './errors.js';
import type {
  EffectCommandOf,
  EffectEventOf,
  ErrorInfo,
  HostEvent,
  Proposal,
  Received,
  StopReason,
  Verdict,
  VerifierStepName,
  VerifierSteps,
  VerifierInput,
  VerifierOutput,
} from './types.js';

/** Context of the verifier machine: the batch in hand, the proposal being decided, and counters for the inspector. */
export interface VerifierContext {
  readonly verifierId: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxRetries: number;
  /** The proposals received together, in order of arrival. */
  readonly batch: readonly Proposal[];
  /** Index in `batch` of the proposal being decided. */
  readonly next: number;
  readonly proposal: Proposal;
  /** The rejection of a proposal whose check failed for good, which `rejecting` records. */
  readonly verdict: Verdict | null;
  readonly stepRetries: number;
  readonly received: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly duplicates: number;
  readonly batches: number;
  readonly retries: number;
  readonly lastError: ErrorInfo | null;
  readonly stopReason: StopReason | null;
  readonly failure: string | null;
  /** Times another verifier took this one's writer lease over (it stood by again each time). */
  readonly depositions: number;
}

/**
 * The error an error event carries; a batch decision that stopped part-way carries the error of the
 * proposal it stopped at (the verdicts before it are counted by `takeDecided`).
 */
const failureOf = (event: { type: string }): unknown => {
  const error = errorOf(event);
  return error instanceof BatchStoppedError ? error.cause : error;
};
/** The verdicts a batch decision that stopped part-way reached before it stopped. */
const decidedBefore = (event: { type: string }): readonly Verdict[] => {
  const error = errorOf(event);
  return error instanceof BatchStoppedError ? error.decided : [];
};

// Every error transition first takes what a batch decision decided before it stopped (`takeDecided`:
// nothing for any other error), so the error is met with the proposal it belongs to in hand.
const stopOn = (kind: 'budget' | 'aborted') =>
  ({
    guard: { type: 'errorIs', params: { kind } },
    target: '#verifier.stopped',
    actions: ['takeDecided', 'recordError', { type: 'stop', params: { reason: kind } }],
  }) as const;
const deposed = {
  guard: { type: 'errorIs', params: { kind: 'fenced' } },
  target: '#verifier.standingBy',
  // From standingBy itself too: its receive is requested again.
  reenter: true,
  actions: ['takeDecided', 'recordError', 'markDeposed'],
} as const;
const writeErrors = [
  deposed,
  stopOn('budget'),
  stopOn('aborted'),
  { target: '#verifier.failed', actions: ['takeDecided', 'recordError', 'failWithError'] },
] as const;

/** Where a rejected proposal leads: the next one of the batch, or back to waiting for more. */
const rejected = [
  { guard: 'moreInBatch', target: '#verifier.deciding', reenter: true, actions: ['countRejected', 'nextProposal'] },
  { target: '#verifier.waiting', actions: 'countRejected' },
] as const;

/** The input of each step, from the machine's context when the step is requested. */
const stepInput: {
  readonly [K in VerifierStepName]: (c: VerifierContext) => Parameters<VerifierSteps[K]>[0];
} = {
  receiveProposals: (c) => ({ verifierId: c.verifierId }),
  decide: (c) => ({ proposals: c.batch.slice(c.next), attempt: c.stepRetries + 1 }),
  recordFailure: (c) => ({ proposal: c.proposal, verdict: c.verdict ?? { verdict: 'reject', reason: 'unknown' } }),
};

/** Entry action of a state that runs `step` (`effect`: what `delm machines` draws as the state's invoke). */
const request = (step: VerifierStepName) => ({ type: 'request', params: { effect: step } }) as const;

/** The counters after `verdicts`. */
const counted = (c: VerifierContext, verdicts: readonly Verdict[]) => {
  let { accepted, rejected, duplicates } = c;
  for (const { verdict } of verdicts)
    if (verdict === 'accept') accepted++;
    else if (verdict === 'duplicate') duplicates++;
    else rejected++;
  return { accepted, rejected, duplicates };
};

/**
 * `waiting` and `standingBy` alike: ask the channel for proposals, then check the batch received (the
 * action reads it from the event, so this config needs no event type) or close with the channel.
 */
const receiving = {
  entry: request('receiveProposals'),
  on: {
    'receiveProposals.done': [
      { guard: 'channelClosed', target: '#verifier.closed' },
      { target: '#verifier.deciding', actions: 'takeBatch' },
    ],
    'receiveProposals.error': writeErrors,
  },
} as const;

/** The verifier machine; provide `effects` (`fromVerifierEffects(yourEffects)`). */
export const verifierMachine = setup({
  types: {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- XState reads the input type from this cast
    input: {} as VerifierInput,
    context: {} as VerifierContext,
    events: {} as HostEvent | EffectEventOf<VerifierSteps>,
    output: {} as VerifierOutput,
  },
  actors: {
    effects: verifierEffectsNotProvided,
  },
  guards: {
    errorIs: ({ event }, params: { kind: ErrorKind }) => classifyError(failureOf(event)) === params.kind,
    // Only a check is tried again: a write that failed may have half happened. The retries counted are
    // the failed proposal's: none yet if the batch decision got past the one it was retrying.
    shouldRetry: ({ context, event }) =>
      failureOf(event) instanceof CheckFailedError &&
      classifyError(failureOf(event)) === 'retryable' &&
      (decidedBefore(event).length > 0 ? 0 : context.stepRetries) < context.maxRetries,
    channelClosed: ({ event }) => outputOf<Received>(event).type === 'closed',
    checkFailed: ({ event }) => failureOf(event) instanceof CheckFailedError,
    moreInBatch: ({ context }) => context.next + 1 < context.batch.length,
  },
  actions: {
    request: sendTo('effects', ({ context }, params: { effect: VerifierStepName }): EffectCommandOf<VerifierSteps> => ({
      type: 'run',
      effect: params.effect,
      input: stepInput[params.effect](context),
    })),
    recordError: assign(({ event }) => ({ lastError: toErrorInfo(failureOf(event)) })),
    stop: assign((_, params: { reason: StopReason }) => ({ stopReason: params.reason })),
    failWithError: assign(({ event }) => ({ failure: toErrorInfo(failureOf(event)).message })),
    markDeposed: assign(({ context }) => ({ depositions: context.depositions + 1, batch: [], next: 0 })),
    takeBatch: assign(({ context, event }) => {
      const received = outputOf<Received>(event);
      const batch = received.type === 'proposals' ? received.proposals : [];
      return {
        batch,
        next: 0,
        proposal: batch[0],
        verdict: null,
        stepRetries: 0,
        received: context.received + batch.length,
        batches: context.batches + 1,
      };
    }),
    nextProposal: assign(({ context }) => ({
      next: context.next + 1,
      proposal: context.batch[context.next + 1],
      verdict: null,
      stepRetries: 0,
    })),
    rejectWithError: assign(({ event }) => ({
      verdict: { verdict: 'reject', reason: `check failed: ${toErrorInfo(failureOf(event)).message}` } as const,
    })),
    countRetry: assign(({ context }) => ({ stepRetries: context.stepRetries + 1, retries: context.retries + 1 })),
    countDecided: assign(({ context, event }) => counted(context, outputOf<readonly Verdict[]>(event))),
    // A batch decision stopped at a proposal: count those decided before it and make it the one in hand.
    takeDecided: assign(({ context, event }) => {
      const decided = decidedBefore(event);
      if (decided.length === 0) return {};
      const next = context.next + decided.length;
      return { next, proposal: context.batch[next], verdict: null, stepRetries: 0, ...counted(context, decided) };
    }),
    countRejected: assign(({ context }) => ({ rejected: context.rejected + 1 })),
  },
  delays: {
    backoff: ({ context }) => backoffDelay(context.stepRetries, context.baseDelayMs, context.maxDelayMs),
  },
}).createMachine({
  id: 'verifier',
  context: ({ input }) => ({
    verifierId: input.verifierId ?? 0,
    baseDelayMs: input.baseDelayMs ?? DEFAULT_AGENT_CONFIG.baseDelayMs,
    maxDelayMs: input.maxDelayMs ?? DEFAULT_AGENT_CONFIG.maxDelayMs,
    maxRetries: input.maxRetries ?? DEFAULT_AGENT_CONFIG.maxRetries,
    batch: [],
    next: 0,
    proposal: undefined,
    verdict: null,
    stepRetries: 0,
    received: 0,
    accepted: 0,
    rejected: 0,
    duplicates: 0,
    batches: 0,
    retries: 0,
    lastError: null,
    stopReason: null,
    failure: null,
    depositions: 0,
  }),
  // The effects actor lives as long as the machine: stopping the machine aborts whatever it runs.
  invoke: { id: 'effects', src: 'effects' },
  initial: 'waiting',
  on: {
    STOP: { target: '.stopped', actions: { type: 'stop', params: { reason: 'aborted' } } },
    BUDGET_EXHAUSTED: { target: '.stopped', actions: { type: 'stop', params: { reason: 'budget' } } },
  },
  states: {
    waiting: receiving,
    deciding: {
      entry: request('decide'),
      on: {
        'decide.done': { target: 'waiting', actions: 'countDecided' },
        'decide.error': [
          deposed,
          stopOn('budget'),
          stopOn('aborted'),
          {
            guard: { type: 'errorIs', params: { kind: 'fatal' } },
            target: '#verifier.failed',
            actions: ['takeDecided', 'recordError', 'failWithError'],
          },
          { guard: 'shouldRetry', target: 'backingOff', actions: ['takeDecided', 'recordError', 'countRetry'] },
          { guard: 'checkFailed', target: 'rejecting', actions: ['takeDecided', 'recordError', 'rejectWithError'] },
          // The decision's write failed: the ledger is full or broken.
          { target: '#verifier.failed', actions: ['takeDecided', 'recordError', 'failWithError'] },
        ],
      },
    },
    backingOff: {
      after: { backoff: 'deciding' },
    },
    rejecting: {
      entry: request('recordFailure'),
      on: {
        'recordFailure.done': rejected,
        'recordFailure.error': writeErrors,
      },
    },
    // Deposed: waits for proposals like `waiting`, which the channel hands over only once this verifier
    // holds the writer lease again.
    standingBy: receiving,
    closed: { type: 'final' },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
  output: ({ context }) => ({
    status: context.failure !== null ? 'failed' : context.stopReason !== null ? 'stopped' : 'closed',
    reason: context.failure ?? context.stopReason ?? undefined,
    received: context.received,
    accepted: context.accepted,
    rejected: context.rejected,
    duplicates: context.duplicates,
    batches: context.batches,
    depositions: context.depositions,
  }),
});

/** The verifier machine's type, for hosts that provide its actors. */
export type VerifierMachine = typeof verifierMachine;
