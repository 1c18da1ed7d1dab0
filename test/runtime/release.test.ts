/**
 * Agents that can do nothing are released: one that finds nothing to claim while others hold the
 * round's last tasks, and the election's losers while the winner decides, end `released`, holding
 * nothing (no lease, no wait, no thread of their own); when work is enqueued (the decision's, or a
 * task's follow-ups), the run starts as many of them again as the work can use. Real worker threads,
 * one per agent and several agents per thread alike.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { SwarmEvent } from '../../src/runtime/events.js';
import { createSwarm } from '../../src/runtime/swarm.js';
import { closedAfterEach } from '../helpers/swarms.js';

const modelModule = new URL('./fixtures/scripted-swarm-model.ts', import.meta.url).href;
const subTasks = (n: number) => Array.from({ length: n }, (_, i) => ({ payload: `task ${i}` }));

vi.setConfig({ testTimeout: 120_000 });
const open = closedAfterEach();
const tmp = mkdtempSync(join(tmpdir(), 'delm-release-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let runs = 0;

/**
 * One run of 4 agents over `tasks` sub-tasks on the scripted model with `options(gate)`: `gate` is a
 * file the model waits on (see the options), opened once 3 agents were released, so every one of
 * them was at the point the test looks at, on any load.
 */
async function run(threads: number | undefined, tasks: number, options: (gate: string) => Record<string, unknown>) {
  const gate = join(tmp, `gate-${++runs}`);
  const swarm = createSwarm({
    agents: 4,
    ...(threads !== undefined ? { threads } : {}),
    protocol: 'basic',
    model: { module: modelModule, options: { delayMs: 5, ...options(gate) } },
    maxRounds: 3,
  });
  open.push(swarm);
  const events: SwarmEvent[] = [];
  const onEvent = (e: SwarmEvent) => {
    events.push(e);
    if (events.filter((x) => x.type === 'agent.stopped' && x.status === 'released').length === 3)
      writeFileSync(gate, 'open');
  };
  const result = await swarm.run({ prompt: 'p', subTasks: subTasks(tasks) }, { onEvent });
  return { result, events };
}

/** Index of the first event matching `match`. */
const indexOf = (events: SwarmEvent[], match: (e: SwarmEvent) => boolean) => events.findIndex(match);

