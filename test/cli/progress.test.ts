import { describe, expect, it } from 'vitest';
import { agentsLine } from '../../src/cli/progress.js';

describe('the live progress agents line', () => {
  it("shows each agent's state while they fit, and says when they share threads", () => {
    const agents = new Map([
      [2, 'claiming'],
      [1, 'thinking.model.calling|lease.holding'],
    ]);
    expect(agentsLine(agents, undefined)).toBe('a1:thinking.model.calling|lease.holding  a2:claiming');
    expect(agentsLine(agents, 1)).toBe('2 on 1 thread: a1:thinking.model.calling|lease.holding  a2:claiming');
  });

  it('counts agents by state past a screenful, so a thousand agents stay one line', () => {
    const agents = new Map<number, string>();
    for (let id = 1; id <= 1_000; id++)
      agents.set(id, id % 4 === 0 ? 'claiming' : id % 4 === 1 ? 'proposing' : 'thinking.model.calling|lease.holding');
    expect(agentsLine(agents, 2)).toBe('1000 on 2 threads: 500 thinking · 250 claiming · 250 proposing');
    expect(agentsLine(agents, undefined)).toBe('1000: 500 thinking · 250 claiming · 250 proposing');
    expect(agentsLine(new Map(), 2)).toBe('');
  });
});
