/**
 * The verifier stores an accepted finding by copying the UTF-8 bytes its text arrived as (the
 * proposal frame carries it raw). Real worker threads and the shared channel: whatever path an entry
 * took, the ledger holds exactly the text the model wrote, with its content hash.
 */
import { describe, expect, it, vi } from 'vitest';
import { contentHashOfText } from '../../src/internal/hash.js';
import { createSwarm } from '../../src/runtime/swarm.js';
import { closedAfterEach } from '../helpers/swarms.js';

const modelModule = new URL('./fixtures/scripted-swarm-model.ts', import.meta.url).href;

vi.setConfig({ testTimeout: 120_000 });

const open = closedAfterEach();

describe('verifier commits from received bytes', () => {
  it('stores findings in mixed scripts exactly as written, with their content hashes', async () => {
    // The model's finding is `finding about <sub-task>`: multi-byte text of 1 to 4 bytes a character.
    const payloads = [
      'naïve café',
      '日本語のテキスト',
      'emoji 🧪🚀 and ✓',
      'Ωμέγα — “quoted” ½',
      'x'.repeat(500) + ' ∑ 🧪',
    ];
    const swarm = createSwarm({ agents: 2, protocol: 'basic', model: { module: modelModule, options: {} } });
    open.push(swarm);
    const result = await swarm.run({ prompt: 'p', subTasks: payloads.map((payload) => ({ payload })) });
    expect(result.stopReason, result.error).toBe('answered');
    const gists = result.entries.filter((e) => e.kind === 'gist');
    expect(gists.map((e) => e.text).sort()).toEqual(payloads.map((p) => `finding about ${p}`).sort());
    for (const entry of [...gists, ...result.entries.filter((e) => e.kind === 'answer')])
      expect(entry.hash, entry.text).toBe(contentHashOfText(entry.text));
    expect(result.answer).toBe(`${payloads.length} findings`);
  });
});
