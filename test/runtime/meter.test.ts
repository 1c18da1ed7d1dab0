import { describe, expect, it } from 'vitest';
import { SharedBudget } from '../../src/budget/shared-budget.js';
import { MalformedOutputError } from '../../src/errors.js';
import { countTokens } from '../../src/providers/tokenizer.js';
import type { CompletionRequest, LanguageModel } from '../../src/providers/types.js';
import { DEFAULT_MAX_TOKENS, meterModel, meteredLimits, reservationFor } from '../../src/runtime/meter.js';
import { resolveSwarmOptions } from '../../src/runtime/options.js';
import { SharedUsage } from '../../src/runtime/shared-usage.js';

const prices = { m: { input: 2, cachedInput: 1, output: 10 } };
const request: CompletionRequest<unknown> = {
  system: 'be brief',
  messages: [{ role: 'user', content: 'what is the answer to everything?' }],
  maxTokens: 100,
};

function model(
  calls: { n: number },
  usage = { inputTokens: 10, outputTokens: 5, cachedInputTokens: 0 },
  fail = false,
): LanguageModel {
  return {
    id: 'm',
    async complete() {
      calls.n++;
      if (fail) throw new Error('boom');
      return {
        text: 'ok',
        object: undefined,
        usage,
        costUsd: (usage.inputTokens * 2 + usage.outputTokens * 10) / 1e6,
        latencyMs: 1,
        model: 'm',
      };
    },
  };
}

