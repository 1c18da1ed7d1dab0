import { describe, expect, it } from 'vitest';
import { createActor, toPromise, waitFor } from 'xstate';
import { fromVerifierEffects } from '../../machines/effects.js';
import { verifierMachine } from '../../machines/verifier.js';
import { CheckFailedError } from '../../machines/errors.js';
import type { DecisionInput, ReceiveInput, Received, Verdict, VerdictInput } from '../../machines/types.js';
import { TestClock, coded, hang, scripted, start, until, untaken } from './scripted.js';
import type { Step } from './scripted.js';

const proposal = (p: unknown): Step<Received, ReceiveInput> => ({ ok: { type: 'proposals', proposals: [p] } });
const batch = (...ps: unknown[]): Step<Received, ReceiveInput> => ({ ok: { type: 'proposals', proposals: ps } });
const closed: Step<Received, ReceiveInput> = { ok: { type: 'closed' } };

/** A check that threw `error`, as the host's `decide` reports it (nothing was written). */
const checkFailed = (error: unknown) => new CheckFailedError(error);

function runVerifier(scripts: {
  receiveProposals: Step<Received, ReceiveInput>[];
  decide?: Step<Verdict, DecisionInput>[];
  recordFailure?: Step<unknown, VerdictInput>[];
}) {
  const clock = new TestClock();
  const s = {
    receiveProposals: scripted(scripts.receiveProposals, clock),
    decide: scripted(scripts.decide ?? [{ ok: { verdict: 'accept', reason: 'ok' } }], clock),
    recordFailure: scripted(scripts.recordFailure ?? [{ ok: 2 }], clock),
  };
  const machine = verifierMachine.provide({
    actors: {
      effects: fromVerifierEffects({
        receiveProposals: s.receiveProposals.fn,
        decide: s.decide.fn,
        recordFailure: s.recordFailure.fn,
      }),
    },
  });
  return { ...start(machine, { verifierId: 1, baseDelayMs: 2, maxRetries: 2 }, clock), s };
}

describe('verifier machine', () => {
  it('counts what each decision was, one state per proposal, and ends when the channel closes', async () => {
    const verdicts: Record<string, Verdict> = {
      good: { verdict: 'accept', reason: 'quotes found' },
      bad: { verdict: 'reject', reason: 'quote not in source' },
      again: { verdict: 'duplicate', reason: 'same as entry 0' },
    };
    const { states, output, s } = runVerifier({
      receiveProposals: [proposal('good'), proposal('bad'), proposal('again'), closed],
      decide: [{ run: (i) => verdicts[i.proposal as string]! }],
    });
    expect(await output).toEqual({
      status: 'closed',
      reason: undefined,
      received: 3,
      accepted: 1,
      rejected: 1,
      duplicates: 1,
      batches: 3,
      depositions: 0,
    });
    expect(states).toEqual(['waiting', 'deciding', 'waiting', 'deciding', 'waiting', 'deciding', 'waiting', 'closed']);
    expect(s.decide.calls.map((c) => [c.proposal, c.attempt])).toEqual([
      ['good', 1],
      ['bad', 1],
      ['again', 1],
    ]);
    // A decided rejection was written by the decision itself.
    expect(s.recordFailure.calls).toEqual([]);
  });

  it('retries a retryable check error with backoff, then decides', async () => {
    const { states, output, s } = runVerifier({
      receiveProposals: [proposal('p'), closed],
      decide: [{ err: checkFailed(coded('RATE_LIMITED')) }, { ok: { verdict: 'accept', reason: 'ok' } }],
    });
    expect(await output).toMatchObject({ accepted: 1 });
    expect(states).toEqual(['waiting', 'deciding', 'backingOff', 'deciding', 'waiting', 'closed']);
    expect(s.decide.calls.map((c) => c.attempt)).toEqual([1, 2]);
    expect(s.decide.at).toEqual([0, 2]); // baseDelayMs of simulated time
  });

  it('rejects with the error as reason when a check keeps failing or fails for good', async () => {
    const { states, output, s } = runVerifier({
      receiveProposals: [proposal('p'), proposal('q'), closed],
      decide: [
        { err: checkFailed(coded('PROVIDER_TIMEOUT', 'judge slow')) },
        { err: checkFailed(coded('PROVIDER_TIMEOUT', 'judge slow')) },
        { err: checkFailed(coded('PROVIDER_TIMEOUT', 'judge slow')) },
        { err: checkFailed(new Error('judge said nonsense')) },
      ],
    });
    expect(await output).toMatchObject({ status: 'closed', received: 2, rejected: 2, accepted: 0 });
    expect(s.decide.calls).toHaveLength(4); // 1 + 2 retries for p, 1 for q
    expect(s.decide.at).toEqual([0, 2, 6, 6]); // backoff 2 ms, then 4 ms
    expect(s.recordFailure.calls.map((c) => c.verdict)).toEqual([
      { verdict: 'reject', reason: 'check failed: judge slow' },
      { verdict: 'reject', reason: 'check failed: judge said nonsense' },
    ]);
    expect(states).toContain('rejecting');
  });

  it("fails when the ledger refuses a decision's write, and never retries it", async () => {
    const { states, output, s } = runVerifier({
      receiveProposals: [proposal('p')],
      decide: [
        { err: coded('LEDGER_FULL', 'context ledger is full') },
        { err: coded('RATE_LIMITED', 'retryable, but written') },
      ],
    });
    expect(await output).toMatchObject({
      status: 'failed',
      reason: 'context ledger is full',
      received: 1,
      accepted: 0,
    });
    expect(states.at(-1)).toBe('failed');
    expect(s.decide.calls).toHaveLength(1);
  });

  it('does not retry a write that failed with a retryable error', async () => {
    const { output, s } = runVerifier({
      receiveProposals: [proposal('p'), closed],
      decide: [{ err: coded('RATE_LIMITED', 'redis busy') }],
    });
    expect(await output).toMatchObject({ status: 'failed', reason: 'redis busy' });
    expect(s.decide.calls).toHaveLength(1);
  });

  it('stops on STOP while waiting for proposals, cancelling the receive', async () => {
    const { actor, output, s } = runVerifier({ receiveProposals: [hang()] });
    await waitFor(actor, (snap) => snap.matches('waiting'));
    actor.send({ type: 'STOP' });
    expect(await output).toMatchObject({ status: 'stopped', reason: 'aborted' });
    expect(s.receiveProposals.signals[0]?.aborted).toBe(true);
  });

  it('stops with reason budget when a check hits the budget', async () => {
    const { output } = runVerifier({
      receiveProposals: [proposal('p')],
      decide: [{ err: checkFailed(coded('BUDGET_EXHAUSTED')) }],
    });
    expect(await output).toMatchObject({ status: 'stopped', reason: 'budget' });
  });
});

