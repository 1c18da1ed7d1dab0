import { describe, expect, it } from 'vitest';
import type { SwarmEvent } from '../../../../src/runtime/events.js';
import { COLOURS } from '../../../../src/inspector/page/client/state-colours.js';
import {
  SHOWN_CARDS,
  agentCount,
  isSwarm,
  stateCounts,
  tileCategory,
  tileTitle,
} from '../../../../src/inspector/page/client/swarm-view.js';
import { layoutTimeline } from '../../../../src/inspector/page/client/timeline.js';
import { THINKING_CHART_IDS, runOf } from './events.js';

const known = new Set([...THINKING_CHART_IDS, 'agent.released']);

/** `n` agents and the verifier: agent i claims at 0, thinks from 10 to 110, then odd ones are released. */
function swarmRun(n: number, upTo = Infinity): SwarmEvent[] {
  const events: SwarmEvent[] = [
    { type: 'run.started', at: 0, runId: 'r', agents: n, tasks: n },
    { type: 'agent.state', at: 0, agentId: 0, state: 'waiting' },
  ];
  for (let id = 1; id <= n; id++) events.push({ type: 'agent.state', at: 0, agentId: id, state: 'claiming' });
  for (let id = 1; id <= n; id++)
    events.push({ type: 'agent.state', at: 10, agentId: id, state: 'thinking.model.calling|lease.holding' });
  for (let id = 1; id <= n; id += 2) events.push({ type: 'agent.state', at: 110, agentId: id, state: 'released' });
  return events.filter((e) => e.at <= upTo);
}

describe('the agents panel of a swarm', () => {
  it('takes over past a screenful of agents, the verifier not counted', () => {
    expect(isSwarm(runOf(swarmRun(SHOWN_CARDS)))).toBe(false);
    const run = runOf(swarmRun(SHOWN_CARDS + 1));
    expect(agentCount(run)).toBe(SHOWN_CARDS + 1);
    expect(isSwarm(run)).toBe(true);
  });

  it('counts the agents in each state, each compound state once for every agent inside it', () => {
    const agents = [...runOf(swarmRun(20)).agents.values()].filter((a) => a.id > 0);
    expect(Object.fromEntries(stateCounts('agent', agents, known))).toEqual({
      'agent.released': 10,
      'agent.thinking.model.calling': 10,
      'agent.thinking.lease.holding': 10,
      'agent.thinking.model': 10,
      'agent.thinking.lease': 10,
      // One per agent, though each agent's value lights it through both regions.
      'agent.thinking': 10,
    });
    const early = [...runOf(swarmRun(20, 5)).agents.values()].filter((a) => a.id > 0);
    expect(Object.fromEntries(stateCounts('agent', early, known))).toEqual({ 'agent.claiming': 20 });
  });

  it("says on a tile what its agent does, and colours it by the state's category", () => {
    const run = runOf([
      ...swarmRun(20),
      { type: 'task.claimed', at: 11, agentId: 2, taskId: 7, attempt: 1, leaseMs: 1 },
    ]);
    const two = run.agents.get(2)!;
    expect(tileTitle(two)).toBe('agent 2 · thinking.model.calling|lease.holding · task #7');
    expect(tileCategory(two)).toBe('think');
    expect(tileCategory(run.agents.get(1)!)).toBe('idle');
    expect(tileCategory({ ...two, state: null })).toBe('idle');
  });
});

describe('the timeline of a swarm', () => {
  it('keeps the verifier its row and stacks the agents in one band, every agent filling it', () => {
    const run = runOf(swarmRun(20));
    const layout = layoutTimeline(run, 200, 578);
    expect(layout.rows.map((r) => r.text)).toEqual(['verifier', '20 agents']);
    expect(layout.height).toBe(4 + 16 + 96 + 16);
    // 500 px of plot, 2 px a column: 250 columns of 0.8 ms each.
    const band = layout.bars.filter((b) => b.y >= 4 + 16);
    const column = (x: number) => band.filter((b) => b.x === 70 + x);
    const height = (bars: typeof band) => bars.reduce((h, b) => h + b.h, 0);
    // At 50 ms (column 62) all 20 think: the band is full and blue.
    expect(column(2 * 62).map((b) => b.colour)).toEqual([COLOURS.think]);
    expect(height(column(2 * 62))).toBeCloseTo(96, 9);
    // At 150 ms half were released (not drawn) and half still think.
    expect(height(column(2 * 187))).toBeCloseTo(48, 9);
    // Column 12 (9.6–10.4 ms) holds the switch from claiming to thinking at 10 ms, in proportion.
    const split = column(2 * 12);
    expect(split.map((b) => b.colour)).toEqual([COLOURS.wait, COLOURS.think]);
    expect(split.map((b) => b.h / 96)).toEqual([expect.closeTo(0.5, 9), expect.closeTo(0.5, 9)]);
    // Stacked from the band's bottom, never past its top.
    for (const b of band) expect(b.y).toBeGreaterThanOrEqual(4 + 16 - 1e-9);
    for (let x = 0; x < 500; x += 2) expect(height(column(x))).toBeLessThanOrEqual(96 + 1e-9);
  });

  it('draws a row per agent up to a screenful of them, as before', () => {
    const layout = layoutTimeline(runOf(swarmRun(SHOWN_CARDS)), 200, 578);
    expect(layout.rows).toHaveLength(SHOWN_CARDS + 1);
    expect(layout.height).toBe(4 + (SHOWN_CARDS + 1) * 16 + 16);
  });
});
