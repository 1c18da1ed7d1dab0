/**
 * A structured-output repair is a model call of its own, in every mode: it is counted as a call in the
 * run's usage and records, a calls budget limits it like any call, and its prompt is recorded as its own
 * (not summed with the call it repairs). Real OpenAI SDK, a local wire server answering as the offline
 * model, whose first reply is malformed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRunner } from '../../src/modes/runner.js';
import { MODES } from '../../src/modes/result.js';
import type { RunTask } from '../../src/protocols/kit/protocol.js';
import { offlineAnswer } from '../providers/servers/offline-answers.js';
import { openaiReply, startWireServer, type Recorded, type WireServer } from '../providers/servers/wire-server.js';

const doc = (i: number) => ({
  label: `D${i}`,
  text: Array.from({ length: 20 }, (_, j) => `Sentence ${j + 1} of document ${i} grants a patent license.`).join(' '),
});
const task: RunTask = {
  prompt: 'Which licences grant a patent license to recipients?',
  sources: [doc(1), doc(2)],
  subTasks: [
    { payload: 'Read D1 and report what bears on the question.' },
    { payload: 'Read D2 and report what bears on the question.' },
  ],
  meta: { choices: { A: 'All of them', B: 'None', C: 'Only D1', D: 'Only D2' } },
};
const MALFORMED_PROMPT_TOKENS = 1_000;

let server: WireServer;
/** Prompt tokens the server billed, per request, in order. */
let billed: number[];

beforeEach(async () => {
  server = await startWireServer();
  billed = [];
  // The first request gets prose instead of JSON; the repair request (and every other) the offline model's
  // answer to the request it repairs.
  server.otherwise(async (req) => {
    if (billed.length === 0) {
      billed.push(MALFORMED_PROMPT_TOKENS);
      return openaiReply('I would rather chat than answer in JSON.', {
        prompt_tokens: MALFORMED_PROMPT_TOKENS,
        completion_tokens: 12,
        prompt_tokens_details: { cached_tokens: 0 },
      });
    }
    const reply = await offlineAnswer(withoutRepair(req));
    billed.push((reply.body as { usage: { prompt_tokens: number } }).usage.prompt_tokens);
    return reply;
  });
});
afterEach(() => server.close());

/** `req` without the repair turns (the model's reply and the request to correct it) it ends with, if any. */
function withoutRepair(req: Recorded): Recorded {
  const messages = req.body.messages as Array<{ role: string; content: string }>;
  const repairing = messages.at(-1)?.content.startsWith('That reply is not valid');
  return repairing ? { ...req, body: { ...req.body, messages: messages.slice(0, -2) } } : req;
}

describe.each(MODES)('%s: a malformed first reply, then its repair', (mode) => {
  const run = async (budgets: { modelCalls?: number }) => {
    const runner = createRunner(mode, { agents: 1, model: `openai-compatible:local@${server.url}/v1`, budgets });
    try {
      return await runner.run(task);
    } finally {
      await runner.close();
    }
  };

  it('is a call of its own in the usage and records, each with its own prompt', async () => {
    const result = await run({});
    expect(result.stopReason).toBe('answered');
    const requests = server.requests.length;
    expect(server.requests[1]!.body.messages.at(-1).content).toMatch(/^That reply is not valid/);
    // Before: one call fewer than the server saw (the repair folded into the call it repaired).
    expect(result.usage.modelCalls).toBe(requests);
    expect(result.calls).toHaveLength(requests);
    expect(result.calls.map((c) => c.inputTokens).sort()).toEqual([...billed].sort());
    // Before: the first call's record summed both prompts.
    expect(result.maxPromptTokens).toBe(Math.max(...billed));
    expect(result.usage.inputTokens).toBe(billed.reduce((a, b) => a + b, 0));
  });

  it('is limited by a calls budget like any call', async () => {
    // Two calls: the malformed reply and its repair; the call after them (a single pass has none) is refused.
    const result = await run({ modelCalls: 2 });
    expect(result.stopReason).toBe(mode === 'single' ? 'answered' : 'budget');
    // Before: the repair was not counted, so a third request went out.
    expect(server.requests).toHaveLength(2);
    expect(result.usage.modelCalls).toBe(2);
    expect(result.calls).toHaveLength(2);

    // A budget of one call: the repair itself is refused, never sent.
    server.requests.length = 0;
    billed = [];
    const one = await run({ modelCalls: 1 });
    expect(one.stopReason).toBe('budget');
    expect(server.requests).toHaveLength(1);
    expect(one.usage.modelCalls).toBe(1);
  });
});
