import { describe, expect, it } from 'vitest';
import type { SwarmEvent } from '../../../../src/runtime/events.js';
import { emptyRun } from '../../../../src/inspector/page/client/model.js';
import { COLOURS, TOOL_COLOURS } from '../../../../src/inspector/page/client/state-colours.js';
import {
  layoutTimeline,
  niceStep,
  waitingByCause,
  workingAgents,
} from '../../../../src/inspector/page/client/timeline.js';
import { RUN, runOf } from './events.js';

const running = runOf(RUN.slice(0, -1));
const finished = runOf(RUN);

describe('timeline layout', () => {
  it('gives every agent a row, the verifier first, and sizes the canvas to the rows and the axis', () => {
    const layout = layoutTimeline(finished, 500, 578);
    expect(layout.rows.map((r) => r.text)).toEqual(['verifier', 'agent 1', 'agent 2']);
    expect(layout.rows.map((r) => r.y)).toEqual([15, 31, 47]);
    expect(layout.height).toBe(4 + 3 * 16 + 16);
    expect(layout.width).toBe(578);
  });

  it('draws each stretch in its row, in its state’s colour, scaled to the run so far', () => {
    // 578 px wide, 70 for labels and 8 of margin: 500 px for 500 ms.
    const layout = layoutTimeline(finished, 500, 578);
    const agent1 = layout.bars.filter((b) => b.y === 4 + 16 + 2);
    expect(agent1).toEqual([
      { x: 71, y: 22, w: 9, h: 12, colour: COLOURS.wait },
      { x: 80, y: 22, w: 290, h: 12, colour: COLOURS.think },
      { x: 370, y: 22, w: 12, h: 12, colour: COLOURS.act },
      { x: 382, y: 22, w: 188, h: 12, colour: COLOURS.wait },
    ]);
    // Nothing runs past the right edge.
    for (const b of layout.bars) expect(b.x + b.w).toBeLessThanOrEqual(570 + 1e-9);
  });

  it('draws the current stretch of a running agent up to now, and at least a pixel wide', () => {
    const now = 450;
    const layout = layoutTimeline(running, now, 578);
    const agent2 = layout.bars.filter((b) => b.y === 4 + 2 * 16 + 2);
    const scale = 500 / now;
    expect(agent2.at(-1)).toMatchObject({
      x: 70 + 20 * scale,
      w: expect.closeTo((now - 20) * scale, 6),
      colour: COLOURS.think,
    });
    const instant = runOf([{ type: 'agent.state', at: 5, agentId: 1, state: 'reading' }]);
    expect(layoutTimeline(instant, 5, 578).bars[0]!.w).toBe(1);
  });

  it('marks the time axis at round intervals, about eight across', () => {
    const layout = layoutTimeline(finished, 500, 578);
    expect(layout.ticks.map((t) => t.label.text)).toEqual(['0.0 s', '0.1 s', '0.2 s', '0.3 s', '0.4 s', '0.5 s']);
    expect(layout.ticks.map((t) => t.mark.x)).toEqual([70, 170, 270, 370, 470, 570]);
    expect(layoutTimeline(finished, 95_000, 578).ticks.map((t) => t.label.text)).toEqual([
      '0 s',
      '15 s',
      '30 s',
      '45 s',
      '60 s',
      '75 s',
      '90 s',
    ]);
    expect([niceStep(0), niceStep(51), niceStep(12_000), niceStep(10_000_000)]).toEqual([50, 100, 15_000, 1_800_000]);
  });

  it('marks each tool call along the bottom of its agent’s row, a failed one in red, a running one up to now', () => {
    const result = { label: 'R1.t1', hash: 'h', bytes: 10, truncated: false, costUsd: 0, taskId: 0 } as const;
    const called = (at: number, callId: string) =>
      ({ type: 'tool.called', at, agentId: 1, taskId: 0, tool: 'grep', callId, input: '{}' }) as const;
    const run = runOf([
      ...RUN.slice(0, -1),
      called(100, 'a'),
      { type: 'tool.result', at: 150, agentId: 1, tool: 'grep', callId: 'a', latencyMs: 50, ...result },
      called(200, 'b'),
      {
        type: 'tool.result',
        at: 210,
        agentId: 1,
        tool: 'grep',
        callId: 'b',
        latencyMs: 10,
        ...result,
        error: { code: 'TOOL_TIMEOUT', message: 'late' },
      },
      called(300, 'c'),
    ]);
    expect(run.tools.map((t) => [t.start, t.end, t.error])).toEqual([
      [100, 150, null],
      [200, 210, 'TOOL_TIMEOUT'],
      [300, null, null],
    ]);
    // Agent 1's row starts at y 20; the marks sit in its last 5 px. 500 px for 500 ms.
    expect(layoutTimeline(run, 400, 578).tools).toEqual(
      [
        { x: 170, y: 31, w: 50, h: 3, colour: TOOL_COLOURS.ok },
        { x: 270, y: 31, w: 10, h: 3, colour: TOOL_COLOURS.failed },
        { x: 370, y: 31, w: 100, h: 3, colour: TOOL_COLOURS.ok },
      ].map((b) => ({ ...b, x: 70 + (b.x - 70) * (500 / 400), w: b.w * (500 / 400) })),
    );
  });

  it('draws nothing but the axis before any agent started', () => {
    const layout = layoutTimeline(emptyRun(), 0, 600);
    expect(layout).toMatchObject({ rows: [], bars: [], tools: [], height: 20 });
    expect(layout.ticks.map((t) => t.label.text)).toEqual(['0.0 s']);
  });
});

