import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createOfflineModel } from '../../src/providers/offline.js';
import { listFailingTests, verifyPatch } from '../../src/workloads/debugging.js';
import { PatchProposalSchema, renderPatchPrompt } from '../../src/workloads/debugging/offline-patch-skill.js';

const workspace = fileURLToPath(new URL('../../examples/debug-workspace/', import.meta.url));

describe('the offline model repairing the debug workspace by mutation search', () => {
  it('proposes untried mutations until the tests accept one, for every seeded bug', async () => {
    const model = createOfflineModel();
    const { tasks, run: baseline } = await listFailingTests(workspace);
    expect(tasks.length).toBeGreaterThanOrEqual(4);
    const attemptsPerBug: number[] = [];
    for (const task of tasks) {
      const files = Object.fromEntries(task.relatedFiles.map((f) => [f, readFileSync(join(workspace, f), 'utf8')]));
      const tried: string[] = [];
      let fixed = false;
      for (let attempt = 1; attempt <= 25 && !fixed; attempt++) {
        const prompt = renderPatchPrompt({ failingTest: task.id, output: task.error, files, tried });
        const reply = await model.complete({ messages: [{ role: 'user', content: prompt }], schema: PatchProposalSchema, schemaName: 'patch_proposal' });
        expect(reply.notAnLlm).toBe(true);
        const proposal = reply.object!;
        const result = await verifyPatch(workspace, proposal.edits, task.id, { baseline });
        if (result.verified) {
          fixed = true;
          attemptsPerBug.push(attempt);
        } else tried.push(proposal.idea.replace(/^mutation /, '').replace(/ \(offline model, not an LLM\)$/, ''));
      }
      expect(fixed, `no verified fix for ${task.id}`).toBe(true);
    }
    expect(attemptsPerBug).toHaveLength(tasks.length);
  }, 120_000);
});
