import { describe, expect, it } from 'vitest';
import {
  activeStates,
  ancestors,
  firedEdges,
  leafIds,
  lineage,
} from '../../../../src/inspector/page/client/chart-states.js';
import { THINKING_CHART_IDS } from './events.js';

const known = THINKING_CHART_IDS;

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

  it('makes the deepest drawn state the leaf when the state value goes deeper than the chart', () => {
    const drawn = new Set(['agent.finalizing', 'agent.done']);
    expect(activeStates('agent', 'finalizing.deciding', drawn)).toEqual([['agent.finalizing', 'active-leaf']]);
    expect(activeStates('agent', 'done', drawn)).toEqual([['agent.done', 'active-leaf']]);
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

  describe('a loop drawn inside the state that runs it', () => {
    // As `delm machines` draws the agent: the task loop's phases sit in `working`, ids not nested under it.
    const parentOf = new Map<string, string | null>([
      ['agent.idle', 'agent'],
      ['agent.working', 'agent'],
      ['agent.electing', 'agent'],
      ['agent.claiming', 'agent.working'],
      ['agent.thinking', 'agent.working'],
      ['agent.thinking.model', 'agent.thinking'],
      ['agent.thinking.model.calling', 'agent.thinking.model'],
      ['agent.thinking.lease', 'agent.thinking'],
      ['agent.thinking.lease.holding', 'agent.thinking.lease'],
    ]);

    it('marks the host state active with the phase', () => {
      expect(lineage('agent', 'agent.thinking.model.calling', parentOf)).toEqual([
        'agent.thinking.model.calling',
        'agent.thinking.model',
        'agent.thinking',
        'agent.working',
      ]);
      expect(activeStates('agent', 'claiming', parentOf, parentOf)).toEqual([
        ['agent.claiming', 'active-leaf'],
        ['agent.working', 'active'],
      ]);
    });

    it("flashes the host's own edge when the loop hands back to the machine", () => {
      expect(firedEdges('agent', 'claiming', 'electing', parentOf, parentOf)).toContain(
        'agent.working->agent.electing',
      );
      expect(firedEdges('agent', 'idle', 'claiming', parentOf, parentOf)).toContain('agent.idle->agent.working');
    });

    it('falls back to the id for states the chart does not place', () => {
      expect(lineage('agent', 'agent.a.b', parentOf)).toEqual(['agent.a.b', 'agent.a']);
    });
  });
});
