import { describe, expect, it } from 'vitest';
import { Timeline } from '../../src/runtime/timeline.js';

describe('Timeline', () => {
  it('tells each wait apart by its cause and the state that followed it', () => {
    const t = new Timeline();
    // Agent 1: waits 10 ms for a task, works 40, then waits 30 at the end of the round, 10 for the decision.
    t.record(1, 'claiming', 0);
    t.record(1, 'reading', 10);
    t.record(1, 'thinking.model.calling', 20);
    t.record(1, 'claiming', 50);
    t.record(1, 'electing', 80);
    t.record(1, 'done', 90);
    // Agent 2: the final agent: 5 ms for a task, 20 for the verifier to settle, then reads and decides.
    t.record(2, 'claiming', 0);
    t.record(2, 'reading', 5);
    t.record(2, 'finalizing.settling', 10);
    t.record(2, 'finalizing.reading', 30);
    t.record(2, 'finalizing.deciding', 35);
    const spans = t.close(90);
    expect(spans.filter((s) => s.wait).map((s) => [s.agentId, s.state, s.wait])).toEqual([
      [1, 'claiming', 'claiming'],
      [2, 'claiming', 'claiming'],
      [2, 'finalizing.settling', 'verifier'],
      [1, 'claiming', 'tail'],
      [1, 'electing', 'decision'],
    ]);
    const total = 90 + 90;
    const w = Timeline.waitingByCause(spans);
    expect(w.claiming).toBeCloseTo(15 / total);
    expect(w.tail).toBeCloseTo(30 / total);
    expect(w.verifier).toBeCloseTo(20 / total);
    expect(w.decision).toBeCloseTo(10 / total);
    expect(Timeline.waitingShare(spans)).toBeCloseTo(75 / total);
  });

  it("counts a released agent's last claim as the tail, and none of its time after the release", () => {
    const t = new Timeline();
    t.record(1, 'claiming', 0);
    t.record(1, 'reading', 10);
    t.record(1, 'claiming', 50);
    t.record(1, 'released', 52);
    // Started again for a follow-up: its time counts from then.
    t.record(1, 'claiming', 200);
    t.record(1, 'reading', 202);
    t.record(1, 'done', 250);
    const spans = t.close(300);
    expect(spans.filter((s) => s.wait).map((s) => [s.state, s.start, s.wait])).toEqual([
      ['claiming', 0, 'claiming'],
      ['claiming', 50, 'tail'],
      ['claiming', 200, 'claiming'],
    ]);
    expect(spans.reduce((n, s) => n + s.end - s.start, 0)).toBe(52 + 50);
    expect(Timeline.waitingByCause(spans).tail).toBeCloseTo(2 / 102);
  });

  it('is all zero without agent time', () => {
    expect(Timeline.waitingByCause([])).toEqual({ claiming: 0, tail: 0, verifier: 0, decision: 0 });
    expect(Timeline.waitingShare(new Timeline().close(0))).toBe(0);
  });
});