describe('verifier machine: what each actor error leads to', () => {
  const errors = {
    budget: coded('BUDGET_EXHAUSTED'),
    aborted: coded('ABORTED'),
    fatal: coded('LEDGER_CORRUPT', 'corrupt'),
    fenced: coded('FENCED', 'deposed by epoch 2'),
    other: new Error('oops'),
  } as const;
  type Kind = keyof typeof errors;
  const stop = {
    budget: { status: 'stopped', reason: 'budget' },
    aborted: { status: 'stopped', reason: 'aborted' },
    fatal: { status: 'failed', reason: 'corrupt' },
    // A newer verifier holds the ledger: this one is not failed; it stands by (and here the channel closes).
    fenced: { status: 'closed', reason: undefined, depositions: 1, accepted: 0 },
  };
  const cases: Array<[string, Kind, Record<string, unknown>]> = [
    // `decide` throwing as such is a failed write; a failed check is tried below.
    ...(['receiveProposals', 'decide', 'recordFailure'] as const).flatMap((actor) =>
      (Object.keys(errors) as Kind[]).map((kind): [string, Kind, Record<string, unknown>] => [
        actor,
        kind,
        kind === 'other' ? { status: 'failed', reason: 'oops' } : stop[kind],
      ]),
    ),
    ['check', 'budget', stop.budget],
    ['check', 'aborted', stop.aborted],
    ['check', 'fatal', stop.fatal],
    ['check', 'fenced', stop.fenced],
    ['check', 'other', { status: 'closed', rejected: 1 }],
  ];
  it.each(cases)('%s throwing a %s error → %o', async (actor, kind, expected) => {
    const { output } = runVerifier({
      receiveProposals: actor === 'receiveProposals' ? [{ err: errors[kind] }, closed] : [proposal('p'), closed],
      decide:
        actor === 'decide'
          ? [{ err: errors[kind] }]
          : actor === 'check'
            ? [{ err: checkFailed(errors[kind]) }]
            : // recordFailure runs for a proposal whose check failed for good
              [{ err: checkFailed(new Error('judge failed')) }],
      ...(actor === 'recordFailure' ? { recordFailure: [{ err: errors[kind] }] } : {}),
    });
    expect(await output).toMatchObject(expected);
  });

  it('stands by when deposed (FENCED) and, holding the lease again, decides the next batch', async () => {
    const { states, output, s } = runVerifier({
      receiveProposals: [batch('p', 'q'), batch('r'), closed],
      decide: [
        { err: coded('FENCED', 'epoch 1 is not the ledger writer (epoch 2 is)') },
        { ok: { verdict: 'accept', reason: 'ok' } },
      ],
    });
    expect(await output).toMatchObject({ status: 'closed', received: 3, accepted: 1, depositions: 1 });
    // The rest of the batch in hand (q) is dropped: the new writer claims it.
    expect(s.decide.calls.map((c) => c.proposal)).toEqual(['p', 'r']);
    expect(states).toEqual(['waiting', 'deciding', 'standingBy', 'deciding', 'waiting', 'closed']);
  });

  it.each([
    ['fenced', { status: 'closed', depositions: 2 }],
    ['budget', { status: 'stopped', reason: 'budget', depositions: 1 }],
    ['aborted', { status: 'stopped', reason: 'aborted', depositions: 1 }],
    ['other', { status: 'failed', reason: 'oops', depositions: 1 }],
  ] as const)('standing by, a receive throwing a %s error → %o (as while waiting)', async (kind, expected) => {
    const errors = {
      fenced: coded('FENCED', 'epoch 3 is the ledger writer'),
      budget: coded('BUDGET_EXHAUSTED'),
      aborted: coded('ABORTED'),
      other: new Error('oops'),
    };
    const { output } = runVerifier({
      receiveProposals: [proposal('p'), { err: errors[kind] }, closed],
      decide: [{ err: coded('FENCED', 'epoch 1 is not the ledger writer (epoch 2 is)') }],
    });
    expect(await output).toMatchObject(expected);
  });

  it('stops on the BUDGET_EXHAUSTED event', async () => {
    const { actor, output } = runVerifier({ receiveProposals: [hang()] });
    actor.send({ type: 'BUDGET_EXHAUSTED' });
    expect(await output).toMatchObject({ status: 'stopped', reason: 'budget' });
  });
});

