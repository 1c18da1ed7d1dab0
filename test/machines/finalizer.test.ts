import { describe, expect, it } from 'vitest';
import { waitFor } from 'xstate';
import { finalizerMachine } from '../../machines/finalizer.js';
import type {
  Decision,
  DecideInput,
  EnqueueTasksInput,
  FinalizerInput,
  PublishAnswerInput,
  ReadLedgerInput,
} from '../../machines/types.js';
import { TestClock, coded, hang, scripted, start, untaken } from './scripted.js';
import type { Step } from './scripted.js';

function runFinalizer(
  input: Partial<FinalizerInput>,
  scripts: {
    settle?: Step<void, ReadLedgerInput>[];
    readLedger?: Step<unknown, ReadLedgerInput>[];
    decide?: Step<Decision, DecideInput>[];
    enqueueTasks?: Step<readonly number[], EnqueueTasksInput>[];
    publishAnswer?: Step<unknown, PublishAnswerInput>[];
  },
  budgetAllows = true,
) {
  const clock = new TestClock();
  const s = {
    settle: scripted(scripts.settle ?? [{ ok: undefined }], clock),
    readLedger: scripted(scripts.readLedger ?? [{ ok: 'ledger' }], clock),
    decide: scripted(scripts.decide ?? [{ ok: { type: 'answer', answer: '42' } }], clock),
    enqueueTasks: scripted(
      scripts.enqueueTasks ?? [{ run: (i: EnqueueTasksInput) => i.tasks.map((_, k) => k) }],
      clock,
    ),
    publishAnswer: scripted(scripts.publishAnswer ?? [{ ok: undefined }], clock),
  };
  const machine = finalizerMachine.provide({
    actors: {
      settle: s.settle.logic,
      readLedger: s.readLedger.logic,
      decide: s.decide.logic,
      enqueueTasks: s.enqueueTasks.logic,
      publishAnswer: s.publishAnswer.logic,
    },
    guards: { budgetAllows: () => budgetAllows },
  });
  return { ...start(machine, { agentId: 3, round: 1, maxRounds: 3, baseDelayMs: 2, ...input }, clock), s };
}

const more: Decision = { type: 'enqueue', tasks: [{ payload: 'dig deeper' }] };

