import { describe, expect, it } from 'vitest';
import { agentMachine } from '../../machines/agent.js';
import { describeMachine, machineToMermaid, toMermaid } from '../../machines/describe.js';
import { finalizerMachine } from '../../machines/finalizer.js';
import { taskLoopChart } from '../../machines/task-loop.js';
import { verifierMachine } from '../../machines/verifier.js';
import { allTransitionKeys } from './scripted.js';

describe('describeMachine', () => {
  it('lists every state with its parent, type, initial child and invoked actors', () => {
    const g = describeMachine(agentMachine);
    const byId = new Map(g.states.map((s) => [s.id, s]));
    expect(g.id).toBe('agent');
    expect(byId.get('agent')).toMatchObject({ type: 'compound', initial: 'agent.working', parent: null });
    expect(byId.get('agent.working')).toMatchObject({
      type: 'compound',
      parent: 'agent',
      initial: 'agent.claiming',
      invokes: ['taskLoop'],
    });
    // The task loop's phases, drawn inside `working` under the names the host reports for them.
    expect(byId.get('agent.claiming')).toMatchObject({ type: 'atomic', parent: 'agent.working', loop: true });
    expect(byId.get('agent.thinking')).toMatchObject({ type: 'parallel', parent: 'agent.working', loop: true });
    expect(byId.get('agent.thinking.model.calling')).toMatchObject({ type: 'atomic', invokes: ['callModel'] });
    expect(byId.get('agent.thinking.model')).toMatchObject({ initial: 'agent.thinking.model.calling' });
    expect(byId.get('agent.finalizing')?.invokes).toEqual(['finalizer']);
    expect(['done', 'stopped', 'failed'].map((k) => byId.get(`agent.${k}`)?.type)).toEqual(['final', 'final', 'final']);
  });

  it('lists every transition of the machine, with trigger, guard, targets and actions', () => {
    for (const machine of [agentMachine, finalizerMachine, verifierMachine]) {
      const g = describeMachine(machine);
      // The machine's own transitions, beside the steps of a loop drawn inside a state.
      expect(g.transitions.filter((t) => t.loop === undefined)).toHaveLength(allTransitionKeys(machine).length);
      const ids = new Set(g.states.map((s) => s.id));
      for (const t of g.transitions) for (const target of t.targets) expect(ids.has(target)).toBe(true);
    }
    const g = describeMachine(agentMachine);
    expect(g.transitions).toContainEqual({
      source: 'agent.thinking.model.calling',
      targets: ['agent.thinking.model.backingOff'],
      trigger: { kind: 'error', actor: 'callModel' },
      guard: 'shouldRetry',
      actions: [],
      label: 'error callModel [shouldRetry]',
      loop: true,
    });
    expect(g.transitions.filter((t) => t.loop)).toHaveLength(taskLoopChart.edges.length);
    expect(g.transitions).toContainEqual(
      expect.objectContaining({
        source: 'agent.working',
        targets: ['agent.stopped'],
        trigger: { kind: 'error', actor: 'taskLoop' },
        guard: 'errorIs(budget)',
      }),
    );
    expect(g.transitions).toContainEqual(
      expect.objectContaining({
        source: 'agent.thinking.model.backingOff',
        trigger: { kind: 'after', delay: 'backoff' },
      }),
    );
    expect(g.transitions).toContainEqual(
      expect.objectContaining({
        source: 'agent.proposing',
        targets: ['agent.enqueueing'],
        trigger: { kind: 'done', actor: 'propose' },
        guard: 'hasFollowUps',
      }),
    );
    expect(g.transitions).toContainEqual(
      expect.objectContaining({
        source: 'agent',
        trigger: { kind: 'event', event: 'STOP' },
        targets: ['agent.stopped'],
      }),
    );
    expect(describeMachine(finalizerMachine).transitions).toContainEqual(
      expect.objectContaining({ guard: 'mayEnqueue && budgetAllows', targets: ['finalizer.enqueueing'] }),
    );
  });

  it("draws the effects the verifier requests as its states' invokes, and the batch loop back to deciding", () => {
    const g = describeMachine(verifierMachine);
    const byId = new Map(g.states.map((s) => [s.id, s]));
    expect(byId.get('verifier.waiting')?.invokes).toEqual(['receiveProposals']);
    expect(byId.get('verifier.deciding')?.invokes).toEqual(['decide']);
    expect(byId.get('verifier.rejecting')?.invokes).toEqual(['recordFailure']);
    // A batch is decided in one step; after a rejection recorded, the rest of the batch is decided.
    expect(g.transitions).toContainEqual(
      expect.objectContaining({
        source: 'verifier.deciding',
        targets: ['verifier.waiting'],
        trigger: { kind: 'done', actor: 'decide' },
      }),
    );
    expect(g.transitions).toContainEqual(
      expect.objectContaining({
        source: 'verifier.rejecting',
        targets: ['verifier.deciding'],
        trigger: { kind: 'done', actor: 'recordFailure' },
        guard: 'moreInBatch',
      }),
    );
  });

  it('is plain JSON', () => {
    const g = describeMachine(verifierMachine);
    expect(JSON.parse(JSON.stringify(g))).toEqual(g);
  });
});

describe('toMermaid', () => {
  const text = machineToMermaid(agentMachine);
  const lines = text.split('\n');

  it('draws a stateDiagram-v2 with every state declared once', () => {
    expect(lines[0]).toBe('stateDiagram-v2');
    for (const s of describeMachine(agentMachine).states.filter((x) => x.parent !== null)) {
      expect(lines.filter((l) => l.trim().startsWith(`state "${s.key}" as ${s.id.replace(/\./g, '_')}`))).toHaveLength(
        1,
      );
    }
  });

  it('draws initial and final markers, parallel regions and lifted edges', () => {
    expect(lines).toContain('  [*] --> agent_working');
    expect(lines).toContain('  agent_done --> [*]');
    expect(lines.some((l) => l.trim() === '--')).toBe(true);
    // An edge from deep inside the parallel state is drawn from the state at the right level.
    expect(lines).toContain('    agent_thinking --> agent_unfolding : done callModel [canUnfold]');
    expect(lines).toContain('    [*] --> agent_claiming');
    expect(lines).toContain(
      '        agent_thinking_model_calling --> agent_thinking_model_backingOff : error callModel [shouldRetry]',
    );
    expect(lines).toContain('  note left of agent_stopped : from any state on STOP, BUDGET_EXHAUSTED');
  });

  it('balances its braces and keeps labels free of characters Mermaid would split on', () => {
    expect((text.match(/\{/g) ?? []).length).toBe((text.match(/\}/g) ?? []).length);
    for (const l of lines.filter((x) => x.includes(' --> ') && x.includes(' : ')))
      expect(l.split(' : ')[1]).not.toMatch(/[:;{}]/);
    expect(toMermaid(describeMachine(finalizerMachine))).toContain(
      'finalizer_deciding --> finalizer_deciding : done decide [notRefusedYet]',
    );
  });
});
