import { describe, expect, it } from 'vitest';
import { waitFor } from 'xstate';
import { agentMachine } from '../../machines/agent.js';
import { completeEffects, taskLoopChart } from '../../machines/task-loop.js';
import type { AgentEffects } from '../../machines/types.js';
import { phaseRuns, runAgent, task } from './agent-harness.js';
import type { AgentScripts } from './agent-harness.js';
import { coded, hang, settle, start, until, untaken } from './scripted.js';
import type { TestClock } from './scripted.js';

/** A model step that answers `done` after `ms` of simulated time. */
const doneAfter = (ms: number) => ({
  run: (_i: unknown, _s: AbortSignal, clock: TestClock) => clock.sleep(ms).then(() => ({ type: 'done' as const })),
});

describe('agent machine: task loop', () => {
  it('works from the moment its actor starts: it claims at once, with no event to wait for', async () => {
    const { states, output, s } = runAgent({ claimTask: [{ ok: null }] });
    expect(await output).toMatchObject({ status: 'done', tasksCompleted: 0 });
    expect(states).toEqual(['claiming', 'electing', 'done']);
    expect(s.claimTask.calls).toHaveLength(1);
  });

  it('claims, reads, thinks, proposes, enqueues follow-ups, completes, then exits when the queue drains', async () => {
    const { states, output, s } = runAgent({
      callModel: [
        {
          ok: {
            type: 'propose',
            proposals: ['p1', 'p2'],
            followUps: [{ payload: 'sub a' }, { payload: 'sub b', priority: 2 }],
            result: 'r1',
          },
        },
      ],
    });
    const out = await output;
    expect(states).toEqual([
      'claiming',
      'reading',
      'thinking.calling',
      'proposing',
      'enqueueing',
      'completing',
      'claiming',
      'electing',
      'done',
    ]);
    expect(s.claimTask.calls).toEqual([{ agentId: 7 }, { agentId: 7 }]);
    expect(s.readDigest.calls).toEqual([{ agentId: 7, task: task(1) }]);
    expect(s.callModel.calls).toEqual([
      { agentId: 7, task: task(1), digest: 'digest', unfolded: [], attempt: 1, unfoldsLeft: 3 },
    ]);
    expect(s.propose.calls).toEqual([{ agentId: 7, task: task(1), proposals: ['p1', 'p2'] }]);
    expect(s.enqueueTasks.calls).toEqual([
      { agentId: 7, parentTaskId: 1, tasks: [{ payload: 'sub a' }, { payload: 'sub b', priority: 2 }] },
    ]);
    expect(s.completeTask.calls).toEqual([{ agentId: 7, task: task(1), result: 'r1' }]);
    expect(out).toEqual({
      status: 'done',
      reason: undefined,
      answer: undefined,
      heldTaskId: undefined,
      tasksCompleted: 1,
      tasksFailed: 0,
      retries: 0,
    });
  });

  it('skips enqueueing when a proposal step has no follow-ups, and proposing when it has no proposals', async () => {
    const { states, output, s } = runAgent({
      claimTask: [{ ok: task(1) }, { ok: task(2) }, { ok: null }],
      callModel: [
        { ok: { type: 'propose', proposals: ['p'] } },
        { ok: { type: 'propose', proposals: [], followUps: [{ payload: 'x' }] } },
      ],
    });
    await output;
    expect(states).toEqual([
      'claiming',
      'reading',
      'thinking.calling',
      'proposing',
      'completing',
      'claiming',
      'reading',
      'thinking.calling',
      'enqueueing',
      'completing',
      'claiming',
      'electing',
      'done',
    ]);
    expect(s.propose.calls).toHaveLength(1);
    expect(s.enqueueTasks.calls.map((c) => c.parentTaskId)).toEqual([2]);
  });

  it('goes straight to completing on a done step and passes its result', async () => {
    const { states, output, s } = runAgent({ callModel: [{ ok: { type: 'done', result: 'nothing to add' } }] });
    expect((await output).tasksCompleted).toBe(1);
    expect(states).toEqual(['claiming', 'reading', 'thinking.calling', 'completing', 'claiming', 'electing', 'done']);
    expect(s.completeTask.calls[0]?.result).toBe('nothing to add');
    expect(s.propose.calls).toHaveLength(0);
  });
});

