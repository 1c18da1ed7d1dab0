import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { SwarmEvent } from '../../src/runtime/events.js';
import { createSwarm } from '../../src/runtime/swarm.js';

const model = { module: new URL('./fixtures/tool-script-model.ts', import.meta.url).href, export: 'createEchoModel' };
const echo = { module: fileURLToPath(new URL('./fixtures/echo-tools.ts', import.meta.url)) };

describe('tool calls in a swarm', () => {
  it('charge each call’s cost to the run budget and stop the run when the next one would not fit', async () => {
    const swarm = createSwarm({
      agents: 1,
      model,
      tools: { use: [echo], maxToolCalls: 10 },
      budgets: { costUsd: 0.6 },
    });
    const events: SwarmEvent[] = [];
    try {
      const result = await swarm.run(
        { prompt: 'q', subTasks: [{ payload: 'echo' }] },
        { onEvent: (e) => events.push(e) },
      );
      expect(result.stopReason).toBe('budget');
      expect(events.filter((e) => e.type === 'tool.result')).toHaveLength(2); // 2 × $0.25 fit; a third does not
      expect(result.costUsd).toBeCloseTo(0.5, 6);
    } finally {
      await swarm.close();
    }
  });

  it('stop each step at maxToolCalls, then the model answers', async () => {
    const swarm = createSwarm({ agents: 1, model, tools: { use: [echo], maxToolCalls: 3 } });
    const events: SwarmEvent[] = [];
    try {
      const result = await swarm.run(
        { prompt: 'q', subTasks: [{ payload: 'echo' }] },
        { onEvent: (e) => events.push(e) },
      );
      expect(result.stopReason).toBe('answered');
      expect(events.filter((e) => e.type === 'tool.called')).toHaveLength(3);
      const agentCalls = events.filter((e) => e.type === 'usage' && e.role === 'agent');
      expect(agentCalls).toHaveLength(4); // three calls that asked for tools, one that answered
    } finally {
      await swarm.close();
    }
  });
});
