/**
 * The per-call timeout of custom models (`{ module, export }`), the same one the built-in providers
 * apply to every HTTP attempt: a call that has not answered in time is rejected with a retryable
 * PROVIDER_TIMEOUT and its signal aborted, and a call whose caller aborts is rejected at once, even
 * if the model ignores its signal.
 *
 * What a call needs is kept per thread, across calls and across the wrappers of every agent the thread
 * hosts, instead of being built for each: the signals models are handed (a call takes a spare one,
 * and gives it back unless it was aborted or the model left a listener on it), one abort listener per
 * caller signal, and one timer that checks the deadlines of every call in flight. Nothing of a
 * wrapper is kept once its calls ended, so an agent that ended is not kept alive until a timeout long
 * after its last call, and a thread that starts hundreds of agents a run makes no signal, listener or
 * timer per agent (on Node 20 an AbortSignal costs ~10 µs to make and ~0.8 KB that a young-generation
 * collection copies while its agent lives).
 */
import { getEventListeners } from 'node:events';
import { AbortedError, ProviderError } from '../errors.js';
import { DEFAULT_RETRY } from '../providers/resilient.js';
import type { CompletionRequest, CompletionResult, LanguageModel } from '../providers/types.js';
import { extend } from '../internal/extend.js';

/** Default per-call timeout of a custom model: the providers' per-attempt timeout. */
export const CUSTOM_MODEL_TIMEOUT_MS = DEFAULT_RETRY.timeoutMs;

/** A call in flight: its model, its caller's signal, when it times out, and how it fails (aborting the signal its model holds). */
interface Call {
  readonly modelId: string;
  readonly outer: AbortSignal | undefined;
  readonly deadline: number;
  readonly fail: (error: Error, reason: unknown) => void;
  /** Fails the call with its model's timeout error. */
  readonly expire: () => void;
}

/** Every wrapper's calls in flight in this thread. */
const inFlight = new Set<Call>();
/** Fires at the earliest deadline it was armed for; referenced only while a call is in flight. */
let timer: NodeJS.Timeout | undefined;
/** When `timer` fires (`performance.now()` time). */
let timerAt = Number.POSITIVE_INFINITY;

function arm(at: number): void {
  clearTimeout(timer);
  timerAt = at;
  timer = setTimeout(expireDue, Math.max(1, Math.ceil(at - performance.now())));
}

/** Fails the calls whose deadline passed; armed again for the next deadline. */
function expireDue(): void {
  timer = undefined;
  timerAt = Number.POSITIVE_INFINITY;
  const now = performance.now();
  let next = Number.POSITIVE_INFINITY;
  for (const call of inFlight)
    if (call.deadline > now) next = Math.min(next, call.deadline);
    else call.expire();
  if (next !== Number.POSITIVE_INFINITY) arm(next);
}

/** Starts timing `call`; the timer is referenced while any call is in flight. */
function track(call: Call): void {
  inFlight.add(call);
  if (call.deadline < timerAt) arm(call.deadline);
  else if (inFlight.size === 1) timer?.ref();
}

/** Controllers no call holds, never aborted and with no listener left: the next calls' (at most {@link MAX_SPARES}). */
const spares: AbortController[] = [];
/** Enough for every call in flight of the hundreds of agents a thread may host. */
const MAX_SPARES = 1024;
/** Caller signals that carry the thread's abort listener. */
const watched = new WeakSet<AbortSignal>();

/** Fails every call in flight whose caller signal is `this`, which aborted. */
function onOuterAbort(this: AbortSignal): void {
  for (const call of inFlight)
    if (call.outer === this) call.fail(new AbortedError(`${call.modelId} call aborted`), this.reason);
}

/** Stops timing `call`; false if it was no longer timed (it had failed). */
function untrack(call: Call): boolean {
  if (!inFlight.delete(call)) return false;
  if (inFlight.size === 0) timer?.unref();
  return true;
}

/** Wraps `model` so each call ends within `timeoutMs` or when its signal aborts. */
export function withCallTimeout(model: LanguageModel, timeoutMs: number = CUSTOM_MODEL_TIMEOUT_MS): LanguageModel {
  const timeoutError = () =>
    new ProviderError(`${model.id} did not answer within ${timeoutMs} ms`, model.id, undefined, true, {
      code: 'PROVIDER_TIMEOUT',
    });

  return {
    id: model.id,
    complete<T>(request: CompletionRequest<T>): Promise<CompletionResult<T>> {
      const outer = request.signal;
      if (outer?.aborted) return Promise.reject(new AbortedError(`${model.id} call aborted`));
      if (outer && !watched.has(outer)) {
        watched.add(outer);
        outer.addEventListener('abort', onOuterAbort, { once: true });
      }
      const controller = spares.pop() ?? new AbortController();
      return new Promise<CompletionResult<T>>((resolve, reject) => {
        const call: Call = {
          modelId: model.id,
          outer,
          deadline: performance.now() + timeoutMs,
          fail(error, reason) {
            if (!untrack(call)) return;
            controller.abort(reason);
            reject(error);
          },
          expire() {
            const error = timeoutError();
            call.fail(error, error);
          },
        };
        track(call);
        const settle = () => {
          if (!untrack(call)) return false;
          // Handed to a later call only as it was: still timed, so never aborted (only `fail` aborts it, and
          // it stops the timing first), and with no listener the model left on it.
          if (spares.length < MAX_SPARES && getEventListeners(controller.signal, 'abort').length === 0)
            spares.push(controller);
          return true;
        };
        model.complete(extend(request, { signal: controller.signal })).then(
          (r) => settle() && resolve(r),
          // The model's own rejection, passed through as it is.
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          (e: unknown) => settle() && reject(e),
        );
      });
    },
  };
}
