import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { SwarmEvent } from '../../src/runtime/events.js';
import { createSwarm } from '../../src/runtime/swarm.js';

const modelModule = new URL('./fixtures/scripted-swarm-model.ts', import.meta.url).href;
const dir = mkdtempSync(path.join(tmpdir(), 'delm-not-started-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an agent the run stopped waiting for before it started', () => {
  it('reports nothing once it is reported not started, even when it starts while the run is still ending', async () => {
    const loadGate = path.join(dir, 'load');
    const inCall = path.join(dir, 'in-call');
    const swarm = createSwarm({
      agents: 3,
      protocol: 'basic',
      stopGraceMs: 3_000,
      model: {
        module: modelModule,
        export: 'createSlowLoadingModel',
        // One agent waits in its model's loading; the others take a sub-task each and hold their threads
        // in the call, deaf to the stop, so the run ends only when the grace period is over.
        options: {
          loadMarker: path.join(dir, 'marker'),
          loadGate,
          slowOn: 'part',
          slowDelayMs: 30_000,
          slowMarker: inCall,
          blockThread: true,
        },
      },
    });
    try {
      const abort = new AbortController();
      const events: SwarmEvent[] = [];
      const running = swarm.run(
        { prompt: 'count', subTasks: [{ payload: 'part 0' }, { payload: 'part 1' }] },
        { signal: abort.signal, onEvent: (e) => events.push(e) },
      );
      while (!existsSync(inCall)) await sleep(20);
      abort.abort();
      // The run has given up on the loading agent; let it start now, within the grace period.
      await sleep(100);
      writeFileSync(loadGate, '');
      const result = await running.result;
      expect(result.stopReason).toBe('aborted');
      const late = result.agents.filter((a) => a.status === 'not-started').map((a) => a.agentId);
      // The one held in its model's loading, and any other whose thread was still starting.
      expect(late.length).toBeGreaterThanOrEqual(1);
      for (const id of late)
        expect(events.filter((e) => 'agentId' in e && e.agentId === id).map((e) => e.type)).toEqual([
          'agent.started',
          'agent.stopped',
        ]);
    } finally {
      await swarm.close();
    }
  }, 60_000);
});
