import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../src/errors.js';
import { decompositionPrompt } from '../../src/protocols/kit/prompts/decomposition.js';
import { BUILT_IN_PROTOCOLS } from '../../src/protocols/built-in.js';
import { loadProtocol } from '../../src/protocols/registry.js';
import { createOfflineModel } from '../../src/providers/offline.js';
import { resolveSwarmOptions } from '../../src/runtime/options.js';

const fixture = new URL('./fixtures/custom-protocol.ts', import.meta.url).href;
const decompose = () =>
  createOfflineModel().complete({
    messages: [
      {
        role: 'user',
        content: decompositionPrompt.render({ question: 'Which licence?', sources: [{ label: 'D1', tokens: 10 }] }),
      },
    ],
    schema: decompositionPrompt.schema,
    schemaName: decompositionPrompt.schemaName,
  });

describe('the protocol registry', () => {
  it("registers a protocol's offline skills in the thread that loads it, not on import (this test runs first)", async () => {
    await expect(decompose()).rejects.toThrow(/no skill for "delm_decomposition"/);
    await loadProtocol({ builtIn: 'delm' });
    const reply = await decompose();
    expect(reply.object?.subTasks.length).toBeGreaterThan(0);
  });

  it('finds every built-in protocol by the name the swarm options accept', async () => {
    for (const name of ['delm', 'basic', 'debug'] as const) {
      expect(resolveSwarmOptions({ protocol: name }).protocol).toBe(name);
      expect(await loadProtocol({ builtIn: name })).toBe(BUILT_IN_PROTOCOLS[name]);
      expect(BUILT_IN_PROTOCOLS[name].name).toBe(name);
    }
    expect(() => resolveSwarmOptions({ protocol: 'nope' })).toThrow(InvalidConfigError);
  });

  it('loads a protocol of your own from its module and export, and refuses an export that is not one', async () => {
    const custom = await loadProtocol({ module: fixture, export: 'custom' });
    expect(custom.name).toBe('custom');
    await expect(loadProtocol({ module: fixture, export: 'missing' })).rejects.toThrow(/no protocol export "missing"/);
    await expect(loadProtocol({ module: fixture, export: 'notAProtocol' })).rejects.toThrow(InvalidConfigError);
  });
});
