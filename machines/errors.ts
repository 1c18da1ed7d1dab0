/**
 * How the machines read errors thrown by their actors. Errors may arrive as class instances or as
 * the plain `{ code, message }` form that crosses threads, so only the `code` and `retryable`
 * fields matter. The codes are `DelmErrorCode` values, repeated here as strings because machines
 * import nothing from `src/`.
 */
import { fromPromise } from 'xstate';
import type { ErrorInfo, Verdict } from './types.js';

/** What a machine does about an error. */
export type ErrorKind = 'budget' | 'aborted' | 'leaseLost' | 'fenced' | 'fatal' | 'retryable' | 'other';

/** Codes after which nothing this worker does can succeed: the machine goes to `failed`. */
const FATAL_CODES = new Set(['NOT_PROVIDED', 'LEDGER_CORRUPT', 'WORKER_CRASHED', 'MISSING_API_KEY', 'INVALID_CONFIG']);
/** Codes worth another try after a pause unless the error says otherwise. */
const RETRYABLE_CODES = new Set(['RATE_LIMITED', 'PROVIDER_TIMEOUT']);

/** Plain-data view of any thrown value. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (typeof error === 'object' && error !== null) {
    const e = error as { code?: unknown; message?: unknown; retryable?: unknown };
    return {
      code: typeof e.code === 'string' ? e.code : undefined,
      message: typeof e.message === 'string' ? e.message : (JSON.stringify(error) ?? 'unknown error'),
      retryable: typeof e.retryable === 'boolean' ? e.retryable : undefined,
    };
  }
  return { code: undefined, message: String(error), retryable: undefined };
}

/** Classify a thrown value by its `code` (and `retryable` flag). */
export function classifyError(error: unknown): ErrorKind {
  const { code, retryable } = toErrorInfo(error);
  if (code === 'BUDGET_EXHAUSTED') return 'budget';
  if (code === 'ABORTED' || code === 'CLOSED') return 'aborted';
  if (code === 'LEASE_LOST') return 'leaseLost';
  if (code === 'FENCED') return 'fenced';
  if (code !== undefined && FATAL_CODES.has(code)) return 'fatal';
  if (retryable === true) return 'retryable';
  if (retryable === undefined && code !== undefined && RETRYABLE_CODES.has(code)) return 'retryable';
  return 'other';
}

/**
 * Whether a task that failed with `error` may pass on another attempt: a retryable error, or a plain
 * error with no code (a model or a network library throwing `Error`), which is taken as transient.
 */
export function isTransient(error: unknown): boolean {
  const kind = classifyError(error);
  return kind === 'retryable' || (kind === 'other' && toErrorInfo(error).code === undefined);
}

/**
 * What the verifier's `decide` effect throws when the proposal's check failed, before anything was
 * written: the machine tries the check again or rejects the proposal, where a failed write ends it.
 * It carries the check's error as `cause`, with that error's `code`, `retryable` flag and message.
 */
export class CheckFailedError extends Error {
  readonly code: string | undefined;
  readonly retryable: boolean | undefined;
  constructor(cause: unknown) {
    const info = toErrorInfo(cause);
    super(info.message, { cause });
    this.name = 'CheckFailedError';
    this.code = info.code;
    this.retryable = info.retryable;
  }
}

/**
 * A batch decision that stopped at a proposal whose decision threw `cause`: `decided` are the
 * verdicts of the proposals before it, already written. The verifier machine reads the cause.
 */
export class BatchStoppedError extends Error {
  readonly code = 'BATCH_STOPPED';
  readonly decided: readonly Verdict[];
  constructor(decided: readonly Verdict[], cause: unknown) {
    super(toErrorInfo(cause).message, { cause });
    this.name = 'BatchStoppedError';
    this.decided = decided;
  }
}

/** The error a placeholder actor throws until the host provides the real one. */
export class ActorNotProvidedError extends Error {
  readonly code = 'NOT_PROVIDED';
  constructor(readonly actor: string) {
    super(`machine actor "${actor}" was not provided: pass it with machine.provide({ actors: { ${actor}: ... } })`);
    this.name = 'ActorNotProvidedError';
  }
}

/** A promise actor that throws {@link ActorNotProvidedError}: the default of every side effect. */
export function notProvided<TOutput, TInput>(name: string) {
  return fromPromise<TOutput, TInput>(() => Promise.reject(new ActorNotProvidedError(name)));
}

/** Exponential backoff: `base * 2^(retry-1)`, capped; `retry` is 1 for the first retry. */
export function backoffDelay(retry: number, baseDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, retry - 1));
}

/** The `error` of an error event, for guards and actions (their event type is the machine's union). */
export function errorOf(event: { type: string }): unknown {
  return (event as { error?: unknown }).error;
}

/** The `output` of a done event, for named guards (their event type is the machine's union, not the done event). */
export function outputOf<T>(event: { type: string }): T {
  return (event as unknown as { output: T }).output;
}
