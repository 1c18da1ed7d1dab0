/**
 * The verifier machine: the ledger's single writer. It pulls proposals from the channel in a loop,
 * checks each, and commits it, records it as a failure entry, or drops it as a duplicate.
 *
 *   waiting → checking ⇄ backingOff
 *                ├─ accept    → committing → waiting
 *                ├─ reject    → rejecting  → waiting
 *                └─ duplicate → waiting
 *   waiting ── channel closed ──▶ closed
 *   any step ── FENCED ──▶ deposed
 *
 * A check that throws a non-retryable error (or runs out of retries) rejects the proposal with the
 * error as its reason; a commit or failure record that throws ends the machine in `failed` (the
 * ledger is full or broken: nothing more can be written). A verifier whose writer lease another
 * verifier took over (FENCED, on Redis) ends in `deposed`: the run goes on with its successor.
 */
import { assign, setup } from 'xstate';
import { DEFAULT_AGENT_CONFIG } from './config.js';
import { backoffDelay, classifyError, errorOf, notProvided, outputOf, toErrorInfo } from './errors.js';
import type { ErrorKind } from './errors.js';
import type {
  CheckInput,
  ErrorInfo,
  HostEvent,
  Proposal,
  ReceiveInput,
  Received,
  StopReason,
  Verdict,
  VerdictInput,
  VerifierInput,
  VerifierOutput,
} from './types.js';

/** Context of the verifier machine: the proposal in hand and counters for the inspector. */
export interface VerifierContext {
  readonly verifierId: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxRetries: number;
  readonly proposal: Proposal;
  readonly verdict: Verdict | null;
  readonly stepRetries: number;
  readonly received: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly duplicates: number;
  readonly retries: number;
  readonly lastError: ErrorInfo | null;
  readonly stopReason: StopReason | null;
  readonly failure: string | null;
  readonly deposed: boolean;
}

const stopOn = (kind: 'budget' | 'aborted') =>
  ({
    guard: { type: 'errorIs', params: { kind } },
    target: '#verifier.stopped',
    actions: ['recordError', { type: 'stop', params: { reason: kind } }],
  }) as const;
const deposed = {
  guard: { type: 'errorIs', params: { kind: 'fenced' } },
  target: '#verifier.deposed',
  actions: ['recordError', 'markDeposed'],
} as const;
const writeErrors = [
  deposed,
  stopOn('budget'),
  stopOn('aborted'),
  { target: '#verifier.failed', actions: ['recordError', 'failWithError'] },
] as const;

