/**
 * The one place where retries, backoff, timeouts and structured-output repair happen, for every
 * provider: a provider supplies a raw call; this turns it into a LanguageModel.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortedError, MalformedOutputError, ProviderError, spentUsage } from '../errors.js';
import { isAbort, toProviderError } from './errors.js';
import { inputJsonSchema } from './json-schema.js';
import { requestMeterOf } from './request-meter.js';
import { extend } from '../internal/extend.js';
import { costOf, DEFAULT_PRICES, type PriceTable } from './pricing.js';
import type {
  ChatMessage,
  CompletionRequest,
  CompletionResult,
  LanguageModel,
  ToolCall,
  ToolSpec,
  ToolTurn,
  Usage,
} from './types.js';

/** What a provider adapter is asked to do for one HTTP call. */
export interface RawRequest {
  system: string | undefined;
  messages: ChatMessage[];
  maxTokens: number;
  temperature: number | undefined;
  /** JSON schema of the structured output, with its name. */
  structured: { name: string; schema: Record<string, unknown> } | undefined;
  /** Tools offered, the step's earlier tool turns (after `messages`), and whether calling is allowed. */
  tools?: readonly ToolSpec[] | undefined;
  toolTurns?: readonly ToolTurn[] | undefined;
  toolChoice?: 'auto' | 'none' | undefined;
  /** Messages after the tool turns (a structured-output repair request). */
  after?: ChatMessage[] | undefined;
  signal: AbortSignal;
}

/** What it returns: text (for structured output, the JSON text) and usage. */
export interface RawResponse {
  text: string;
  usage: Usage;
  /** Tools the model called (only when the request offered tools). */
  toolCalls?: ToolCall[];
}

/**
 * Retry and timeout policy of a provider's requests. This layer is the one that retries them: the
 * SDKs' own retries are off (`maxRetries: 0`, see `sdk-clients.ts`), and a retryable failure (429, 5xx,
 * 408, 409, a timeout, a connection that failed) is sent again at most `maxRetries` times, after
 * `retry-after` when the server says (at most five minutes) or else an exponential backoff with jitter.
 * So one request costs at most `maxRetries + 1` HTTP requests. The error it gives up with is final:
 * `retryable: false`, its message ending `(gave up after N requests)`, so no caller above (the agent's
 * model-call retries, the queue's re-attempts of a sub-task, the verifier's check retries) retries it
 * again. A structured-output repair is a request of its own, with retries of its own.
 */
export interface RetryOptions {
  /** Retries of a request that failed with a retryable error (default 4: at most 5 HTTP requests). */
  maxRetries: number;
  /** Backoff before the first retry, doubled for each next one (jittered to 50–100 %). */
  baseDelayMs: number;
  /** Longest backoff. */
  maxDelayMs: number;
  /** Per HTTP attempt. */
  timeoutMs: number;
}

/** Defaults: 4 retries (at most 5 HTTP requests per request), 500 ms doubling to 20 s, 120 s per attempt. */
export const DEFAULT_RETRY: RetryOptions = { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 20_000, timeoutMs: 120_000 };

/** Everything `resilientModel` needs. */
export interface ResilientOptions {
  id: string;
  provider: string;
  call: (request: RawRequest) => Promise<RawResponse>;
  retry?: Partial<RetryOptions>;
  prices?: PriceTable;
  /** Secrets that must never appear in an error (the API key); the environment's are redacted too (`envSecrets`). */
  secrets?: ReadonlyArray<string | undefined>;
}

const addUsage = (a: Usage, b: Usage): Usage => ({
  inputTokens: a.inputTokens + b.inputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
  cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
});