describe('meterModel', () => {
  it('reserves the prompt as the tokenizer counts it, with framing, plus maxTokens of output, priced', () => {
    const input = countTokens('be brief') + countTokens('what is the answer to everything?') + 8;
    expect(reservationFor('m', request, prices)).toEqual({
      tokens: input + 100,
      costMicroUsd: Math.ceil(input * 2 + 100 * 10),
      modelCalls: 1,
    });
    expect(reservationFor('m', { messages: [] }, prices).tokens).toBe(4 + DEFAULT_MAX_TOKENS);
    // An unpriced model reserves 1 µ$, so a spent cost budget still refuses it.
    expect(reservationFor('unknown', request, prices).costMicroUsd).toBe(1);
  });

  it('refuses a call whose reservation does not fit, before the model sees it', async () => {
    const calls = { n: 0 };
    const budget = SharedBudget.create({ tokens: 100 });
    const metered = meterModel(model(calls), {
      agentId: 1,
      role: 'agent',
      budget,
      rateLimiter: undefined,
      emit: () => undefined,
      prices,
    });
    await expect(metered.complete(request)).rejects.toMatchObject({ code: 'BUDGET_EXHAUSTED' });
    expect(calls.n).toBe(0);
    expect(budget.snapshot().tokens).toMatchObject({ used: 0, reserved: 0 });
  });

  it('settles what the model reported and counts every call in shared usage, failed ones included', async () => {
    const calls = { n: 0 };
    const budget = SharedBudget.create({ costMicroUsd: 1_000_000 });
    const usage = SharedUsage.create(4);
    const events: unknown[] = [];
    const ok = meterModel(model(calls), {
      agentId: 2,
      role: 'agent',
      budget,
      rateLimiter: undefined,
      emit: (e) => events.push(e),
      prices,
      usage,
    });
    const failing = meterModel(model(calls, undefined, true), {
      agentId: 3,
      role: 'agent',
      budget,
      rateLimiter: undefined,
      emit: (e) => events.push(e),
      prices,
      usage,
    });
    await ok.complete(request);
    await expect(failing.complete(request)).rejects.toThrow('boom');
    expect(budget.snapshot().costMicroUsd).toMatchObject({ used: 70, reserved: 0 });
    expect(usage.agent(2)).toEqual({
      usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 0, modelCalls: 1 },
      costUsd: 0.00007,
    });
    expect(usage.agent(3).usage.modelCalls).toBe(1);
    expect(usage.total().usage.modelCalls).toBe(calls.n);
    // One usage event per call handed to the model, as records have one line per call: the failed one used nothing.
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ agentId: 3, model: 'm', inputTokens: 0, outputTokens: 0, costUsd: 0 });
  });

  it('counts what a failed call used when its error says: tokens, cost, budget and a usage event', async () => {
    const budget = SharedBudget.create({ costMicroUsd: 1_000_000, tokens: 100_000 });
    const usage = SharedUsage.create(2);
    const events: unknown[] = [];
    const spent = { usage: { inputTokens: 3_000, outputTokens: 1_600, cachedInputTokens: 0 }, costUsd: 0.00376 };
    const failing: LanguageModel = {
      id: 'm',
      complete: () => Promise.reject(new MalformedOutputError('still prose after the repair round', 'prose', spent)),
    };
    const metered = meterModel(failing, {
      agentId: 1,
      role: 'agent',
      budget,
      rateLimiter: undefined,
      emit: (e) => events.push(e),
      prices,
      usage,
    });
    await expect(metered.complete(request)).rejects.toMatchObject({ code: 'MALFORMED_OUTPUT' });
    expect(budget.snapshot()).toMatchObject({
      costMicroUsd: { used: 3_760, reserved: 0 },
      tokens: { used: 4_600, reserved: 0 },
    });
    expect(usage.agent(1)).toEqual({ usage: { ...spent.usage, modelCalls: 1 }, costUsd: 0.00376 });
    expect(events).toEqual([
      expect.objectContaining({ type: 'usage', agentId: 1, model: 'm', inputTokens: 3_000, costUsd: 0.00376 }),
    ]);
  });

  it('reserves only the call itself, without counting the prompt, when nothing limits tokens or cost', async () => {
    const calls = { n: 0 };
    const budget = SharedBudget.create({ modelCalls: 10 });
    let during: ReturnType<SharedBudget['snapshot']> | undefined;
    const inner = model(calls);
    const metered = meterModel(
      { id: 'm', complete: (r) => ((during = budget.snapshot()), inner.complete(r)) },
      { agentId: 1, role: 'agent', budget, rateLimiter: undefined, emit: () => undefined, prices, countPrompt: false },
    );
    await metered.complete(request);
    expect(during).toMatchObject({
      tokens: { reserved: 0 },
      costMicroUsd: { reserved: 0 },
      modelCalls: { reserved: 1 },
    });
    // What the model reported is settled all the same.
    expect(budget.snapshot()).toMatchObject({
      tokens: { used: 15, reserved: 0 },
      modelCalls: { used: 1, reserved: 0 },
    });
  });

  it('meters against exactly the limits a run has, counting the prompt only when one depends on it', () => {
    const limits = (o: Parameters<typeof resolveSwarmOptions>[0]) => meteredLimits(resolveSwarmOptions(o));
    expect(limits({ agents: 1 })).toEqual({ budget: false, rate: false, prompt: false });
    expect(limits({ agents: 1, budgets: { modelCalls: 5 }, rateLimits: { requestsPerMinute: 60 } })).toEqual({
      budget: true,
      rate: true,
      prompt: false,
    });
    expect(limits({ agents: 1, budgets: { tokens: 1_000 } })).toEqual({ budget: true, rate: false, prompt: true });
    expect(limits({ agents: 1, budgets: { costUsd: 1 } })).toEqual({ budget: true, rate: false, prompt: true });
    expect(limits({ agents: 1, rateLimits: { tokensPerMinute: 1_000 } })).toEqual({
      budget: false,
      rate: true,
      prompt: true,
    });
    // A run on Redis may join limits its creator set: metered against all of them.
    expect(limits({ agents: 1, substrate: { redis: { url: 'redis://127.0.0.1:1' } } })).toEqual({
      budget: true,
      rate: true,
      prompt: true,
    });
  });
});
