/**
 * The per-call timeout of custom models (`{ module, export }`), the same one the built-in providers
 * apply to every HTTP attempt: a call that has not answered in time is rejected with a retryable
 * PROVIDER_TIMEOUT and its signal aborted, and a call whose caller aborts is rejected at once, even
 * if the model ignores its signal.
 *
 * An agent calls its model once per step, one call after another, so the wrapper keeps what a call
 * needs across calls instead of building it for each: the signal the model is handed (a new one only
 * after one was aborted, or when the model left a listener on it), one timer that checks every call's
 * deadline when it fires, and one listener per caller signal.
 */
import { getEventListeners } from 'node:events';
import { AbortedError, ProviderError } from '../errors.js';
import { DEFAULT_RETRY } from '../providers/resilient.js';
import type { CompletionRequest, CompletionResult, LanguageModel } from '../providers/types.js';

/** Default per-call timeout of a custom model: the providers' per-attempt timeout. */
export const CUSTOM_MODEL_TIMEOUT_MS = DEFAULT_RETRY.timeoutMs;

/** A call in flight: its caller's signal, when it times out, and how it fails (aborting the signal its model holds). */
interface Call {
  readonly outer: AbortSignal | undefined;
  readonly deadline: number;
  readonly fail: (error: Error, reason: unknown) => void;
}

/** Wraps `model` so each call ends within `timeoutMs` or when its signal aborts. */
export function withCallTimeout(model: LanguageModel, timeoutMs: number = CUSTOM_MODEL_TIMEOUT_MS): LanguageModel {
  const calls = new Set<Call>();
  /** A controller no call holds, never aborted: the next call's. */
  let spare: AbortController | undefined;
  /** Fires at the earliest deadline it was armed for; referenced only while a call is in flight. */
  let timer: NodeJS.Timeout | undefined;
  /** Caller signals that already carry this wrapper's abort listener. */
  const watched = new WeakSet<AbortSignal>();

  const timeoutError = () =>
    new ProviderError(`${model.id} did not answer within ${timeoutMs} ms`, model.id, undefined, true, {
      code: 'PROVIDER_TIMEOUT',
    });
  const expire = () => {
    timer = undefined;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const call of calls) {
      if (call.deadline > now) next = Math.min(next, call.deadline);
      else {
        const error = timeoutError();
        call.fail(error, error);
      }
    }
    if (next !== Number.POSITIVE_INFINITY) arm(next - now);
  };
  const arm = (ms: number) => {
    timer = setTimeout(expire, Math.max(1, Math.ceil(ms)));
  };
  const onOuterAbort = function (this: AbortSignal) {
    for (const call of calls)
      if (call.outer === this) call.fail(new AbortedError(`${model.id} call aborted`), this.reason);
  };

  return {
    id: model.id,
    complete<T>(request: CompletionRequest<T>): Promise<CompletionResult<T>> {
      const outer = request.signal;
      if (outer?.aborted) return Promise.reject(new AbortedError(`${model.id} call aborted`));
      if (outer && !watched.has(outer)) {
        watched.add(outer);
        outer.addEventListener('abort', onOuterAbort, { once: true });
      }
      const controller = spare ?? new AbortController();
      spare = undefined;
      if (timer === undefined) arm(timeoutMs);
      else timer.ref();
      return new Promise<CompletionResult<T>>((resolve, reject) => {
        const call: Call = {
          outer,
          deadline: performance.now() + timeoutMs,
          fail(error, reason) {
            if (!calls.delete(call)) return;
            controller.abort(reason);
            reject(error);
          },
        };
        calls.add(call);
        const settle = () => {
          if (!calls.delete(call)) return false;
          if (calls.size === 0) timer?.unref();
          // Handed to the next call only as it was: not aborted, and with no listener the model left on it.
          if (spare === undefined && getEventListeners(controller.signal, 'abort').length === 0) spare = controller;
          return true;
        };
        model.complete({ ...request, signal: controller.signal }).then(
          (r) => settle() && resolve(r),
          // The model's own rejection, passed through as it is.
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          (e: unknown) => settle() && reject(e),
        );
      });
    },
  };
}
