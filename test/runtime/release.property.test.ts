/**
 * Releasing idle agents never loses work or hangs a run: for any number of agents (a thread each or
 * sharing 2), sub-tasks, follow-ups a straggler asks for, model speed and rounds, the run answers
 * with every sub-task's finding, and an agent does nothing between its release and its next start.
 * Real worker threads; fast-check picks the runs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SwarmEvent } from '../../src/runtime/events.js';
import { createSwarm } from '../../src/runtime/swarm.js';

const modelModule = new URL('./fixtures/scripted-swarm-model.ts', import.meta.url).href;

describe('released agents, any run', () => {
  it('answers with every finding, and a released agent is quiet until it is started again', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          agents: fc.integer({ min: 2, max: 5 }),
          threads: fc.constantFrom(undefined, 2),
          tasks: fc.integer({ min: 1, max: 6 }),
          straggler: fc.integer({ min: 0, max: 5 }),
          followUps: fc.integer({ min: 0, max: 4 }),
          more: fc.integer({ min: 0, max: 3 }),
          delayMs: fc.integer({ min: 0, max: 15 }),
        }),
        async ({ agents, threads, tasks, straggler, followUps, more, delayMs }) => {
          const swarm = createSwarm({
            agents,
            ...(threads !== undefined ? { threads } : {}),
            protocol: 'basic',
            model: {
              module: modelModule,
              options: {
                delayMs,
                // One sub-task is slow and asks for follow-ups; the first decision may ask for more.
                slowOn: `task ${straggler % tasks}`,
                slowDelayMs: delayMs * 4 + 20,
                ...(followUps ? { followUpsOn: `task ${straggler % tasks}`, followUps } : {}),
                ...(more ? { moreInFirstRound: more } : {}),
              },
            },
            maxRounds: 3,
          });
          try {
            const events: SwarmEvent[] = [];
            const result = await swarm.run(
              { prompt: 'p', subTasks: Array.from({ length: tasks }, (_, i) => ({ payload: `task ${i}` })) },
              { onEvent: (e) => events.push(e) },
            );
            const total = tasks + followUps + more;
            expect(result.stopReason).toBe('answered');
            expect(result.answer).toBe(`${total} findings`);
            expect(result.tasks).toMatchObject({ total, done: total, failed: 0 });
            expect(result.agents.reduce((n, a) => n + a.tasksCompleted, 0)).toBe(total);
            // Between an agent's release and its next start, nothing of it happens.
            const quiet = new Set<number>();
            for (const e of events) {
              if (e.type === 'agent.stopped' && e.status === 'released') quiet.add(e.agentId);
              else if (e.type === 'agent.started') quiet.delete(e.agentId);
              else if ('agentId' in e && e.type !== 'usage') expect(quiet.has(e.agentId), e.type).toBe(false);
            }
          } finally {
            await swarm.close();
          }
        },
      ),
      { numRuns: 8 },
    );
  }, 240_000);
});