describe('agent machine: model errors', () => {
  it('retries a retryable model error with exponential backoff, then proceeds', async () => {
    const { states, output, s } = runAgent(
      {
        callModel: [
          { err: coded('RATE_LIMITED') },
          { err: { code: 'PROVIDER_ERROR', message: '503', retryable: true } },
          { ok: { type: 'done' } },
        ],
      },
      { baseDelayMs: 20, maxRetries: 3 },
    );
    const out = await output;
    expect(states).toEqual([
      'claiming',
      'reading',
      'thinking.calling',
      'thinking.backingOff',
      'thinking.calling',
      'thinking.backingOff',
      'thinking.calling',
      'completing',
      'claiming',
      'electing',
      'done',
    ]);
    expect(s.callModel.calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(s.callModel.at).toEqual([0, 20, 60]); // 20 ms, then 40 ms of simulated time
    expect(out.retries).toBe(2);
    expect(out.tasksCompleted).toBe(1);
  });

  it('fails the task with the reason once retries are exhausted, and goes on with the next task', async () => {
    const { states, output, s } = runAgent(
      {
        claimTask: [{ ok: task(1) }, { ok: task(2) }, { ok: null }],
        callModel: [
          { err: coded('PROVIDER_TIMEOUT', 'timed out') },
          { err: coded('PROVIDER_TIMEOUT', 'timed out') },
          { err: coded('PROVIDER_TIMEOUT', 'timed out again') },
          { ok: { type: 'done' } },
        ],
      },
      { maxRetries: 2, baseDelayMs: 1 },
    );
    const out = await output;
    expect(s.callModel.calls.filter((c) => c.task.taskId === 1)).toHaveLength(3);
    // Not transient: re-queueing it would only repeat these retries (the queue's attempts times the agent's).
    expect(s.failTask.calls).toEqual([
      { agentId: 7, task: task(1), reason: 'timed out again', transient: false, code: 'PROVIDER_TIMEOUT' },
    ]);
    expect(s.completeTask.calls.map((c) => c.task.taskId)).toEqual([2]);
    expect(states).toContain('failingTask');
    expect(states.indexOf('failingTask')).toBeLessThan(states.lastIndexOf('completing'));
    expect(out).toMatchObject({ status: 'done', tasksCompleted: 1, tasksFailed: 1, retries: 2 });
  });

  it('fails the task at once on a non-retryable error (no backoff)', async () => {
    const { states, output, s } = runAgent({ callModel: [{ err: coded('MALFORMED_OUTPUT', 'bad json') }] });
    const out = await output;
    expect(s.callModel.calls).toHaveLength(1);
    expect(states).not.toContain('thinking.backingOff');
    expect(s.failTask.calls[0]).toMatchObject({ reason: 'bad json', code: 'MALFORMED_OUTPUT' });
    expect(out).toMatchObject({ status: 'done', tasksFailed: 1, retries: 0 });
  });

  it('honours retryable: false even for a normally retryable code', async () => {
    const { output, s } = runAgent({ callModel: [{ err: coded('RATE_LIMITED', 'quota gone', { retryable: false }) }] });
    await output;
    expect(s.callModel.calls).toHaveLength(1);
    expect(s.failTask.calls[0]?.reason).toBe('quota gone');
  });

  it('fails the task when reading the digest fails, and keeps the agent alive', async () => {
    const { states, output, s } = runAgent({ readDigest: [{ err: new Error('digest broke') }] });
    const out = await output;
    expect(states).toEqual(['claiming', 'reading', 'failingTask', 'claiming', 'electing', 'done']);
    expect(s.failTask.calls[0]?.reason).toBe('digest broke');
    expect(out.tasksFailed).toBe(1);
  });

  it('fails the task when propose or enqueueTasks throws', async () => {
    const { output, s } = runAgent({
      claimTask: [{ ok: task(1) }, { ok: task(2) }, { ok: null }],
      callModel: [{ ok: { type: 'propose', proposals: ['p'], followUps: [{ payload: 'f' }] } }],
      propose: [{ err: new Error('channel full') }, { ok: true }],
      enqueueTasks: [{ err: coded('QUEUE_FULL', 'queue full') }],
    });
    const out = await output;
    expect(s.failTask.calls.map((c) => [c.task.taskId, c.reason])).toEqual([
      [1, 'channel full'],
      [2, 'queue full'],
    ]);
    expect(out.tasksFailed).toBe(2);
  });
});

describe('agent machine: stopping', () => {
  it('stops with reason budget when the model reports BUDGET_EXHAUSTED, reporting the task it held', async () => {
    const { states, output, s } = runAgent({
      claimTask: [{ ok: task(3) }],
      callModel: [{ err: coded('BUDGET_EXHAUSTED', 'budget exhausted: tokens') }],
    });
    const out = await output;
    expect(states).toEqual(['claiming', 'reading', 'thinking.calling', 'stopped']);
    expect(out).toMatchObject({ status: 'stopped', reason: 'budget', heldTaskId: 3 });
    expect(s.failTask.calls).toHaveLength(0);
  });

  it('stops with reason budget on the BUDGET_EXHAUSTED event from the host', async () => {
    const { actor, output, states } = runAgent({ claimTask: [hang()] });
    await until(() => states.at(-1) === 'claiming');
    actor.send({ type: 'BUDGET_EXHAUSTED' });
    expect(await output).toMatchObject({ status: 'stopped', reason: 'budget', heldTaskId: undefined });
  });

  it('aborts mid-thinking on STOP: the model call is cancelled and nothing is reported', async () => {
    const { actor, states, output, s } = runAgent({ callModel: [hang()] });
    await until(() => states.at(-1) === 'thinking.calling');
    await settle();
    actor.send({ type: 'STOP' });
    const out = await output;
    expect(states.at(-2)).toBe('thinking.calling');
    expect(states.at(-1)).toBe('stopped');
    expect(s.callModel.signals[0]?.aborted).toBe(true);
    expect(out).toMatchObject({ status: 'stopped', reason: 'aborted', heldTaskId: 1 });
    expect(s.completeTask.calls.length + s.failTask.calls.length).toBe(0);
  });

  it('stops with reason aborted when an actor throws ABORTED', async () => {
    const { output } = runAgent({ claimTask: [{ err: coded('ABORTED') }] });
    expect(await output).toMatchObject({ status: 'stopped', reason: 'aborted' });
  });

  it('ends in failed with the reason on a fatal error (the queue itself broke)', async () => {
    const { states, output } = runAgent({ claimTask: [{ err: new Error('queue memory corrupt') }] });
    expect(await output).toMatchObject({ status: 'failed', reason: 'queue memory corrupt' });
    expect(states.at(-1)).toBe('failed');
  });

  it('ends in failed when an actor was never provided', async () => {
    const { output } = start(agentMachine, { agentId: 1 });
    const out = await output;
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/claimTask.*not provided/);
  });

  it('ends in failed on a fatal code from a task actor instead of failing task after task', async () => {
    const { output, s } = runAgent({ callModel: [{ err: coded('MISSING_API_KEY', 'set OPENAI_API_KEY') }] });
    expect(await output).toMatchObject({
      status: 'failed',
      reason: 'set OPENAI_API_KEY',
      errorCode: 'MISSING_API_KEY',
      heldTaskId: 1,
    });
    expect(s.failTask.calls).toHaveLength(0);
  });
});