/** The verifier machine; provide `receiveProposal`, `checkProposal`, `commit` and `recordFailure`. */
export const verifierMachine = setup({
  types: {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- XState reads the input type from this cast
    input: {} as VerifierInput,
    context: {} as VerifierContext,
    events: {} as HostEvent,
    output: {} as VerifierOutput,
  },
  actors: {
    receiveProposal: notProvided<Received, ReceiveInput>('receiveProposal'),
    checkProposal: notProvided<Verdict, CheckInput>('checkProposal'),
    commit: notProvided<unknown, VerdictInput>('commit'),
    recordFailure: notProvided<unknown, VerdictInput>('recordFailure'),
  },
  guards: {
    errorIs: ({ event }, params: { kind: ErrorKind }) => classifyError(errorOf(event)) === params.kind,
    shouldRetry: ({ context, event }) =>
      classifyError(errorOf(event)) === 'retryable' && context.stepRetries < context.maxRetries,
    channelClosed: ({ event }) => outputOf<Received>(event).type === 'closed',
    verdictIs: ({ event }, params: { verdict: Verdict['verdict'] }) =>
      outputOf<Verdict>(event).verdict === params.verdict,
  },
  actions: {
    recordError: assign(({ event }) => ({ lastError: toErrorInfo(errorOf(event)) })),
    stop: assign((_, params: { reason: StopReason }) => ({ stopReason: params.reason })),
    failWithError: assign(({ event }) => ({ failure: toErrorInfo(errorOf(event)).message })),
    markDeposed: assign(() => ({ deposed: true })),
    takeProposal: assign(({ context }, params: { received: Received }) => ({
      proposal: params.received.type === 'proposal' ? params.received.proposal : undefined,
      verdict: null,
      stepRetries: 0,
      received: context.received + 1,
    })),
    setVerdict: assign((_, params: { verdict: Verdict }) => ({ verdict: params.verdict })),
    rejectWithError: assign(({ event }) => ({
      verdict: { verdict: 'reject', reason: `check failed: ${toErrorInfo(errorOf(event)).message}` } as const,
    })),
    countRetry: assign(({ context }) => ({ stepRetries: context.stepRetries + 1, retries: context.retries + 1 })),
    countAccepted: assign(({ context }) => ({ accepted: context.accepted + 1 })),
    countRejected: assign(({ context }) => ({ rejected: context.rejected + 1 })),
    countDuplicate: assign(({ context }) => ({ duplicates: context.duplicates + 1 })),
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
    proposal: undefined,
    verdict: null,
    stepRetries: 0,
    received: 0,
    accepted: 0,
    rejected: 0,
    duplicates: 0,
    retries: 0,
    lastError: null,
    stopReason: null,
    failure: null,
    deposed: false,
  }),
  initial: 'waiting',
  on: {
    STOP: { target: '.stopped', actions: { type: 'stop', params: { reason: 'aborted' } } },
    BUDGET_EXHAUSTED: { target: '.stopped', actions: { type: 'stop', params: { reason: 'budget' } } },
  },
  states: {
    waiting: {
      invoke: {
        id: 'receiveProposal',
        src: 'receiveProposal',
        input: ({ context }) => ({ verifierId: context.verifierId }),
        onDone: [
          { guard: 'channelClosed', target: 'closed' },
          {
            target: 'checking',
            actions: { type: 'takeProposal', params: ({ event }) => ({ received: event.output }) },
          },
        ],
        onError: writeErrors,
      },
    },
    checking: {
      invoke: {
        id: 'checkProposal',
        src: 'checkProposal',
        input: ({ context }) => ({ proposal: context.proposal, attempt: context.stepRetries + 1 }),
        onDone: [
          {
            guard: { type: 'verdictIs', params: { verdict: 'accept' } },
            target: 'committing',
            actions: { type: 'setVerdict', params: ({ event }) => ({ verdict: event.output }) },
          },
          {
            guard: { type: 'verdictIs', params: { verdict: 'duplicate' } },
            target: 'waiting',
            actions: 'countDuplicate',
          },
          { target: 'rejecting', actions: { type: 'setVerdict', params: ({ event }) => ({ verdict: event.output }) } },
        ],
        onError: [
          deposed,
          stopOn('budget'),
          stopOn('aborted'),
          {
            guard: { type: 'errorIs', params: { kind: 'fatal' } },
            target: '#verifier.failed',
            actions: ['recordError', 'failWithError'],
          },
          { guard: 'shouldRetry', target: 'backingOff', actions: ['recordError', 'countRetry'] },
          { target: 'rejecting', actions: ['recordError', 'rejectWithError'] },
        ],
      },
    },
    backingOff: {
      after: { backoff: 'checking' },
    },
    committing: {
      invoke: {
        id: 'commit',
        src: 'commit',
        input: ({ context }) => ({
          proposal: context.proposal,
          verdict: context.verdict ?? { verdict: 'accept', reason: '' },
        }),
        onDone: { target: 'waiting', actions: 'countAccepted' },
        onError: writeErrors,
      },
    },
    rejecting: {
      invoke: {
        id: 'recordFailure',
        src: 'recordFailure',
        input: ({ context }) => ({
          proposal: context.proposal,
          verdict: context.verdict ?? { verdict: 'reject', reason: 'unknown' },
        }),
        onDone: { target: 'waiting', actions: 'countRejected' },
        onError: writeErrors,
      },
    },
    closed: { type: 'final' },
    stopped: { type: 'final' },
    failed: { type: 'final' },
    deposed: { type: 'final' },
  },
  output: ({ context }) => ({
    status:
      context.failure !== null
        ? 'failed'
        : context.deposed
          ? 'deposed'
          : context.stopReason !== null
            ? 'stopped'
            : 'closed',
    reason:
      context.failure ?? (context.deposed ? context.lastError?.message : undefined) ?? context.stopReason ?? undefined,
    received: context.received,
    accepted: context.accepted,
    rejected: context.rejected,
    duplicates: context.duplicates,
  }),
});

/** The verifier machine's type, for hosts that provide its actors. */
export type VerifierMachine = typeof verifierMachine;