describe('finalizer machine', () => {
  it('waits for the verifier to settle, reads the ledger, decides, and publishes the answer', async () => {
    const { states, output, s } = runFinalizer({}, {});
    expect(await output).toEqual({ type: 'answer', answer: '42' });
    expect(states).toEqual(['settling', 'reading', 'deciding', 'answering', 'answered']);
    expect(s.settle.calls).toEqual([{ agentId: 3, round: 1 }]);
    expect(s.readLedger.calls).toEqual([{ agentId: 3, round: 1 }]);
    expect(s.decide.calls).toEqual([
      { agentId: 3, digest: 'ledger', round: 1, maxRounds: 3, mayEnqueue: true, attempt: 1 },
    ]);
    expect(s.publishAnswer.calls).toEqual([{ agentId: 3, answer: '42' }]);
  });

  it('enqueues more sub-tasks while rounds remain', async () => {
    const { states, output, s } = runFinalizer({ round: 2 }, { decide: [{ ok: more }] });
    expect(await output).toEqual({ type: 'enqueued', taskIds: [0] });
    expect(states).toEqual(['settling', 'reading', 'deciding', 'enqueueing', 'enqueued']);
    expect(s.enqueueTasks.calls).toEqual([{ agentId: 3, parentTaskId: -1, tasks: more.tasks }]);
  });

  it('on the last round tells decide it may not enqueue, and re-asks once if it tries anyway', async () => {
    const { states, output, s } = runFinalizer(
      { round: 3 },
      { decide: [{ ok: more }, { ok: { type: 'answer', answer: 'final' } }] },
    );
    expect(await output).toEqual({ type: 'answer', answer: 'final' });
    expect(s.decide.calls.map((c) => c.mayEnqueue)).toEqual([false, false]);
    expect(s.enqueueTasks.calls).toHaveLength(0);
    expect(states).toEqual(['settling', 'reading', 'deciding', 'answering', 'answered']);
  });

  it('fails when the model insists on more work past the limit', async () => {
    const { output, s } = runFinalizer({ round: 3 }, { decide: [{ ok: more }] });
    const out = await output;
    expect(out.type).toBe('failed');
    expect(s.decide.calls).toHaveLength(2);
  });

  it('refuses to enqueue when the budgetAllows guard says no', async () => {
    const { output, s } = runFinalizer(
      { round: 1 },
      { decide: [{ ok: more }, { ok: { type: 'answer', answer: 'within budget' } }] },
      false,
    );
    expect(await output).toEqual({ type: 'answer', answer: 'within budget' });
    expect(s.decide.calls.map((c) => c.mayEnqueue)).toEqual([true, false]);
  });

  it('treats an empty enqueue as a refusal', async () => {
    const { output, s } = runFinalizer(
      {},
      { decide: [{ ok: { type: 'enqueue', tasks: [] } }, { ok: { type: 'answer', answer: 'a' } }] },
    );
    expect(await output).toEqual({ type: 'answer', answer: 'a' });
    expect(s.enqueueTasks.calls).toHaveLength(0);
  });

  it('retries a retryable decide error with backoff', async () => {
    const { states, output, s } = runFinalizer(
      {},
      { decide: [{ err: coded('RATE_LIMITED') }, { ok: { type: 'answer', answer: 'b' } }] },
    );
    expect(await output).toEqual({ type: 'answer', answer: 'b' });
    expect(states).toEqual(['settling', 'reading', 'deciding', 'backingOff', 'deciding', 'answering', 'answered']);
    expect(s.decide.calls.map((c) => c.attempt)).toEqual([1, 2]);
    expect(s.decide.at).toEqual([0, 2]); // baseDelayMs of simulated time
  });

  it('fails with the reason after retries run out or on other errors', async () => {
    const a = runFinalizer({ maxRetries: 1 }, { decide: [{ err: coded('PROVIDER_TIMEOUT', 'slow') }] });
    expect(await a.output).toEqual({ type: 'failed', reason: 'slow', code: 'PROVIDER_TIMEOUT' });
    expect(a.s.decide.calls).toHaveLength(2);
    const b = runFinalizer({}, { readLedger: [{ err: new Error('ledger gone') }] });
    expect(await b.output).toEqual({ type: 'failed', reason: 'ledger gone' });
    const c = runFinalizer({}, { publishAnswer: [{ err: new Error('disk full') }] });
    expect(await c.output).toEqual({ type: 'failed', reason: 'disk full' });
    const d = runFinalizer({}, { decide: [{ ok: more }], enqueueTasks: [{ err: coded('QUEUE_FULL', 'full') }] });
    expect(await d.output).toEqual({ type: 'failed', reason: 'full', code: 'QUEUE_FULL' });
  });

  it('stops on budget or abort errors and on STOP', async () => {
    const a = runFinalizer({}, { decide: [{ err: coded('BUDGET_EXHAUSTED') }] });
    expect(await a.output).toEqual({ type: 'stopped', reason: 'budget' });
    const b = runFinalizer({}, { readLedger: [{ err: coded('ABORTED') }] });
    expect(await b.output).toEqual({ type: 'stopped', reason: 'aborted' });
    const c = runFinalizer({}, { decide: [hang()] });
    await waitFor(c.actor, (snap) => snap.matches('deciding'));
    c.actor.send({ type: 'STOP' });
    expect(await c.output).toEqual({ type: 'stopped', reason: 'aborted' });
    expect(c.s.decide.signals[0]?.aborted).toBe(true);
  });
});

describe('finalizer machine: what each actor error leads to', () => {
  const errors = { budget: coded('BUDGET_EXHAUSTED'), aborted: coded('ABORTED'), other: new Error('oops') } as const;
  const expected = {
    budget: { type: 'stopped', reason: 'budget' },
    aborted: { type: 'stopped', reason: 'aborted' },
    other: { type: 'failed', reason: 'oops' },
  };
  const cases = (['settle', 'readLedger', 'decide', 'enqueueTasks', 'publishAnswer'] as const).flatMap((actor) =>
    (Object.keys(errors) as Array<keyof typeof errors>).map((kind) => [actor, kind] as const),
  );
  it.each(cases)('%s throwing a %s error', async (actor, kind) => {
    const { output } = runFinalizer(
      {},
      {
        decide:
          actor === 'decide'
            ? [{ err: errors[kind] }]
            : [{ ok: actor === 'enqueueTasks' ? more : { type: 'answer', answer: 'a' } }],
        [actor]: [{ err: errors[kind] }],
      },
    );
    expect(await output).toEqual(expected[kind]);
  });

  it('stops on the BUDGET_EXHAUSTED event', async () => {
    const { actor, output } = runFinalizer({}, { readLedger: [hang()] });
    actor.send({ type: 'BUDGET_EXHAUSTED' });
    expect(await output).toEqual({ type: 'stopped', reason: 'budget' });
  });
});

describe('finalizer machine: coverage', () => {
  it('every transition of the finalizer machine was taken by the tests above', () => {
    expect(untaken(finalizerMachine)).toEqual([]);
  });
});