describe('verifier machine: batches', () => {
  it('decides a batch in order of arrival without going back to waiting, whatever each verdict', async () => {
    const verdicts: Record<string, Verdict> = {
      a: { verdict: 'accept', reason: 'ok' },
      b: { verdict: 'reject', reason: 'no' },
      c: { verdict: 'duplicate', reason: 'again' },
      d: { verdict: 'accept', reason: 'ok' },
      e: { verdict: 'duplicate', reason: 'again' },
    };
    const { states, output, s } = runVerifier({
      receiveProposals: [batch('a', 'b', 'c', 'd', 'e'), batch('f'), closed],
      decide: [{ run: (i) => verdicts[i.proposal as string] ?? { verdict: 'accept', reason: 'ok' } }],
    });
    expect(await output).toEqual({
      status: 'closed',
      reason: undefined,
      received: 6,
      accepted: 3,
      rejected: 1,
      duplicates: 2,
      batches: 2,
      depositions: 0,
    });
    expect(s.decide.calls.map((c) => c.proposal)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    // One receive per batch: waiting is entered once per batch, not once per proposal.
    expect(s.receiveProposals.calls).toHaveLength(3);
    expect(states).toEqual(['waiting', 'deciding', 'waiting', 'deciding', 'waiting', 'closed']);
  });

  it('goes on with the rest of a batch after a proposal whose check failed for good', async () => {
    const { states, output, s } = runVerifier({
      receiveProposals: [batch('p', 'q'), closed],
      decide: [{ err: checkFailed(new Error('no judge')) }, { ok: { verdict: 'accept', reason: 'ok' } }],
    });
    expect(await output).toMatchObject({ received: 2, accepted: 1, rejected: 1, batches: 1 });
    expect(s.decide.calls.map((c) => c.proposal)).toEqual(['p', 'q']);
    expect(states).toEqual(['waiting', 'deciding', 'rejecting', 'deciding', 'waiting', 'closed']);
  });

  it('retries a check inside a batch with backoff, then carries on with the rest of it', async () => {
    const { output, s } = runVerifier({
      receiveProposals: [batch('p', 'q'), closed],
      decide: [{ err: checkFailed(coded('RATE_LIMITED')) }, { ok: { verdict: 'accept', reason: 'ok' } }],
    });
    expect(await output).toMatchObject({ accepted: 2, received: 2, batches: 1 });
    expect(s.decide.calls.map((c) => [c.proposal, c.attempt])).toEqual([
      ['p', 1],
      ['p', 2],
      ['q', 1],
    ]);
  });

  it('a check failing part-way through a batch meets its retries with the proposals before it counted', async () => {
    const { output, s } = runVerifier({
      receiveProposals: [batch('p', 'q', 'r'), closed],
      decide: [
        { err: checkFailed(coded('RATE_LIMITED')) }, // p, attempt 1
        { ok: { verdict: 'accept', reason: 'ok' } }, // p, attempt 2
        // q exhausts its own retries (2), whatever p used
        { err: checkFailed(coded('RATE_LIMITED')) },
        { err: checkFailed(coded('RATE_LIMITED')) },
        { err: checkFailed(coded('RATE_LIMITED')) },
        { ok: { verdict: 'duplicate', reason: 'again' } }, // r
      ],
    });
    expect(await output).toMatchObject({ received: 3, accepted: 1, rejected: 1, duplicates: 1, batches: 1 });
    expect(s.decide.calls.map((c) => [c.proposal, c.attempt])).toEqual([
      ['p', 1],
      ['p', 2],
      ['q', 1],
      ['q', 2],
      ['q', 3],
      ['r', 1],
    ]);
    expect(s.recordFailure.calls.map((c) => c.proposal)).toEqual(['q']);
  });

  it('a write failing part-way through a batch ends the verifier with the decisions before it counted', async () => {
    const { output, s } = runVerifier({
      receiveProposals: [batch('p', 'q', 'r')],
      decide: [{ ok: { verdict: 'accept', reason: 'ok' } }, { err: coded('LEDGER_FULL', 'context ledger is full') }],
    });
    expect(await output).toMatchObject({ status: 'failed', reason: 'context ledger is full', accepted: 1 });
    expect(s.decide.calls.map((c) => c.proposal)).toEqual(['p', 'q']);
  });

  it('decides nothing more of a batch once stopped', async () => {
    const { actor, output, s } = runVerifier({
      receiveProposals: [batch('p', 'q', 'r')],
      decide: [{ ok: { verdict: 'accept', reason: 'ok' } }, hang()],
    });
    await until(() => s.decide.calls.length === 2);
    actor.send({ type: 'STOP' });
    expect(await output).toMatchObject({ status: 'stopped', reason: 'aborted' });
    expect(s.decide.signals[1]?.aborted).toBe(true);
    expect(s.decide.calls.map((c) => c.proposal)).toEqual(['p', 'q']);
  });

  it('decides a batch of 50 as it does a batch of 1: no actor per proposal, one decision event to the machine', async () => {
    const decideFor = async (n: number) => {
      const proposals = Array.from({ length: n }, (_, i) => i);
      let received = false;
      const machine = verifierMachine.provide({
        actors: {
          effects: fromVerifierEffects({
            receiveProposals: () =>
              received ? { type: 'closed' } : ((received = true), { type: 'proposals', proposals }),
            decide: ({ proposal }) => ({ verdict: (proposal as number) % 2 ? 'accept' : 'reject', reason: 'r' }),
            recordFailure: () => undefined,
          }),
        },
      });
      let created = 0;
      const decisions: string[] = [];
      const actor = createActor(machine, {
        input: {},
        inspect: (e) => {
          if (e.type === '@xstate.actor') created++;
          if (e.type === '@xstate.event' && e.actorRef === actor && e.event.type.startsWith('decide.'))
            decisions.push(e.event.type);
        },
      });
      const output = toPromise(actor);
      actor.start();
      return { output: await output, created, decisions };
    };
    const one = await decideFor(1);
    const fifty = await decideFor(50);
    expect(fifty.output).toMatchObject({ status: 'closed', received: 50, accepted: 25, rejected: 25, batches: 1 });
    expect(fifty.created).toBe(one.created);
    expect(fifty.created).toBeLessThanOrEqual(2); // the machine and its effects actor
    expect(fifty.decisions).toEqual(['decide.done']);
  });
});

describe('verifier machine: coverage', () => {
  it('every transition of the verifier machine was taken by the tests above', () => {
    expect(untaken(verifierMachine)).toEqual([]);
  });
});
