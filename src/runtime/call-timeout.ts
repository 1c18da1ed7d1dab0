/**
 * The per-call timeout of custom models (`{ module, export }`), the same one the built-in providers
 * apply to every HTTP attempt: a call that has not answered in time is rejected with a retryable
 * PROVIDER_TIMEOUT and its signal aborted, and a call whose caller aborts is rejected at once, even
 * if the model ignores its signal.
 */
import { AbortedError, ProviderError } from '../errors.js';
import { DEFAULT_RETRY } from '../providers/resilient.js';
import type { CompletionRequest, CompletionResult, LanguageModel } from '../providers/types.js';

/** Default per-call timeout of a custom model: the providers' per-attempt timeout. */
export const CUSTOM_MODEL_TIMEOUT_MS = DEFAULT_RETRY.timeoutMs;

/** Wraps `model` so each call ends within `timeoutMs` or when its signal aborts. */
export function withCallTimeout(model: LanguageModel, timeoutMs: number = CUSTOM_MODEL_TIMEOUT_MS): LanguageModel {
  return {
    id: model.id,
    complete<T>(request: CompletionRequest<T>): Promise<CompletionResult<T>> {
      const outer = request.signal;
      if (outer?.aborted) return Promise.reject(new AbortedError(`${model.id} call aborted`));
      // One controller per call, aborted by the timeout or by the caller's signal (through the listener
      // below): AbortSignal.any would build a dependent signal, tracked by weak references, per call.
      const own = new AbortController();
      const signal = own.signal;
      return new Promise<CompletionResult<T>>((resolve, reject) => {
        const timer = setTimeout(() => {
          const error = new ProviderError(
            `${model.id} did not answer within ${timeoutMs} ms`,
            model.id,
            undefined,
            true,
            { code: 'PROVIDER_TIMEOUT' },
          );
          own.abort(error);
          reject(error);
        }, timeoutMs);
        const onAbort = () => {
          own.abort(outer?.reason);
          reject(new AbortedError(`${model.id} call aborted`));
        };
        outer?.addEventListener('abort', onAbort, { once: true });
        const settle = () => {
          clearTimeout(timer);
          outer?.removeEventListener('abort', onAbort);
        };
        model.complete({ ...request, signal }).then(
          (r) => (settle(), resolve(r)),
          // The model's own rejection, passed through as it is.
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          (e: unknown) => (settle(), reject(e)),
        );
      });
    },
  };
}
