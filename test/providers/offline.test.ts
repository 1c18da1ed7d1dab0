import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createOfflineModel } from '../../src/providers/offline.js';
import { compiledModuleUrl } from '../../src/internal/compiled-sources.js';
import { countTokens } from '../../src/providers/tokenizer.js';
import { BasicDecisionSchema, BasicPlanSchema, BasicStepSchema } from '../../src/protocols/basic/protocol.js';
import { loadModel } from '../../src/runtime/model-loader.js';
import { resolveSwarmOptions } from '../../src/runtime/options.js';

// Real text: Debian ships the licence texts (also the source of examples/multidoc).
const gpl3 = readFileSync('/usr/share/common-licenses/GPL-3', 'utf8');
const apache = readFileSync('/usr/share/common-licenses/Apache-2.0', 'utf8');
const norm = (s: string) => s.replace(/\s+/g, ' ');

describe('the offline model (not an LLM)', () => {
  const model = createOfflineModel();

  it("answers with a skill registered through another copy of delm in the thread (a worker's bundle and a protocol importing delm)", async () => {
    const other = (await import(
      compiledModuleUrl(new URL('../../src/providers/offline.ts', import.meta.url).href)!
    )) as typeof import('../../src/providers/offline.js');
    expect(other.createOfflineModel).not.toBe(createOfflineModel);
    other.registerOfflineSkill('cross_copy_check', () => ({ from: 'the other copy' }));
    const r = await model.complete({
      messages: [{ role: 'user', content: 'x' }],
      schema: z.object({ from: z.string() }),
      schemaName: 'cross_copy_check',
    });
    expect(r.object).toEqual({ from: 'the other copy' });
  });

  it('says it is not an LLM and counts tokens with the real tokenizer', async () => {
    const r = await model.complete({
      messages: [{ role: 'user', content: 'What does the licence say about patents?' }],
    });
    expect(r.notAnLlm).toBe(true);
    expect(r.text).toMatch(/not an LLM/);
    expect(r.usage.inputTokens).toBe(countTokens('\nWhat does the licence say about patents?'));
    expect(r.costUsd).toBe(0);
  });

  it('asks to unfold the source its sub-task names before it has read it', async () => {
    const r = await model.complete({
      messages: [
        {
          role: 'user',
          content:
            'Task: Which licence terminates patent licences on litigation?\n\nYour sub-task: Read source D2 and report what bears on the task.',
        },
      ],
      schema: BasicStepSchema,
      schemaName: 'agent_step',
    });
    expect(r.object).toMatchObject({ unfold: ['D2'], findings: [] });
  });

  it('quotes verbatim the sentences of a real licence that bear on the task', async () => {
    const content = `Task: What happens to patent licenses when a contributor is sued for patent infringement?\n\nYour sub-task: Read source D2 and report what bears on the task.\n\nUnfolded detail:\n--- D2 ---\n${apache}`;
    const r = await model.complete({
      messages: [{ role: 'user', content }],
      schema: BasicStepSchema,
      schemaName: 'agent_step',
    });
    const findings = r.object!.findings;
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) for (const q of f.quotes) expect(norm(apache)).toContain(norm(q.text));
    expect(findings.map((f) => f.text).join(' ')).toMatch(/patent/i);
  });

  it('reports an absence, saying what it searched, when nothing matches', async () => {
    const content = `Task: What is the boiling point of xenon?\n\nYour sub-task: Read source D1.\n\nUnfolded detail:\n--- D1 ---\n${gpl3.slice(0, 3_000)}`;
    const r = await model.complete({
      messages: [{ role: 'user', content }],
      schema: BasicStepSchema,
      schemaName: 'agent_step',
    });
    expect(r.object!.findings[0]!.text).toMatch(
      /no sentence sharing terms with the task \(searched all \d+ sentences\)/,
    );
  });

  it('answers a multiple-choice question with the choice the findings support, in LongBench form', async () => {
    const task =
      'Which licence terminates patent licenses when you sue over patents?\nA) The GNU General Public License version 3 grants a cure period\nB) Apache License 2.0 patent licenses terminate as of the date such litigation is filed\nC) Neither licence mentions patents\nD) Both licences forbid commercial use';
    const findings =
      '[#4] D2: "any patent licenses granted to You under this License for that Work shall terminate as of the date such litigation is filed."';
    const r = await model.complete({
      messages: [{ role: 'user', content: `Task: ${task}\n\nVerified findings:\n${findings}` }],
      schema: BasicDecisionSchema,
      schemaName: 'final_decision',
    });
    expect(r.object).toMatchObject({ decision: 'answer' });
    expect((r.object as { answer: string }).answer).toMatch(/^The correct answer is \(B\)/);
  });

  it('refuses a structured output it has no skill for, with a clear error', async () => {
    await expect(
      model.complete({ messages: [{ role: 'user', content: 'x' }], schema: BasicStepSchema, schemaName: 'haiku' }),
    ).rejects.toThrow(/no skill for "haiku"/);
  });
});

describe('the offline model with simulated latency (a built-in model ref)', () => {
  it('takes at least the simulated time per call and is the offline model underneath', async () => {
    const model = await loadModel({ provider: 'offline', latency: { perCallMs: 120 } });
    const reply = await model.complete({
      messages: [{ role: 'user', content: 'Task: x' }],
      schema: BasicPlanSchema,
      schemaName: 'plan',
    });
    expect(model.id).toBe('offline');
    expect(reply.latencyMs).toBeGreaterThanOrEqual(120);
  });

  it('cannot be the judge, like the plain offline model', () => {
    expect(() => resolveSwarmOptions({ judgeModel: { provider: 'offline', latency: { perCallMs: 1 } } })).toThrow(
      /cannot judge/,
    );
    expect(() => resolveSwarmOptions({ model: { provider: 'offline', latency: { perCallMs: -1 } } })).toThrow(/model/);
  });
});
