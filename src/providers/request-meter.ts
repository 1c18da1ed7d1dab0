/**
 * How the provider layer lets its caller meter each request of a call that makes more than one (the
 * structured-output repair round): delm's metering (`src/runtime/meter.ts`) hands a
 * {@link RequestMeter} along with the request, under a symbol key, so every request, a repair
 * included, is budgeted, rate limited, counted and recorded as a model call of its own. A model that
 * knows nothing of it (a custom one) is metered per `complete()`, as before. The key is registered
 * (`Symbol.for`), so the meter reaches a provider layer of another copy of delm in the same thread (a
 * model module that imports delm and returns `fromAiSdk(…)`); it survives the wrappers between the
 * two, which copy requests with spreads or `Object.assign`.
 */
import type { CompletionRequest, Usage } from './types.js';

/** The key a request carries its {@link RequestMeter} under. */
export const REQUEST_METER: unique symbol = Symbol.for('delm.requestMeter') as never;

/** What one request that got a reply was billed for, and how long it took (its retries included). */
export interface RequestUsage {
  readonly usage: Usage;
  readonly costUsd: number;
  readonly latencyMs: number;
  readonly model: string;
}

/**
 * The caller's side of each request of one `complete()`. The first request is the caller's to meter
 * before it calls; the model calls `beforeRequest` before each later one and `afterRequest` after
 * each one that got a reply, so a failure leaves the caller to record the request in flight, with
 * what the error says it used (`spentUsage` of the error: only what no `afterRequest` reported).
 */
export interface RequestMeter {
  /**
   * Before a request after the first (a repair), with the call's request as that one will be sent
   * (its messages extended): reserves it, or throws (a budget refuses it: it is never sent).
   */
  beforeRequest(request: CompletionRequest<unknown>): Promise<void>;
  /** After a request that got a reply, with what that request alone used. */
  afterRequest(reply: RequestUsage): Promise<void>;
}

/** The meter `request` carries, if any. */
export function requestMeterOf(request: CompletionRequest<unknown>): RequestMeter | undefined {
  return (request as { [REQUEST_METER]?: RequestMeter })[REQUEST_METER];
}
