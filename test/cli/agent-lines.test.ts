import { describe, expect, it } from 'vitest';
import { agentLines } from '../../src/cli/redis-run.js';
import type { SwarmEvent } from '../../src/runtime/events.js';

describe('agentLines (delm worker and resume output)', () => {
  it("prints each agent's start and end, with the task a crashed one held, and leaves out releases", () => {
    const out: string[] = [];
    const print = agentLines((text) => out.push(text));
    const events = [
      { type: 'agent.started', at: 1, agentId: 7 },
      { type: 'agent.state', at: 2, agentId: 7, state: 'claiming' },
      { type: 'agent.stopped', at: 3, agentId: 7, status: 'released', reason: undefined },
      { type: 'agent.stopped', at: 4, agentId: 8, status: 'stopped', reason: 'aborted' },
      { type: 'agent.stopped', at: 5, agentId: 9, status: 'done', reason: undefined },
      { type: 'agent.crashed', at: 6, agentId: 10, error: 'agent did not stop within 0 ms', heldTaskId: 1 },
      { type: 'agent.crashed', at: 7, agentId: 11, error: 'worker exited', heldTaskId: undefined },
    ] as SwarmEvent[];
    for (const event of events) print(event);
    expect(out.join('')).toBe(
      [
        'agent 7 started',
        'agent 8 stopped: aborted',
        'agent 9 done',
        'agent 10 crashed: agent did not stop within 0 ms (it held task 1)',
        'agent 11 crashed: worker exited',
        '',
      ].join('\n'),
    );
  });
});
