import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { agentsLine, agentsOnThreads } from '../../src/cli/progress.js';

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

describe("a command's opening line on agents and threads", () => {
  it('says how many threads the agents share, and when that is the default above 256 agents', () => {
    expect(agentsOnThreads(1, undefined)).toBe('1 agent');
    expect(agentsOnThreads(256, undefined)).toBe('256 agents');
    expect(agentsOnThreads(64, 1)).toBe('64 agents on 1 thread');
    expect(agentsOnThreads(1_000, 4)).toBe('1000 agents on 4 threads');
    expect(agentsOnThreads(2, 8)).toBe('2 agents on 2 threads'); // before: "on 8 threads", though it starts 2
    const cores = Math.min(256, availableParallelism());
    expect(agentsOnThreads(1_000, undefined)).toBe(
      `1000 agents on ${cores} thread${cores === 1 ? '' : 's'} (one per core: the default above 256 agents; --threads <n> to choose)`,
    );
  });
});