describe('agent machine: unfolding', () => {
  it('caps the labels of one unfold at maxUnfoldPerStep and feeds the details back to the model', async () => {
    const labels = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    const { states, output, s } = runAgent({
      callModel: [{ ok: { type: 'unfold', labels } }, { ok: { type: 'done' } }],
    });
    await output;
    expect(states).toEqual([
      'claiming',
      'reading',
      'thinking.calling',
      'unfolding',
      'thinking.calling',
      'completing',
      'claiming',
      'electing',
      'done',
    ]);
    expect(s.unfold.calls).toEqual([{ agentId: 7, task: task(1), labels: ['a', 'b', 'c', 'd', 'e'] }]);
    expect(s.callModel.calls[1]?.unfolded.map((d) => d.label)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(s.callModel.calls.map((c) => c.unfoldsLeft)).toEqual([3, 2]);
  });

  it('allows at most maxUnfoldRounds unfolds per task, then fails the task', async () => {
    const { output, s } = runAgent({ callModel: [{ ok: { type: 'unfold', labels: ['x'] } }] }, { maxUnfoldRounds: 2 });
    const out = await output;
    expect(s.unfold.calls).toHaveLength(2);
    expect(s.callModel.calls.map((c) => c.unfoldsLeft)).toEqual([2, 1, 0]);
    expect(s.callModel.calls[2]?.unfolded).toHaveLength(2);
    expect(s.failTask.calls[0]?.reason).toMatch(/no unfold rounds left/);
    expect(out.tasksFailed).toBe(1);
  });

  it('resets unfolded details and rounds for the next task', async () => {
    const { output, s } = runAgent({
      claimTask: [{ ok: task(1) }, { ok: task(2) }, { ok: null }],
      callModel: [{ ok: { type: 'unfold', labels: ['x'] } }, { ok: { type: 'done' } }, { ok: { type: 'done' } }],
    });
    await output;
    expect(s.callModel.calls[2]).toMatchObject({ task: task(2), unfolded: [], unfoldsLeft: 3 });
  });
});

describe('agent machine: lease', () => {
  it('extends the lease periodically while thinking, and stops extending after', async () => {
    const { actor, output, s, clock } = runAgent({ callModel: [doneAfter(80)] }, { leaseExtendMs: 15 });
    await output;
    // An 80 ms model call with an extension every 15 ms: extended at 15, 30, 45, 60 and 75.
    expect(s.extendLease.at).toEqual([15, 30, 45, 60, 75]);
    expect(s.extendLease.calls[0]).toEqual({ agentId: 7, task: task(1) });
    expect(actor.getSnapshot().context.tally.leaseExtensions).toBe(5);
    clock.increment(1_000);
    await settle();
    expect(s.extendLease.calls).toHaveLength(5);
  });

  it('drops the task when the lease is lost: the model call is cancelled and the agent claims again', async () => {
    const { actor, output, s } = runAgent(
      {
        claimTask: [{ ok: task(1) }, { ok: task(2) }, { ok: null }],
        callModel: [hang(), { ok: { type: 'done' } }],
        extendLease: [{ err: coded('LEASE_LOST') }],
      },
      { leaseExtendMs: 10 },
    );
    const out = await output;
    expect(s.callModel.signals[0]?.aborted).toBe(true);
    expect(s.failTask.calls).toHaveLength(0);
    expect(s.completeTask.calls.map((c) => c.task.taskId)).toEqual([2]);
    expect(out.tasksCompleted).toBe(1);
    expect(actor.getSnapshot().context.tally.tasksAbandoned).toBe(1);
  });

  it('keeps thinking when an extension fails for another reason', async () => {
    const { output, s } = runAgent(
      { callModel: [doneAfter(55)], extendLease: [{ err: new Error('transient') }, { ok: undefined }] },
      { leaseExtendMs: 10 },
    );
    expect((await output).tasksCompleted).toBe(1);
    // The failed extension at 10 ms is retried at the next interval, and so on until the step is done.
    expect(s.extendLease.at).toEqual([10, 20, 30, 40, 50]);
  });

  it('treats a lost lease on completion as an abandoned task, not a crash', async () => {
    const { output } = runAgent({ completeTask: [{ err: coded('LEASE_LOST') }] });
    expect(await output).toMatchObject({ status: 'done', tasksCompleted: 0, tasksFailed: 0 });
  });
});

const more = { type: 'enqueue', tasks: [{ payload: 'dig deeper' }] } as const;

describe('agent + finalizer: the run-wide loop', () => {
  it('is bounded by maxRounds: enqueues on rounds 1..max-1, answers on the last', async () => {
    let round = 0;
    const { states, output, s } = runAgent(
      {
        // Each finalizer round enqueues one task; the agent claims it, then finds the queue drained again.
        claimTask: [
          { ok: task(1) },
          { ok: null },
          { ok: task(2) },
          { ok: null },
          { ok: task(3) },
          { ok: null },
          { ok: task(99) },
        ],
        electFinalizer: [{ run: () => ({ role: 'finalize', round: ++round }) }],
        // A greedy model: always wants more work when allowed.
        decide: [{ run: (i) => (i.mayEnqueue ? more : { type: 'answer', answer: `answer after round ${i.round}` }) }],
      },
      { maxRounds: 3 },
    );
    const out = await output;
    expect(out).toMatchObject({ status: 'done', answer: 'answer after round 3', tasksCompleted: 3 });
    expect(s.decide.calls.map((c) => [c.round, c.mayEnqueue])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
    expect(s.enqueueTasks.calls).toHaveLength(2);
    expect(s.publishAnswer.calls).toEqual([{ agentId: 7, answer: 'answer after round 3' }]);
    expect(states.filter((x) => x === 'finalizing')).toHaveLength(3);
    expect(states.at(-1)).toBe('done');
  });

  it('goes back to claiming when another agent was elected and enqueued work, and exits when told to', async () => {
    const { states, output, s } = runAgent({
      claimTask: [{ ok: null }, { ok: task(5) }, { ok: null }],
      electFinalizer: [{ ok: { role: 'claim' } }, { ok: { role: 'exit' } }],
    });
    const out = await output;
    expect(states).toEqual([
      'claiming',
      'electing',
      'claiming',
      'reading',
      'thinking.calling',
      'completing',
      'claiming',
      'electing',
      'done',
    ]);
    expect(out).toMatchObject({ status: 'done', answer: undefined, tasksCompleted: 1 });
    expect(s.decide.calls).toHaveLength(0);
  });

  it('ends released, holding nothing, when the election lets it go while another agent decides', async () => {
    const { states, output, s } = runAgent({
      claimTask: [{ ok: task(5) }, { ok: null }],
      electFinalizer: [{ ok: { role: 'release' } }],
    });
    const out = await output;
    expect(states.slice(-3)).toEqual(['claiming', 'electing', 'released']);
    expect(out).toMatchObject({ status: 'released', reason: undefined, heldTaskId: undefined, tasksCompleted: 1 });
    expect(s.decide.calls).toHaveLength(0);
  });

  it('ends released, without an election, when its host has nothing for it to claim while others hold tasks', async () => {
    const { states, output, s } = runAgent({ claimTask: [{ ok: task(5) }, { ok: 'released' }] });
    const out = await output;
    expect(states.slice(-2)).toEqual(['claiming', 'released']);
    expect(out).toMatchObject({ status: 'released', heldTaskId: undefined, tasksCompleted: 1 });
    expect(s.electFinalizer.calls).toHaveLength(0);
  });

  it('carries a finalizer stop or failure up to the agent', async () => {
    const a = runAgent({
      claimTask: [{ ok: null }],
      electFinalizer: [{ ok: { role: 'finalize', round: 1 } }],
      decide: [{ err: coded('BUDGET_EXHAUSTED') }],
    });
    expect(await a.output).toMatchObject({ status: 'stopped', reason: 'budget' });
    const b = runAgent({
      claimTask: [{ ok: null }],
      electFinalizer: [{ ok: { role: 'finalize', round: 1 } }],
      readLedger: [{ err: new Error('boom') }],
    });
    const bOut = await b.output;
    expect(bOut).toMatchObject({ status: 'failed', reason: 'finalizer failed: boom' });
    expect(bOut).not.toHaveProperty('errorCode'); // a plain Error has no code
    // A finalizer that failed on one of delm's errors carries its code up, for the run's errorCode.
    const c = runAgent({
      claimTask: [{ ok: null }],
      electFinalizer: [{ ok: { role: 'finalize', round: 1 } }],
      readLedger: [{ err: coded('PROVIDER_TIMEOUT', 'openai did not answer in time') }],
    });
    expect(await c.output).toMatchObject({
      status: 'failed',
      reason: 'finalizer failed: openai did not answer in time',
      errorCode: 'PROVIDER_TIMEOUT',
    });
  });

  it('stops the finalizer child when the agent is stopped', async () => {
    const { actor, output, s } = runAgent({
      claimTask: [{ ok: null }],
      electFinalizer: [{ ok: { role: 'finalize', round: 1 } }],
      decide: [hang()],
    });
    await waitFor(actor, (snap) => snap.matches('finalizing'));
    await until(() => s.decide.calls.length === 1);
    actor.send({ type: 'STOP' });
    expect(await output).toMatchObject({ status: 'stopped', reason: 'aborted' });
    expect(s.decide.signals[0]?.aborted).toBe(true);
  });
});

describe('agent machine: what each actor error leads to', () => {
  const errors = {
    budget: coded('BUDGET_EXHAUSTED', 'over budget'),
    aborted: coded('ABORTED', 'aborted'),
    fatal: coded('WORKER_CRASHED', 'crash'),
    leaseLost: coded('LEASE_LOST', 'lease gone'),
    other: new Error('oops'),
  } as const;
  type Kind = keyof typeof errors;
  const two: AgentScripts = { claimTask: [{ ok: task(1) }, { ok: task(2) }, { ok: null }] };
  const slowDone = doneAfter(25);
  /** Scripts under which `actor` throws `e` once (on task 1), then behaves. */
  const reach: Record<string, (e: unknown) => AgentScripts> = {
    claimTask: (e) => ({ claimTask: [{ err: e }] }),
    electFinalizer: (e) => ({ claimTask: [{ ok: null }], electFinalizer: [{ err: e }] }),
    readDigest: (e) => ({ ...two, readDigest: [{ err: e }, { ok: 'd' }] }),
    callModel: (e) => ({ ...two, callModel: [{ err: e }, { ok: { type: 'done' } }] }),
    unfold: (e) => ({
      ...two,
      callModel: [{ ok: { type: 'unfold', labels: ['a'] } }, { ok: { type: 'done' } }],
      unfold: [{ err: e }, { ok: [] }],
    }),
    propose: (e) => ({
      ...two,
      callModel: [{ ok: { type: 'propose', proposals: ['p'] } }],
      propose: [{ err: e }, { ok: true }],
    }),
    enqueueTasks: (e) => ({
      ...two,
      callModel: [{ ok: { type: 'propose', proposals: [], followUps: [{ payload: 'f' }] } }],
      enqueueTasks: [{ err: e }, { ok: [9] }],
    }),
    extendLease: (e) => ({ ...two, callModel: [slowDone], extendLease: [{ err: e }, { ok: undefined }] }),
    completeTask: (e) => ({ ...two, completeTask: [{ err: e }, { ok: undefined }] }),
    failTask: (e) => ({
      ...two,
      callModel: [{ err: coded('MALFORMED_OUTPUT') }, { ok: { type: 'done' } }],
      failTask: [{ err: e }, { ok: undefined }],
    }),
  };
  type Expect = { status: string; reason?: string; completed?: number; failed?: number; abandoned?: number };
  const stopsAndFatal: Record<'budget' | 'aborted' | 'fatal', Expect> = {
    budget: { status: 'stopped', reason: 'budget' },
    aborted: { status: 'stopped', reason: 'aborted' },
    fatal: { status: 'failed', reason: 'crash' },
  };
  const groups: Array<[string[], Record<Kind, Expect>]> = [
    [
      ['claimTask', 'electFinalizer'],
      {
        ...stopsAndFatal,
        leaseLost: { status: 'failed', reason: 'lease gone' },
        other: { status: 'failed', reason: 'oops' },
      },
    ],
    [
      ['readDigest', 'callModel', 'unfold', 'propose', 'enqueueTasks'],
      {
        ...stopsAndFatal,
        leaseLost: { status: 'done', completed: 1, failed: 0, abandoned: 1 },
        other: { status: 'done', completed: 1, failed: 1, abandoned: 0 },
      },
    ],
    [
      ['extendLease'],
      {
        ...stopsAndFatal,
        leaseLost: { status: 'done', completed: 1, abandoned: 1 },
        other: { status: 'done', completed: 2, failed: 0 },
      },
    ],
    [
      ['completeTask'],
      {
        ...stopsAndFatal,
        leaseLost: { status: 'done', completed: 1, abandoned: 1 },
        other: { status: 'failed', reason: 'oops' },
      },
    ],
    [
      ['failTask'],
      {
        ...stopsAndFatal,
        leaseLost: { status: 'done', completed: 1, failed: 0, abandoned: 1 },
        other: { status: 'failed', reason: 'oops' },
      },
    ],
  ];
  const cases = groups.flatMap(([actors, table]) =>
    actors.flatMap((actor) => (Object.keys(errors) as Kind[]).map((kind) => [actor, kind, table[kind]] as const)),
  );

  it.each(cases)('%s throwing a %s error → %o', async (actor, kind, expected) => {
    const { actor: agent, output } = runAgent(reach[actor]!(errors[kind]), { leaseExtendMs: 5 });
    const out = await output;
    const ctx = agent.getSnapshot().context;
    expect(out.status).toBe(expected.status);
    if (expected.reason !== undefined) expect(out.reason).toBe(expected.reason);
    if (expected.completed !== undefined) expect(out.tasksCompleted).toBe(expected.completed);
    if (expected.failed !== undefined) expect(out.tasksFailed).toBe(expected.failed);
    if (expected.abandoned !== undefined) expect(ctx.tally.tasksAbandoned).toBe(expected.abandoned);
    if (kind === 'other' && expected.failed === 1) expect(ctx.tally.lastError?.message).toBe('oops');
  });

  it('ends in failed when the finalizer child itself errors', async () => {
    const { output } = runAgent(
      { claimTask: [{ ok: null }], electFinalizer: [{ ok: { role: 'finalize', round: 1 } }], decide: [{ ok: more }] },
      {},
      () => {
        throw new Error('guard blew up');
      },
    );
    const out = await output;
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/guard blew up/);
  });
});

describe('task loop: one signal per agent', () => {
  it('gives every effect of every sub-task the same signal, and the model a new one only after a lost lease cancelled it', async () => {
    const { output, s } = runAgent(
      {
        claimTask: [{ ok: task(1) }, { ok: task(2) }, { ok: task(3) }, { ok: null }],
        callModel: [
          { ok: { type: 'propose', proposals: ['p'], followUps: [{ payload: 'f' }] } },
          hang(),
          { ok: { type: 'done' } },
        ],
        extendLease: [{ err: coded('LEASE_LOST') }],
      },
      { leaseExtendMs: 10 },
    );
    await output;
    const first = s.claimTask.signals[0];
    for (const effect of [s.readDigest, s.propose, s.enqueueTasks, s.completeTask])
      expect(effect.signals[0]).toBe(first);
    expect(s.claimTask.signals[1]).toBe(first);
    expect(s.callModel.signals.slice(0, 2)).toEqual([first, first]);
    // Task 2's lease was lost mid-call: that signal aborted, task 3 runs on a fresh one.
    expect(first?.aborted).toBe(true);
    expect(s.callModel.signals[2]).not.toBe(first);
    expect(s.callModel.signals[2]?.aborted).toBe(false);
    expect(s.completeTask.calls.map((c) => c.task.taskId)).toEqual([1, 3]);
  });

  it('reports the lease region in its thinking phases while an extension runs', async () => {
    const { output, phases } = runAgent(
      {
        callModel: [doneAfter(30)],
        extendLease: [{ run: (_i, _s, clock) => clock.sleep(5).then(() => undefined) }],
      },
      { leaseExtendMs: 10 },
    );
    await output;
    expect(phases).toEqual([
      'claiming',
      'reading',
      'thinking.model.calling|lease.holding',
      'thinking.model.calling|lease.extending',
      'thinking.model.calling|lease.holding',
      'thinking.model.calling|lease.extending',
      'thinking.model.calling|lease.holding',
      'completing',
      'claiming',
    ]);
  });
});

describe('task loop: an extension outliving its thinking', () => {
  it('is cancelled when the model step ends first: its result is dropped and no extension follows', async () => {
    const { actor, output, phases, s, clock } = runAgent(
      { callModel: [doneAfter(12)], extendLease: [{ run: (_i, _s, c) => c.sleep(5).then(() => undefined) }] },
      { leaseExtendMs: 10 },
    );
    await output;
    clock.increment(1_000);
    await settle();
    expect(s.extendLease.at).toEqual([10]);
    expect(s.extendLease.signals[0]?.aborted).toBe(true);
    expect(actor.getSnapshot().context.tally.leaseExtensions).toBe(0);
    expect(phases.slice(-3)).toEqual(['thinking.model.calling|lease.extending', 'completing', 'claiming']);
  });
});

describe('agent machine: coverage', () => {
  it('every transition of the agent machine was taken by the tests above', () => {
    expect(untaken(agentMachine)).toEqual([]);
  });

  it("the task loop's chart draws every phase change the loop made above, and each of its edges was made", () => {
    // A phase's leaf phases: `thinking.model.calling|lease.holding` is in two regions at once.
    const leaves = (p: string): string[] =>
      p.startsWith('thinking.')
        ? p
            .slice('thinking.'.length)
            .split('|')
            .map((r) => `thinking.${r}`)
        : [p];
    const steps: Array<{ out: string[]; in: string[]; key: string }> = [];
    for (const run of phaseRuns)
      for (let i = 1; i < run.length; i++) {
        const a = leaves(run[i - 1]!);
        const b = leaves(run[i]!);
        const out = a.filter((x) => !b.includes(x));
        const into = b.filter((x) => !a.includes(x));
        if (out.length > 0) steps.push({ out, in: into, key: `${run[i - 1]} -> ${run[i]}` });
      }
    const explains = (e: (typeof taskLoopChart.edges)[number], step: (typeof steps)[number]) =>
      step.out.includes(e.from) && step.in.some((x) => x === e.to || x.startsWith(`${e.to}.`));
    const undrawn = [
      ...new Set(steps.filter((st) => !taskLoopChart.edges.some((e) => explains(e, st))).map((st) => st.key)),
    ];
    expect(undrawn).toEqual([]);
    const unmade = taskLoopChart.edges.filter((e) => !steps.some((st) => explains(e, st)));
    expect(unmade.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });
});

describe('task loop: effects', () => {
  it('runs a host’s complete effects as given, and fills a partial set with effects that throw NOT_PROVIDED', async () => {
    const noop = async () => undefined;
    // Every effect's name, as the loop's own stubs have them.
    const full = Object.fromEntries(Object.keys(completeEffects({})).map((n) => [n, noop])) as unknown as AgentEffects;
    // Every agent start hands its effects over: a complete set is not copied.
    expect(completeEffects(full)).toBe(full);
    const claimed = { taskId: 1, attempt: 1, payload: 'p' };
    const partial = completeEffects({ claimTask: async () => claimed });
    const signal = new AbortController().signal;
    await expect(partial.claimTask({ agentId: 1 }, signal)).resolves.toBe(claimed);
    expect(() => partial.callModel({} as never, signal)).toThrow(expect.objectContaining({ code: 'NOT_PROVIDED' }));
  });
});