describe('waiting share and working agents', () => {
  it('splits the agents’ waiting by cause over all their time, as the run’s result does, leaving out the verifier', () => {
    // Agent 1 claims 9 + 188 of 499 ms (the last claim open at the end); agent 2 claims 18 of 498.
    expect(waitingByCause(finished, 500)).toEqual({
      claiming: expect.closeTo((9 + 188 + 18) / (499 + 498), 10),
      tail: 0,
      verifier: 0,
      decision: 0,
    });
    expect(waitingByCause(emptyRun(), 0)).toBeNull();
    // Agent 1 claims a task (10 ms), works 50, then claims in vain until released (40: the round's tail);
    // agent 2 claims in vain until it elects itself (30), elects (10), waits for the verifier (5), decides (45).
    const round: SwarmEvent[] = [
      { type: 'run.started', at: 0, runId: 'r', agents: 2, tasks: 1 },
      { type: 'agent.state', at: 0, agentId: 0, state: 'waiting' },
      { type: 'agent.state', at: 0, agentId: 1, state: 'claiming' },
      { type: 'agent.state', at: 0, agentId: 2, state: 'claiming' },
      { type: 'agent.state', at: 10, agentId: 1, state: 'thinking.model.calling|lease.holding' },
      { type: 'agent.state', at: 30, agentId: 2, state: 'electing' },
      { type: 'agent.state', at: 40, agentId: 2, state: 'finalizing.settling' },
      { type: 'agent.state', at: 45, agentId: 2, state: 'finalizing.deciding' },
      { type: 'agent.state', at: 60, agentId: 1, state: 'claiming' },
      { type: 'agent.state', at: 90, agentId: 2, state: 'done' },
      { type: 'agent.state', at: 100, agentId: 1, state: 'released' },
      { type: 'run.finished', at: 100, stopReason: 'answered' },
    ];
    const share = (ms: number) => expect.closeTo(ms / 190, 10);
    expect(waitingByCause(runOf(round), 100)).toEqual({
      claiming: share(10),
      tail: share(40 + 30),
      verifier: share(5),
      decision: share(10),
    });
    // While agent 1's last claim is open it counts as mid-round: nobody knows yet that the round has ended.
    expect(waitingByCause(runOf(round.slice(0, 9)), 80)).toMatchObject({
      claiming: expect.closeTo((10 + 20) / 160, 10),
    });
  });

  it('counts agents that are neither waiting nor finished, and none once the run finished', () => {
    expect(workingAgents(running)).toBe(1);
    expect(workingAgents(finished)).toBe(0);
  });
});
