/**
 * Metering of every model call a run makes: the run's shared budget is reserved before the call and
 * settled after it, the shared rate limiter is honoured, and a usage event is emitted.
 */
import type { Budget, RateLimiter } from '../budget/types.js';
import type { CompletionRequest, CompletionResult, LanguageModel } from '../providers/types.js';
import type { UsageEvent } from './events.js';

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
      const estimate = estimateTokens(request as CompletionRequest<unknown>);
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
