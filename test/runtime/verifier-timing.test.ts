/**
 * Every decision says how long its proposal took: the agent stamps the proposal frame when it sends
 * it, on the clock every thread shares, and the verifier's commit or rejection carries the ms from
 * that stamp until it took the proposal off the channel (`waitedMs`) and until it decided
 * (`latencyMs`). Real worker threads and the shared channel; and the bench's statistics read them.
 */
import { describe, expect, it, vi } from 'vitest';
import { isVerifierStatsEvent, verifierStats } from '../../bench/verifier-stats.js';
import type { SwarmEvent } from '../../src/runtime/events.js';
import { createSwarm } from '../../src/runtime/swarm.js';
import { closedAfterEach } from '../helpers/swarms.js';

const modelModule = new URL('./fixtures/scripted-swarm-model.ts', import.meta.url).href;

vi.setConfig({ testTimeout: 120_000 });

const open = closedAfterEach();

describe('decision timing', () => {
  it("stamps every finding's commit with its wait for the verifier and its latency, waited ≤ latency", async () => {
    const swarm = createSwarm({ agents: 3, protocol: 'basic', model: { module: modelModule, options: {} } });
    open.push(swarm);
    const events: SwarmEvent[] = [];
    const started = performance.now();
    const result = await swarm.run(
      { prompt: 'p', subTasks: Array.from({ length: 9 }, (_, i) => ({ payload: `part ${i}` })) },
      { onEvent: (e) => events.push(e) },
    );
    const wall = performance.now() - started;
    expect(result.stopReason, result.error).toBe('answered');
    const decisions = events.filter(
      (e): e is Extract<SwarmEvent, { type: 'commit' }> => e.type === 'commit' && e.kind !== 'raw',
    );
    expect(decisions.filter((e) => e.kind === 'gist')).toHaveLength(9);
    for (const e of decisions) {
      expect(e.waitedMs, JSON.stringify(e)).toBeTypeOf('number');
      expect(e.latencyMs, JSON.stringify(e)).toBeTypeOf('number');
      expect(e.waitedMs!).toBeGreaterThanOrEqual(0);
      expect(e.latencyMs!).toBeGreaterThanOrEqual(e.waitedMs!);
      expect(e.latencyMs!).toBeLessThan(wall);
    }
    const stats = verifierStats(events);
    // The runtime bench keeps only the events the statistics read: they come out the same.
    expect(verifierStats(events.filter(isVerifierStatsEvent))).toEqual(stats);
    expect(stats.latencies.sort()).toEqual(
      decisions
        .filter((e) => e.kind === 'gist')
        .map((e) => e.latencyMs)
        .sort(),
    );
    expect(stats.waited).toHaveLength(9);
  });

  it('bench statistics: timed decisions are taken as they are; older records are paired with proposals', () => {
    const base = { authorId: 1, kind: 'gist', entryId: 1 } as const;
    const timed: SwarmEvent[] = [
      { type: 'proposal', at: 10, agentId: 1, taskId: 1 },
      { type: 'commit', at: 9, taskId: 1, ...base, waitedMs: 0.5, latencyMs: 1.5 },
      { type: 'reject', at: 12, authorId: 1, taskId: 2, verdict: 'duplicate', reason: 'r', waitedMs: 1, latencyMs: 4 },
      { type: 'commit', at: 13, taskId: 2, ...base, kind: 'raw' },
    ];
    expect(verifierStats(timed)).toMatchObject({ latencies: [1.5, 4], waited: [0.5, 1] });
    const older: SwarmEvent[] = [
      { type: 'proposal', at: 10, agentId: 1, taskId: 1 },
      { type: 'proposal', at: 11, agentId: 1, taskId: 1 },
      { type: 'commit', at: 14, taskId: 1, ...base },
      { type: 'commit', at: 12, taskId: 1, ...base },
    ];
    expect(verifierStats(older)).toMatchObject({ latencies: [2, 3], waited: [] });
  });
});
