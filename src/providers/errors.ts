/** Maps SDK and network errors to ProviderError, and keeps secrets out of every message. */
import { AbortedError, ProviderError } from '../errors.js';

/** Key shapes (`sk-…`, `sk-ant-…`) and credentials in header shapes (`Bearer <token>`, `x-api-key: <token>`). */
const SHAPED =
  /\b(?:sk|pk|rk)-[\w-]{6,}|\bsk-ant-[\w-]{6,}|\b(Bearer|Basic)(\s+)[\w.~+/=-]{6,}|\b(x-api-key|api-key|api_key|apikey|authorization)(["']?\s*[:=]\s*["']?)(?!Bearer\b|Basic\b)[^\s"',;&]{4,}/gi;

/**
 * Replaces every occurrence of a secret, and anything shaped like an API key or a credential header
 * (`Bearer <token>`, `x-api-key: <token>`: the token only), with `[redacted]`.
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  // Longest first: a secret that contains another is taken out whole.
  const given = secrets.filter((s): s is string => s !== undefined && s.length >= 4);
  for (const secret of given.sort((a, b) => b.length - a.length)) out = out.split(secret).join('[redacted]');
  return out.replace(SHAPED, (_match, scheme?: string, space?: string, header?: string, separator?: string) =>
    scheme ? `${scheme}${space}[redacted]` : header ? `${header}${separator}[redacted]` : '[redacted]',
  );
}

/** Names of environment variables whose values are secrets wherever they turn up. */
const SECRET_VARIABLE = /(?:API_KEY|TOKEN|PASSWORD)$/i;

/**
 * The values of the environment's `*API_KEY`, `*TOKEN` and `*PASSWORD` variables: keys an AI SDK
 * provider (or any other) read itself, which delm was never given. Values under `minChars` characters
 * (by default 8: `1`, `true`) are left out: redacting them would take every such word out of a message.
 */
export function envSecrets(env: NodeJS.ProcessEnv = process.env, minChars = 8): string[] {
  const out: string[] = [];
  for (const name in env) {
    const value = env[name];
    if (value && value.length >= minChars && SECRET_VARIABLE.test(name)) out.push(value);
  }
  return out;
}

/** {@link redact} for an error's text: the given secrets, and the environment's too ({@link envSecrets}). */
export function redactError(text: string, secrets: ReadonlyArray<string | undefined>): string {
  return redact(text, [...secrets, ...envSecrets()]);
}

/** Milliseconds a response asked us to wait (`retry-after-ms`, `retry-after` in seconds or as a date). */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** A ProviderError for anything an SDK call threw; `retryAfter` is set when the server said when to retry. */
export function toProviderError(
  error: unknown,
  provider: string,
  secrets: ReadonlyArray<string | undefined>,
): ProviderError & { retryAfter?: number } {
  if (error instanceof ProviderError) return error;
  const e = error as {
    status?: unknown;
    headers?: { get(name: string): string | null };
    message?: unknown;
    name?: unknown;
  };
  const status = typeof e.status === 'number' ? e.status : undefined;
  const name = typeof e.name === 'string' ? e.name : '';
  const detail = redactError(typeof e.message === 'string' ? e.message : String(error), secrets).slice(0, 500);
  if (status === 401 || status === 403) {
    return new ProviderError(
      `${provider} rejected the API key (HTTP ${status}); check the key and its permissions`,
      provider,
      status,
      false,
    );
  }
  if (status === 429) {
    const err = new ProviderError(`${provider} rate limit (HTTP 429): ${detail}`, provider, status, true, {
      code: 'RATE_LIMITED',
      cause: error,
    });
    const after = retryAfterMs(e.headers);
    return after === undefined ? err : Object.assign(err, { retryAfter: after });
  }
  if (/Timeout/i.test(name))
    return new ProviderError(`${provider} did not answer in time`, provider, status, true, {
      code: 'PROVIDER_TIMEOUT',
      cause: error,
    });
  if (status !== undefined) {
    const retryable = status === 408 || status === 409 || status >= 500;
    const err = new ProviderError(`${provider} error (HTTP ${status}): ${detail}`, provider, status, retryable, {
      cause: error,
    });
    const after = retryAfterMs(e.headers);
    return after === undefined ? err : Object.assign(err, { retryAfter: after });
  }
  // No status: a connection failure (refused, reset, DNS) — worth another try.
  return new ProviderError(`${provider} connection failed: ${detail}`, provider, undefined, true, { cause: error });
}

/** True when the error means the caller cancelled. */
export function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return (
    signal?.aborted === true ||
    error instanceof AbortedError ||
    (error as { name?: string })?.name === 'APIUserAbortError'
  );
}