/** Extracts the JSON value from a reply that may wrap it in prose or a code fence. */
export function extractJson(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text)?.[1];
  const candidate = (fenced ?? text).trim();
  try {
    return JSON.parse(candidate);
  } catch {
    const start = candidate.search(/[[{]/);
    const end = Math.max(candidate.lastIndexOf('}'), candidate.lastIndexOf(']'));
    if (start >= 0 && end > start) return JSON.parse(candidate.slice(start, end + 1));
    throw new SyntaxError('no JSON value in the reply');
  }
}

/** Wraps a provider's raw call with delm's retry, timeout, repair and cost accounting. */
export function resilientModel(options: ResilientOptions): LanguageModel {
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const secrets = options.secrets ?? [];

  async function callWithRetries(
    request: Omit<RawRequest, 'signal'>,
    signal: AbortSignal | undefined,
  ): Promise<RawResponse> {
    for (let attempt = 0; ; attempt++) {
      const timeout = AbortSignal.timeout(retry.timeoutMs);
      try {
        return await options.call({ ...request, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      } catch (error) {
        // The caller's abort wins; then delm's own timeout, which some SDKs (Anthropic's) report as a user abort.
        if (signal?.aborted || (!timeout.aborted && isAbort(error, signal)))
          throw new AbortedError(`${options.provider} call aborted`);
        // A reply with nothing in it: asking again would be billed again.
        if (error instanceof MalformedOutputError) throw error;
        const mapped = timeout.aborted
          ? toProviderError(Object.assign(new Error('timeout'), { name: 'TimeoutError' }), options.provider, secrets)
          : toProviderError(error, options.provider, secrets);
        if (!mapped.retryable) throw mapped;
        if (attempt >= retry.maxRetries) throw gaveUp(mapped, attempt + 1);
        const backoff = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2);
        // A server's retry-after wins over our backoff (within reason: at most five minutes).
        const after = (mapped as { retryAfter?: number }).retryAfter;
        const wait = after !== undefined ? Math.min(after, 300_000) : backoff;
        try {
          await sleep(wait, undefined, signal ? { signal } : {});
        } catch {
          throw new AbortedError(`${options.provider} call aborted while waiting to retry`);
        }
      }
    }
  }

  return {
    id: options.id,
    async complete<T>(req: CompletionRequest<T>): Promise<CompletionResult<T>> {
      const started = performance.now();
      const structured = req.schema
        ? {
            name: req.schemaName ?? 'output',
            schema: inputJsonSchema(req.schema),
          }
        : undefined;
      let messages = [...req.messages];
      // A repair request follows the tool turns when there are any (else it simply extends the messages,
      // as calls that know nothing of tools expect).
      let after: ChatMessage[] = [];
      const hasTurns = Boolean(req.tools?.length && req.toolTurns?.length);
      const tools = req.tools?.length
        ? { tools: req.tools, toolTurns: req.toolTurns ?? [], toolChoice: req.toolChoice ?? 'auto' }
        : {};
      let usage: Usage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
      const costUsd = (u: Usage) => costOf(options.id, u, options.prices ?? DEFAULT_PRICES).costUsd;
      const finish = (text: string, object: T | undefined, toolCalls?: ToolCall[]): CompletionResult<T> => ({
        text,
        object,
        ...(toolCalls?.length ? { toolCalls } : {}),
        usage,
        costUsd: costUsd(usage),
        latencyMs: performance.now() - started,
        model: options.id,
      });
      // A caller that meters each request (delm's metering) is told of every one; what it was told of is
      // not carried again by an error (`unreported` is what it was not told of).
      const meter = requestMeterOf(req);
      let unreported: Usage = usage;
      // One repair attempt: the validation error goes back to the model once, then it is a recorded failure.
      for (let round = 0; ; round++) {
        // The repair is a request of its own: the caller reserves it first, and may refuse it.
        if (round > 0 && meter) await meter.beforeRequest(extend(req, { messages: [...messages, ...after] }));
        const requestStarted = performance.now();
        const raw = await callWithRetries(
          {
            system: req.system,
            messages,
            maxTokens: req.maxTokens ?? 1_024,
            temperature: req.temperature,
            structured,
            ...tools,
            ...(after.length ? { after } : {}),
          },
          req.signal,
        ).catch((error: unknown) => {
          // The replies of earlier rounds were billed: a failure carries those not reported to the meter.
          throw withSpentUsage(error, unreported, costUsd);
        });
        usage = addUsage(usage, raw.usage);
        if (meter)
          await meter.afterRequest({
            usage: raw.usage,
            costUsd: costUsd(raw.usage),
            latencyMs: performance.now() - requestStarted,
            model: options.id,
          });
        else unreported = usage;
        if (raw.toolCalls?.length && req.tools?.length && req.toolChoice !== 'none')
          return finish(raw.text, undefined, raw.toolCalls);
        if (!req.schema) return finish(raw.text, undefined);
        let problem: string;
        try {
          const parsed = req.schema.safeParse(extractJson(raw.text));
          if (parsed.success) return finish(raw.text, parsed.data);
          problem = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
        } catch (error) {
          problem = (error as Error).message;
        }
        if (round >= 1)
          throw new MalformedOutputError(
            `${options.id} returned output that does not match "${structured!.name}" even after a repair request: ${problem}`,
            raw.text.slice(0, 2_000),
            // Every reply's usage, for whoever reads the error; a per-request meter was told of each already.
            { usage, costUsd: costUsd(usage) },
          );
        const repair: ChatMessage[] = [
          { role: 'assistant', content: raw.text },
          {
            role: 'user',
            content: `That reply is not valid ${structured!.name} JSON (${problem}). Reply again with only the corrected JSON.`,
          },
        ];
        if (hasTurns) after = [...after, ...repair];
        else messages = [...messages, ...repair];
      }
    },
  };
}

/**
 * The final error of a request this layer retried `requests - 1` times: `error` as it last failed, but
 * not retryable, since the retries it was worth were made here (see {@link RetryOptions}).
 */
function gaveUp(error: ProviderError, requests: number): ProviderError {
  return new ProviderError(
    `${error.message} (gave up after ${requests} request${requests === 1 ? '' : 's'})`,
    error.provider,
    error.status,
    false,
    { code: error.code as 'PROVIDER_ERROR' | 'PROVIDER_TIMEOUT' | 'RATE_LIMITED', cause: error },
  );
}

/**
 * `error` carrying what the call used before it failed (see {@link spentUsage}): the replies received,
 * plus the reply the error itself says was billed, priced with `price`. Left as is when it is not an
 * object, or nothing was used.
 */
function withSpentUsage(error: unknown, usage: Usage, price: (usage: Usage) => number): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const own = spentUsage(error);
  if (!own && usage.inputTokens + usage.outputTokens === 0) return error;
  const total = own ? addUsage(usage, own.usage) : usage;
  return Object.assign(error, { usage: total, costUsd: price(total) });
}
