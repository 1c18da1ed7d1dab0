/** Model providers: one `createModel` for every model string, plus the pieces for custom ones. */
import { InvalidConfigError } from '../errors.js';
import { anthropicCall } from './anthropic.js';
import { createOfflineModel } from './offline.js';
import { openaiCall } from './openai.js';
import type { PriceTable } from './pricing.js';
import { resilientModel, type RetryOptions } from './resilient.js';
import { checkModelCredentials, modelId, parseModelSpec, type ModelSpec } from './spec.js';
import type { LanguageModel } from './types.js';

export { checkModelCredentials, modelId, parseModelSpec, type ModelSpec } from './spec.js';
export { costOf, DEFAULT_PRICES, type ModelPrice, type PriceTable } from './pricing.js';
export { countTokens, shareTokenizer } from './tokenizer.js';
export {
  resilientModel,
  extractJson,
  DEFAULT_RETRY,
  type RawRequest,
  type RawResponse,
  type RetryOptions,
} from './resilient.js';
export { createOfflineModel, registerOfflineSkill, type OfflineSkill } from './offline.js';
export { createScriptedModel, type Script, type ScriptStep } from './scripted.js';
export { fromAiSdk, isAiSdkModel, toAiSdkPrompt, fromAiSdkUsage, type AiSdkModelOptions } from './ai-sdk.js';
export { withLatency, type LatencyOptions } from './latency.js';
export type * from './types.js';

/** Options of {@link createModel}. */
export interface CreateModelOptions {
  env?: NodeJS.ProcessEnv;
  retry?: Partial<RetryOptions>;
  prices?: PriceTable;
}

/** The LanguageModel a spec names. Throws MissingApiKeyError (naming the variable) when a key is missing. */
export function createModel(spec: ModelSpec | string, options: CreateModelOptions = {}): LanguageModel {
  const env = options.env ?? process.env;
  const s = typeof spec === 'string' ? parseModelSpec(spec, env) : spec;
  checkModelCredentials(s, env);
  const common = {
    id: modelId(s),
    provider: s.provider,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.prices ? { prices: options.prices } : {}),
  };
  switch (s.provider) {
    case 'offline':
      return createOfflineModel();
    case 'openai':
    case 'openai-compatible': {
      // Local servers usually need no key; the SDK insists on one, so send a placeholder.
      const apiKey = env.OPENAI_API_KEY || (s.provider === 'openai-compatible' ? 'not-needed' : '');
      return resilientModel({
        ...common,
        secrets: [apiKey],
        call: openaiCall({
          model: s.model,
          apiKey,
          baseURL: s.baseURL,
          compatible: s.provider === 'openai-compatible',
        }),
      });
    }
    case 'anthropic': {
      const apiKey = env.ANTHROPIC_API_KEY ?? '';
      return resilientModel({
        ...common,
        secrets: [apiKey],
        call: anthropicCall({ model: s.model, apiKey, baseURL: s.baseURL }),
      });
    }
    default:
      throw new InvalidConfigError(`unknown provider in ${JSON.stringify(s)}`);
  }
}
