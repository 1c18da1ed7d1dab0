import { describe, expect, it } from 'vitest';
import { attemptFixes } from '../../../src/protocols/debug/attempts.js';
import type { PatchProposal } from '../../../src/protocols/kit/schemas.js';
import type { LanguageModel } from '../../../src/providers/types.js';

const WORKSPACE = new URL('./fixtures/guard-workspace', import.meta.url).pathname;
const TEST_ID = 'test/size.test.js > gives an empty label when there is no count';
const SEARCH = '  const kb = bytes / 1024;';

const edit = (replace: string, idea: string): PatchProposal => ({
  edits: [{ file: 'src/size.js', search: SEARCH, replace }],
  idea,
  risk: '',
});
const WRONG_1 = edit('  const kb = bytes / 1000;', 'divide by 1000');
const WRONG_2 = edit('  const kb = bytes / 1024 + 0;', 'add zero');
const FIX = edit(`  if (!bytes) return '';\n${SEARCH}`, 'guard');

/** A model that proposes the given patches in turn and keeps every prompt it was sent. */
function scripted(proposals: PatchProposal[]): LanguageModel & { prompts: string[] } {
  const model = {
    id: 'scripted',
    prompts: [] as string[],
    complete: <T>(req: { messages: Array<{ content: string }> }) => {
      model.prompts.push(req.messages[0]!.content);
      const object = proposals[model.prompts.length - 1] as T;
      const usage = { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0 };
      return Promise.resolve({ text: '', object, usage, costUsd: 0, latencyMs: 0, model: 'scripted' });
    },
  };
  return model;
}

const options = (model: LanguageModel, concurrency?: number) => ({
  model,
  signal: new AbortController().signal,
  workspace: WORKSPACE,
  failure: { testId: TEST_ID, testFile: 'test/size.test.js', output: '' },
  files: [],
  tried: [],
  attempts: 3,
  ...(concurrency ? { concurrency } : {}),
  testTimeoutMs: 30_000,
  callContext: { role: 'agent' },
  describe: (a: { proposal: PatchProposal; detail: string }) => `[FAIL] ${a.proposal.idea}: ${a.detail}`,
});

describe('the screen', () => {
  it('refuses a candidate that makes the target pass but fails a test of its file that passed before, without the verifier', async () => {
    // Every label empty: the target passes, the two other label tests fail.
    const allEmpty = edit(`  return '';\n${SEARCH}`, 'always empty');
    const passedBefore = ['labels a byte count', 'labels half a kilobyte', 'fits within a limit'].map(
      (n) => `test/size.test.js > ${n}`,
    );
    const base = options(scripted([allEmpty, FIX]));
    const outcome = await attemptFixes({ ...base, failure: { ...base.failure, passedBefore } });
    expect(outcome.attempts.map((a) => [a.proposal.idea, a.passes])).toEqual([
      ['always empty', false],
      ['guard', true],
    ]);
    expect(outcome.attempts[0]!.detail).toBe(
      'target passes but 2 other test(s) of its file fail: test/size.test.js > labels a byte count, test/size.test.js > labels half a kilobyte',
    );
    // Without the file's passing tests the screen judges the target alone.
    const alone = await attemptFixes(options(scripted([allEmpty])));
    expect(alone.attempts.map((a) => a.passes)).toEqual([true]);
  }, 60_000);
});

describe('screening candidates concurrently', () => {
  it('asks for the next candidate while one is screened, telling the model which are in flight, and ends with the one that passes', async () => {
    const model = scripted([WRONG_1, WRONG_2, FIX]);
    const outcome = await attemptFixes(options(model, 2));
    // The second request came while the first candidate's test file was still running.
    expect(model.prompts[1]).toContain('[being tried] divide by 1000');
    expect(model.prompts).toHaveLength(3);
    expect(outcome.attempts.map((a) => [a.proposal.idea, a.passes])).toEqual([
      ...outcome.attempts.slice(0, 2).map((a) => [a.proposal.idea, false]),
      ['guard', true],
    ]);
    expect(new Set(outcome.attempts.slice(0, 2).map((a) => a.proposal.idea))).toEqual(
      new Set(['divide by 1000', 'add zero']),
    );
    // The third request knows how the first two ended, or that they are in flight: never neither.
    for (const idea of ['divide by 1000', 'add zero']) expect(model.prompts[2]).toContain(idea);
  }, 60_000);

  it('one at a time by default: the model learns each outcome before it proposes again', async () => {
    const model = scripted([WRONG_1, FIX]);
    const outcome = await attemptFixes(options(model));
    expect(model.prompts[1]).toContain('[FAIL] divide by 1000: target still fails');
    expect(model.prompts[1]).not.toContain('[being tried]');
    expect(outcome.attempts.map((a) => a.passes)).toEqual([false, true]);
  }, 60_000);
});
