/** Adds LLM-like latency to any model (per call, plus per output token), so benchmarks reflect LLM-bound timing. */
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortedError } from '../errors.js';
import type { CompletionRequest, CompletionResult, LanguageModel } from './types.js';

/** Latency to add. */
export interface LatencyOptions {
  perCallMs?: number;
  perOutputTokenMs?: number;
}

/** Wraps `model` so each call takes at least `perCallMs + outputTokens × perOutputTokenMs`; abortable. */
export function withLatency(
  model: LanguageModel,
  { perCallMs = 0, perOutputTokenMs = 0 }: LatencyOptions,
): LanguageModel {
  return {
    id: model.id,
    async complete<T>(request: CompletionRequest<T>): Promise<CompletionResult<T>> {
      const started = performance.now();
      const result = await model.complete(request);
      const total = perCallMs + result.usage.outputTokens * perOutputTokenMs;
      // Timers run on libuv's whole-millisecond clock and can fire just under the wait by
      // performance.now(): sleep again for what is left, so a call never takes less than promised.
      for (let wait = total - (performance.now() - started); wait > 0; wait = total - (performance.now() - started)) {
        try {
          await sleep(Math.ceil(wait), undefined, request.signal ? { signal: request.signal } : {});
        } catch {
          throw new AbortedError('call aborted during simulated latency');
        }
      }
      return { ...result, latencyMs: performance.now() - started };
    },
  };
}
