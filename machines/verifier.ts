/**
 * The verifier machine: the ledger's single writer. It takes every proposal waiting in the channel
 * at once (a batch: one wake-up however many agents proposed meanwhile) and decides them one after
 * the other, in order of arrival: each decision checks the proposal and then commits it, records it
 * as a failure entry, or drops it as a duplicate, in one step.
 *
 *   waiting ── proposals ──▶ deciding ⇄ backingOff (a check that may pass on another try)
 *                              ├─ decided ──────────────────────┬─ more in the batch → deciding
 *                              └─ check failed → rejecting ─────┴─ batch decided     → waiting
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
 * moves on its `<effect>.done` / `<effect>.error` event, so a proposal spawns no child actor and costs
 * one event.
 */
import { assign, sendTo, setup } from 'xstate';
import { DEFAULT_AGENT_CONFIG } from './config.js';
import { verifierEffectsNotProvided } from './effects.js';
import { CheckFailedError, backoffDelay, classifyError, errorOf, outputOf, toErrorInfo } from './errors.js';
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
  VerifierEffectName,
  VerifierEffects,
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

const stopOn = (kind: 'budget' | 'aborted') =>
  ({
    guard: { type: 'errorIs', params: { kind } },
    target: '#verifier.stopped',
    actions: ['recordError', { type: 'stop', params: { reason: kind } }],
  }) as const;
const deposed = {
  guard: { type: 'errorIs', params: { kind: 'fenced' } },
  target: '#verifier.standingBy',
  // From standingBy itself too: its receive is requested again.
  reenter: true,
  actions: ['recordError', 'markDeposed'],
} as const;
const writeErrors = [
  deposed,
  stopOn('budget'),
  stopOn('aborted'),
  { target: '#verifier.failed', actions: ['recordError', 'failWithError'] },
] as const;

/** Where a decided proposal leads: the next one of the batch, or back to waiting for more. */
const decided = (count: 'countDecided' | 'countRejected') =>
  [
    { guard: 'moreInBatch', target: '#verifier.deciding', reenter: true, actions: [count, 'nextProposal'] },
    { target: '#verifier.waiting', actions: count },
  ] as const;

/** The input of each effect, from the machine's context when the effect is requested. */
const effectInput: {
  readonly [K in VerifierEffectName]: (c: VerifierContext) => Parameters<VerifierEffects[K]>[0];
} = {
  receiveProposals: (c) => ({ verifierId: c.verifierId }),
  decide: (c) => ({ proposal: c.proposal, attempt: c.stepRetries + 1 }),
  recordFailure: (c) => ({ proposal: c.proposal, verdict: c.verdict ?? { verdict: 'reject', reason: 'unknown' } }),
};

/** Entry action of a state that runs `effect`. */
const request = (effect: VerifierEffectName) => ({ type: 'request', params: { effect } }) as const;

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
    events: {} as HostEvent | EffectEventOf<VerifierEffects>,
    output: {} as VerifierOutput,
  },
  actors: {
    effects: verifierEffectsNotProvided,
  },
  guards: {
    errorIs: ({ event }, params: { kind: ErrorKind }) => classifyError(errorOf(event)) === params.kind,
    // Only a check is tried again: a write that failed may have half happened.
    shouldRetry: ({ context, event }) =>
      errorOf(event) instanceof CheckFailedError &&
      classifyError(errorOf(event)) === 'retryable' &&
      context.stepRetries < context.maxRetries,
    channelClosed: ({ event }) => outputOf<Received>(event).type === 'closed',
    checkFailed: ({ event }) => errorOf(event) instanceof CheckFailedError,
    moreInBatch: ({ context }) => context.next + 1 < context.batch.length,
  },
  actions: {
    request: sendTo(
      'effects',
      ({ context }, params: { effect: VerifierEffectName }): EffectCommandOf<VerifierEffects> => ({
        type: 'run',
        effect: params.effect,
        input: effectInput[params.effect](context),
      }),
    ),
    recordError: assign(({ event }) => ({ lastError: toErrorInfo(errorOf(event)) })),
    stop: assign((_, params: { reason: StopReason }) => ({ stopReason: params.reason })),
    failWithError: assign(({ event }) => ({ failure: toErrorInfo(errorOf(event)).message })),
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
      verdict: { verdict: 'reject', reason: `check failed: ${toErrorInfo(errorOf(event)).message}` } as const,
    })),
    countRetry: assign(({ context }) => ({ stepRetries: context.stepRetries + 1, retries: context.retries + 1 })),
    countDecided: assign(({ context, event }) => {
      const { verdict } = outputOf<Verdict>(event);
      return verdict === 'accept'
        ? { accepted: context.accepted + 1 }
        : verdict === 'duplicate'
          ? { duplicates: context.duplicates + 1 }
          : { rejected: context.rejected + 1 };
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
        'decide.done': decided('countDecided'),
        'decide.error': [
          deposed,
          stopOn('budget'),
          stopOn('aborted'),
          {
            guard: { type: 'errorIs', params: { kind: 'fatal' } },
            target: '#verifier.failed',
            actions: ['recordError', 'failWithError'],
          },
          { guard: 'shouldRetry', target: 'backingOff', actions: ['recordError', 'countRetry'] },
          { guard: 'checkFailed', target: 'rejecting', actions: ['recordError', 'rejectWithError'] },
          // The decision's write failed: the ledger is full or broken.
          { target: '#verifier.failed', actions: ['recordError', 'failWithError'] },
        ],
      },
    },
    backingOff: {
      after: { backoff: 'deciding' },
    },
    rejecting: {
      entry: request('recordFailure'),
      on: {
        'recordFailure.done': decided('countRejected'),
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
