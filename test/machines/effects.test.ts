import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, toPromise } from 'xstate';
import { agentMachine, fromTaskLoop } from '../../machines/agent.js';
import type { AgentEffects, Election, ElectFinalizerInput } from '../../machines/types.js';

/** Runs an agent over `tasks` instant sub-tasks; returns how many actors were created and the output. */
async function runInstant(tasks: number) {
  let claimed = 0;
  const effects: AgentEffects = {
    claimTask: () => (claimed < tasks ? { taskId: ++claimed, attempt: 1, payload: 'p' } : null),
    readDigest: () => 'digest',
    callModel: () => ({ type: 'propose', proposals: [{ text: 'x' }], followUps: [], result: 'r' }),
    unfold: () => [],
    propose: () => undefined,
    enqueueTasks: () => [],
    completeTask: () => undefined,
    failTask: () => undefined,
    extendLease: () => undefined,
  };
  const machine = agentMachine.provide({
    actors: {
      taskLoop: fromTaskLoop({ effects }),
      electFinalizer: fromPromise<Election, ElectFinalizerInput>(async () => ({ role: 'exit' })),
    },
  });
  let actorsCreated = 0;
  const actor = createActor(machine, {
    input: { agentId: 1 },
    inspect: (e) => {
      if (e.type === '@xstate.actor') actorsCreated++;
    },
  });
  const output = toPromise(actor);
  actor.start();
  return { output: await output, actorsCreated };
}

describe('agent task loop', () => {
  it('runs sub-tasks without creating an actor per step: 50 sub-tasks create as many actors as 1', async () => {
    const one = await runInstant(1);
    const fifty = await runInstant(50);
    expect(one.output).toMatchObject({ status: 'done', tasksCompleted: 1 });
    expect(fifty.output).toMatchObject({ status: 'done', tasksCompleted: 50 });
    // The machine, its task loop and the one election: the same for any number of sub-tasks.
    expect(fifty.actorsCreated).toBe(one.actorsCreated);
    expect(fifty.actorsCreated).toBeLessThanOrEqual(3);
  });

  it('fails an effect the host did not provide with NOT_PROVIDED, naming it', async () => {
    const machine = agentMachine.provide({
      actors: { taskLoop: fromTaskLoop({ effects: { claimTask: () => null } }) },
    });
    const actor = createActor(machine, { input: { agentId: 1 } });
    const output = toPromise(actor);
    actor.start();
    // claimTask was provided (the queue is drained); electFinalizer was not, and is fatal.
    expect(await output).toMatchObject({ status: 'failed', reason: expect.stringMatching(/electFinalizer/) });
    const noRead = agentMachine.provide({
      actors: { taskLoop: fromTaskLoop({ effects: { claimTask: () => ({ taskId: 1, attempt: 1, payload: 'p' }) } }) },
    });
    const second = createActor(noRead, { input: { agentId: 1 } });
    const out2 = toPromise(second);
    second.start();
    expect(await out2).toMatchObject({ status: 'failed', reason: expect.stringMatching(/readDigest.*not provided/) });
  });
});