describe.each([
  ['a thread per agent', undefined],
  ['agents sharing 2 threads', 2],
])('released agents (%s)', (_name, threads) => {
  it('ends the election’s losers released and starts as many again as the decision’s work can use', async () => {
    const { result, events } = await run(threads, 4, (gate) => ({ decideGate: gate, moreInFirstRound: 3 }));
    expect(result.stopReason).toBe('answered');
    expect(result.answer).toBe('7 findings');
    expect(result.tasks).toMatchObject({ total: 7, done: 7, failed: 0 });

    const decision = indexOf(events, (e) => e.type === 'final.decision');
    const decider = (events[decision] as { agentId: number }).agentId;
    const releasedBefore = events
      .slice(0, decision)
      .flatMap((e) => (e.type === 'agent.stopped' && e.status === 'released' ? [e.agentId] : []));
    // Every agent but the final one was let go while it decided.
    expect(releasedBefore.sort()).toEqual([1, 2, 3, 4].filter((id) => id !== decider));
    // Its 3 tasks bring back 2 of them (the final agent takes one itself), the same agents, not replacements.
    const enqueued = indexOf(events, (e) => e.type === 'task.enqueued' && e.parentTaskId === -1);
    const restarted = events
      .slice(enqueued)
      .flatMap((e) => (e.type === 'agent.started' ? [e] : []))
      .map((e) => {
        expect(e.replaces).toBeUndefined();
        return e.agentId;
      });
    expect(restarted).toHaveLength(2);
    for (const id of restarted) expect(releasedBefore).toContain(id);
    // A released agent does nothing until it is started again.
    for (const id of releasedBefore) {
      const releasedAt = indexOf(events, (e) => e.type === 'agent.stopped' && e.agentId === id);
      const back = events.findIndex((e, i) => i > releasedAt && e.type === 'agent.started' && e.agentId === id);
      const between = events.slice(releasedAt + 1, back === -1 ? undefined : back);
      expect(between.filter((e) => 'agentId' in e && e.agentId === id && e.type !== 'usage')).toEqual([]);
    }
    // One summary per agent, adding up what each did before and after its release.
    expect(result.agents.map((a) => a.agentId)).toEqual([1, 2, 3, 4]);
    expect(result.agents.reduce((n, a) => n + a.tasksCompleted, 0)).toBe(7);
    // Released time is no agent's time: no span of it, and waiting adds up over the spans there are.
    expect(result.timeline.some((s) => s.state === 'released')).toBe(false);
    const { claiming, tail, verifier, decision: deciding } = result.waiting;
    expect(claiming + tail + verifier + deciding).toBeCloseTo(result.waitingShare, 9);
  });

  it('starts agents released at the end of a round again for a straggler’s follow-ups', async () => {
    // Task 3 waits until the other three agents found nothing to claim and were released. Its follow-ups
    // take 1 s each, so the straggler cannot do them all before the agents started again are ready.
    const { result, events } = await run(threads, 4, (gate) => ({
      gate,
      gateFrom: 3,
      followUpsOn: 'task 3',
      followUps: 3,
      slowOn: 'extra',
      slowDelayMs: 1_000,
    }));
    expect(result.answer).toBe('7 findings');
    const enqueued = indexOf(events, (e) => e.type === 'task.enqueued');
    const straggler = (events[enqueued] as { agentId: number }).agentId;
    const releasedBefore = events
      .slice(0, enqueued)
      .flatMap((e) => (e.type === 'agent.stopped' && e.status === 'released' ? [e.agentId] : []));
    expect(releasedBefore.sort()).toEqual([1, 2, 3, 4].filter((id) => id !== straggler));
    // Nobody was elected while the straggler worked: it saw the drain itself, after the follow-ups.
    expect(indexOf(events, (e) => e.type === 'final.decision')).toBeGreaterThan(enqueued);
    // Its 3 follow-ups bring all three back (it still works on its own task), and they claim them.
    const restarted = events.slice(enqueued).flatMap((e) => (e.type === 'agent.started' ? [e.agentId] : []));
    expect(restarted.sort()).toEqual(releasedBefore);
    const followUpClaimers = events
      .slice(enqueued)
      .flatMap((e) => (e.type === 'task.claimed' && e.taskId >= 4 ? [e.agentId] : []));
    expect(followUpClaimers.some((id) => releasedBefore.includes(id))).toBe(true);
    expect(result.agents.reduce((n, a) => n + a.tasksCompleted, 0)).toBe(7);
  });

  it('leaves released agents released when the decision answers', async () => {
    const { result, events } = await run(threads, 2, (gate) => ({ decideGate: gate }));
    expect(result.answer).toBe('2 findings');
    const statuses = result.agents.map((a) => a.status).sort();
    expect(statuses).toEqual(['done', 'released', 'released', 'released']);
    expect(events.filter((e) => e.type === 'agent.started')).toHaveLength(4);
    // An agent was let go at the end of a round (nothing to claim while the other task was held) or at
    // the election: its last span ends there, before the decision; nothing of it is counted after.
    const decision = events.find((e) => e.type === 'final.decision');
    for (const a of result.agents.filter((x) => x.status === 'released')) {
      const last = result.timeline.filter((s) => s.agentId === a.agentId).at(-1);
      expect([
        ['claiming', 'tail'],
        ['electing', 'decision'],
      ]).toContainEqual([last?.state, last?.wait]);
      expect(last!.end).toBeLessThanOrEqual(decision!.at);
    }
  });
});
