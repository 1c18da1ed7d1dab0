/**
 * The verifier takes every proposal waiting in the channel when it wakes and decides them in one
 * pass, in order of arrival. Real worker threads: an agent proposes while the verifier is held busy
 * on its first check (the gate fixture), so most proposals wait and are decided together.
 */
import { describe, expect, it, vi } from 'vitest';
import type { SwarmEvent } from '../../src/runtime/events.js';
import { createSwarm } from '../../src/runtime/swarm.js';
import { closedAfterEach } from '../helpers/swarms.js';

const fixture = new URL('./fixtures/gated-verifier.ts', import.meta.url).href;

vi.setConfig({ testTimeout: 120_000 });

const open = closedAfterEach();

describe('verifier batches', () => {
  it('decides proposals that arrive while it is busy in fewer wake-ups than proposals, each once, in order', async () => {
    const tasks = 6;
    const findings = 4;
    // The verifier's first check is held until the agent asks its model for its last step: by then
    // the proposals of every earlier step are waiting in the channel.
    const model = {
      module: fixture,
      export: 'createGateModel',
      options: { counter: new SharedArrayBuffer(4), steps: tasks, findings },
    };
    const swarm = createSwarm({
      agents: 1,
      protocol: { module: fixture, export: 'gatedCheck' },
      model,
      judgeModel: model,
    });
    open.push(swarm);
    const events: SwarmEvent[] = [];
    const result = await swarm.run(
      { prompt: 'p', subTasks: Array.from({ length: tasks }, (_, i) => ({ payload: `t${i}` })) },
      { onEvent: (e) => events.push(e) },
    );
    expect(result.stopReason, result.error).toBe('answered');

    const proposals = tasks * findings;
    const claimed = events.flatMap((e) => (e.type === 'task.claimed' ? [e.taskId] : []));
    expect(claimed).toHaveLength(tasks);
    expect(events.filter((e) => e.type === 'proposal')).toHaveLength(proposals);
    expect(events.filter((e) => e.type === 'reject')).toEqual([]);
    const commits = events.flatMap((e) => (e.type === 'commit' && e.kind === 'gist' ? [e] : []));
    // Exactly once each…
    expect(new Set(commits.map((e) => e.text)).size).toBe(proposals);
    // …and in order of arrival: one agent sent its tasks' findings in the order it claimed the tasks.
    expect(commits.map((e) => `${e.taskId}/${/finding (\d+)$/.exec(e.text ?? '')?.[1]}`)).toEqual(
      claimed.flatMap((taskId) => Array.from({ length: findings }, (_, k) => `${taskId}/${k + 1}`)),
    );

    // Wake-ups: the verifier enters `waiting` once at the start and once after each batch.
    const verifierStates = events.flatMap((e) => (e.type === 'agent.state' && e.agentId === 0 ? [e.state] : []));
    const batches = verifierStates.filter((s) => s === 'waiting').length - 1;
    // A batch is decided in one stay in `deciding`, however many proposals it holds.
    expect(verifierStates.filter((s) => s === 'deciding').length).toBe(batches);
    // The held first check leaves (tasks - 1) × findings - 1 proposals waiting: they go in one batch.
    expect(batches).toBeGreaterThanOrEqual(2);
    expect(batches).toBeLessThanOrEqual(2 + findings + 1);
    expect(batches).toBeLessThan(proposals / 2);
  });
});
