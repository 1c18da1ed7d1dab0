/**
 * Turns a {@link ModelRef} into a LanguageModel inside any thread, and meters every call: the run's
 * shared budget is reserved before the call and settled after it, the shared rate limiter is
 * honoured, and a usage event is emitted.
 */
import { pathToFileURL } from 'node:url';
import { InvalidConfigError } from '../errors.js';
import type { Budget, RateLimiter } from '../budget/types.js';
import { checkModelCredentials, createModel, DEFAULT_PRICES, parseModelSpec, type PriceTable } from '../providers/index.js';
import { asDelmModel } from '../providers/ai-sdk.js';
import { withLatency } from '../providers/latency.js';
import { createOfflineModel } from '../providers/offline.js';
import type { CompletionRequest, CompletionResult, LanguageModel } from '../providers/types.js';
import type { ModelRef } from './options.js';
import type { UsageEvent } from './events.js';

/**
 * Loads the model a ref names (`prices` override the default table). Model strings and the offline
 * model with simulated latency are built in (the provider SDKs themselves load on a model's first
 * call); module refs call the module's factory export with `options`.
 */
export async function loadModel(ref: ModelRef, prices?: PriceTable): Promise<LanguageModel> {
  if (typeof ref === 'string') return createModel(parseModelSpec(ref), prices ? { prices: { ...DEFAULT_PRICES, ...prices } } : {});
  if ('provider' in ref) {
    const { perCallMs, perOutputTokenMs } = ref.latency ?? {};
    return withLatency(createOfflineModel(), { ...(perCallMs !== undefined ? { perCallMs } : {}), ...(perOutputTokenMs !== undefined ? { perOutputTokenMs } : {}) });
  }
  const url = ref.module.startsWith('file:') ? ref.module : pathToFileURL(ref.module).href;
  const mod = (await import(url)) as Record<string, unknown>;
  const factory = mod[ref.export ?? 'createModel'];
  if (typeof factory !== 'function') throw new InvalidConfigError(`model module ${ref.module} has no function export "${ref.export ?? 'createModel'}"`);
  // A module's factory is untyped by nature: what it returns is checked (and an AI SDK model wrapped, inside this worker).
  return asDelmModel(await (factory as (options: unknown) => unknown)(ref.options), `model factory of ${ref.module}`);
}

/** Checks up front (before any worker starts) that a model ref can be used: a known provider and its key present. */
export async function checkModelRef(ref: ModelRef, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (typeof ref !== 'string') return;
  checkModelCredentials(parseModelSpec(ref), env);
}

/** What metering needs from its host. */
export interface MeterOptions {
  agentId: number;
  role: string;
  budget: Budget | undefined;
  rateLimiter: RateLimiter | undefined;
  emit: (event: Omit<UsageEvent, 'at'>) => void;
}

// Before a call its real size is unknown: reserve a generous estimate, then settle with the truth.
const estimateTokens = (request: CompletionRequest<unknown>): number => {
  const chars = (request.system?.length ?? 0) + request.messages.reduce((n, m) => n + m.content.length, 0);
  return Math.ceil(chars / 3) + (request.maxTokens ?? 1_024);
};

/** Wraps a model so every call is budgeted, rate limited and reported. */
export function meterModel(model: LanguageModel, options: MeterOptions): LanguageModel {
  return {
    id: model.id,
    async complete<T>(request: CompletionRequest<T>): Promise<CompletionResult<T>> {
      const estimate = estimateTokens(request);
      const reservation = options.budget?.reserve({ tokens: estimate, modelCalls: 1, costMicroUsd: 1 });
      let result: CompletionResult<T>;
      try {
        await options.rateLimiter?.acquire(estimate, request.signal);
        result = await model.complete(request);
      } catch (error) {
        if (reservation) options.budget!.settle(reservation, { modelCalls: 1 });
        throw error;
      }
      const { inputTokens, outputTokens, cachedInputTokens } = result.usage;
      if (reservation) {
        options.budget!.settle(reservation, { tokens: inputTokens + outputTokens, modelCalls: 1, costMicroUsd: Math.round(result.costUsd * 1e6) });
      }
      options.emit({
        type: 'usage',
        agentId: options.agentId,
        role: request.context?.role ?? options.role,
        model: result.model,
        taskId: request.context?.taskId,
        inputTokens,
        outputTokens,
        cachedInputTokens,
        costUsd: result.costUsd,
        latencyMs: result.latencyMs,
      });
      return result;
    },
  };
}
