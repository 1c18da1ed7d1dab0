/** Checks on what an SDK handed back: SDKs type a reply's fields but do not check them, and servers vary. */
import { MalformedOutputError, ProviderError } from '../errors.js';
import { redactError } from './errors.js';
import type { Usage } from './types.js';

/** A token count a server reported, or undefined when it reported none usable (not a finite number ≥ 0). */
export function tokenCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * The error for a reply with nothing to read (`what`: "no choices", "no content"). A body that holds
 * an `error` instead is the server's error, sent with a 200: retryable, as a 5xx is. Anything else is
 * a malformed reply, carrying the usage the server reported, if any, since it was billed.
 */
export function emptyReplyError(
  provider: string,
  what: string,
  body: unknown,
  usage: Usage | undefined,
  secrets: ReadonlyArray<string | undefined>,
): Error {
  const error = (body as { error?: unknown } | null)?.error;
  if (typeof error === 'object' && error !== null) {
    const message = (error as { message?: unknown }).message;
    const detail = redactError(typeof message === 'string' ? message : JSON.stringify(error), secrets).slice(0, 500);
    return new ProviderError(
      `${provider} replied with an error instead of an answer: ${detail}`,
      provider,
      undefined,
      true,
    );
  }
  let raw: string;
  try {
    raw = redactError(JSON.stringify(body) ?? String(body), secrets).slice(0, 2_000);
  } catch {
    raw = String(body);
  }
  return new MalformedOutputError(
    `${provider} returned a reply with ${what}`,
    raw,
    // Priced by resilientModel, which knows the model's price.
    usage && { usage, costUsd: 0 },
  );
}
