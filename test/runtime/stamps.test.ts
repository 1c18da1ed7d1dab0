/**
 * A state's length is measured where it changed: the threads stamp their events, and the stamps
 * travel beside them. Real worker threads: the verifier's checks hold its thread (the slow-check
 * fixture), so its `deciding` state and the `waiting` that ends it reach the main thread in one post;
 * timed on arrival, every decision would last ~0 ms.
 */
import { describe, expect, it, vi } from 'vitest';
import type { SwarmEvent } from '../../src/runtime/events.js';
import { createSwarm } from '../../src/runtime/swarm.js';
import { closedAfterEach } from '../helpers/swarms.js';
import { SLOW_CHECK_MS } from './fixtures/slow-check.js';

const fixture = new URL('./fixtures/slow-check.ts', import.meta.url).href;
const chaosModel = new URL('../chaos/fixtures/chaos-model.ts', import.meta.url).href;

vi.setConfig({ testTimeout: 120_000 });

const open = closedAfterEach();

describe('event stamps', () => {
  it("times the verifier's decisions from its own thread's stamps, however its events were batched", async () => {
    const swarm = createSwarm({
      agents: 2,
      protocol: { module: fixture, export: 'slowCheck' },
      model: {
        module: chaosModel,
        options: { counters: new SharedArrayBuffer(64), schedule: new SharedArrayBuffer(4), delayMs: 5, prices: {} },
      },
    });
    open.push(swarm);
    const events: SwarmEvent[] = [];
    const result = await swarm.run(
      { prompt: 'count the findings', subTasks: Array.from({ length: 6 }, (_, i) => ({ payload: `task ${i}` })) },
      { onEvent: (e) => events.push(e) },
    );
    expect(result.stopReason, result.error).toBe('answered');
    const checked = events.filter((e) => (e.type === 'commit' && e.kind !== 'answer') || e.type === 'reject').length;
    expect(checked).toBeGreaterThanOrEqual(6);
    // The verifier's time in `deciding`, from its state events' times.
    let deciding = 0;
    let since: number | undefined;
    for (const e of events) {
      if (e.type !== 'agent.state' || e.agentId !== 0) continue;
      if (since !== undefined) deciding += e.at - since;
      since = e.state === 'deciding' ? e.at : undefined;
    }
    expect(deciding).toBeGreaterThanOrEqual(checked * (SLOW_CHECK_MS - 1));
  });
});
