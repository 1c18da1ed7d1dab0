/**
 * Prices per million tokens (USD): input, cached input, output. Overridable per swarm; a model not in
 * the table costs 0 and is reported as unpriced, so a cost comparison never silently uses a guess.
 */

/** Price of one model. */
export interface ModelPrice {
  input: number;
  cachedInput: number;
  output: number;
}

/** Model id (`provider:model`) → price. */
export type PriceTable = Record<string, ModelPrice>;

/** List prices as published by the providers (USD per million tokens). */
export const DEFAULT_PRICES: PriceTable = {
  'openai:gpt-4.1': { input: 2, cachedInput: 0.5, output: 8 },
  'openai:gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6 },
  'openai:gpt-4.1-nano': { input: 0.1, cachedInput: 0.025, output: 0.4 },
  'openai:gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 },
  'openai:gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
  'anthropic:claude-sonnet-4-5': { input: 3, cachedInput: 0.3, output: 15 },
  'anthropic:claude-haiku-4-5': { input: 1, cachedInput: 0.1, output: 5 },
  'anthropic:claude-opus-4-1': { input: 15, cachedInput: 1.5, output: 75 },
  offline: { input: 0, cachedInput: 0, output: 0 },
};

/** The default table with `overrides` in place of the prices they name (defined as data, as configured). */
export function withPrices(overrides: PriceTable): PriceTable {
  return { ...DEFAULT_PRICES, ...overrides };
}

/** Cost of one call; `priced` is false when the model is not in the table. */
export function costOf(
  modelId: string,
  usage: { inputTokens: number; outputTokens: number; cachedInputTokens: number },
  prices: PriceTable = DEFAULT_PRICES,
): { costUsd: number; priced: boolean } {
  const price = prices[modelId];
  if (!price) return { costUsd: 0, priced: false };
  const uncached = Math.max(0, usage.inputTokens - usage.cachedInputTokens);
  const costUsd =
    (uncached * price.input + usage.cachedInputTokens * price.cachedInput + usage.outputTokens * price.output) / 1e6;
  return { costUsd, priced: true };
}
