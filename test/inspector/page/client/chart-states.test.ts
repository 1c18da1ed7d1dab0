import { describe, expect, it } from 'vitest';
import { activeStates, ancestors, firedEdges, leafIds } from '../../../../src/inspector/page/client/chart-states.js';

// The agent chart's ids around the thinking state (two parallel regions).
const known = new Set([
  'agent.claiming',
  'agent.thinking',
  'agent.thinking.model',
  'agent.thinking.model.calling',
  'agent.thinking.lease',
  'agent.thinking.lease.holding',
  'agent.proposing',
]);

describe('chart states', () => {
  it('lists a state and its ancestors below the machine', () => {
    expect(ancestors('agent.thinking.model.calling')).toEqual([
      'agent.thinking.model.calling',
      'agent.thinking.model',
      'agent.thinking',
    ]);
    expect(ancestors('agent')).toEqual([]);
  });

  it('resolves each parallel region of a state value against an ancestor of the one before', () => {
    expect(leafIds('agent', 'thinking.model.calling|lease.holding', known)).toEqual([
      'agent.thinking.model.calling',
      'agent.thinking.lease.holding',
    ]);
    expect(leafIds('agent', 'claiming', known)).toEqual(['agent.claiming']);
    expect(leafIds('agent', null, known)).toEqual([]);
    // Unknown chart: taken as written.
    expect(leafIds('agent', 'a.b|c')).toEqual(['agent.a.b', 'agent.c']);
  });

  it('marks the leaves active-leaf and their ancestors active', () => {
    expect(activeStates('agent', 'thinking.model.calling|lease.holding', known)).toEqual([
      ['agent.thinking.model.calling', 'active-leaf'],
      ['agent.thinking.model', 'active'],
      ['agent.thinking', 'active'],
      ['agent.thinking.lease.holding', 'active-leaf'],
      ['agent.thinking.lease', 'active'],
      ['agent.thinking', 'active'],
    ]);
  });

  it('finds the edges a change may have taken between any ancestors of the two states', () => {
    expect(firedEdges('agent', 'claiming', 'thinking.model.calling|lease.holding', known).sort()).toEqual(
      [
        'agent.claiming->agent.thinking',
        'agent.claiming->agent.thinking.lease',
        'agent.claiming->agent.thinking.lease.holding',
        'agent.claiming->agent.thinking.model',
        'agent.claiming->agent.thinking.model.calling',
      ].sort(),
    );
    expect(firedEdges('agent', 'thinking.model.calling|lease.holding', 'proposing', known)).toContain(
      'agent.thinking->agent.proposing',
    );
  });
});
