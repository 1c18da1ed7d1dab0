/**
 * Requests- and tokens-per-minute limits shared by every process of a run (or of anything that opens
 * the same name): GCRA on the Redis server's clock, both rates admitted together in one call of the
 * delm library (functions/budget.lua.ts). Same semantics as the shared-memory limiter: the bucket
 * holds `rate × burstWindowMs / 60 000` units and starts full; an oversized request is admitted into a
 * full bucket and leaves it in debt.
 */
import { z } from 'zod';
import { AbortedError, DelmError } from '../errors.js';
import { parseConfig } from '../internal/parse.js';
import type { RateLimiter } from '../budget/types.js';
import { connect, fcall, runPrefix, type RedisClient, type RedisTarget } from './client.js';
import { FN, ensureLibrary } from './library.js';

const rate = z.number().int().min(1).max(1e12).optional();
/** Options of {@link RedisRateLimiter.open} (validated); rates take effect when the limiter is first created. */
export const RedisRateLimiterOptionsSchema = z
  .object({
    /** The run (or any shared name, e.g. one per provider account) whose limiter this is. */
    runId: z.string().min(1),
    requestsPerMinute: rate,
    tokensPerMinute: rate,
    burstWindowMs: z.number().int().min(1).max(3_600_000).default(60_000),
  })
  .strict();

/** Options of {@link RedisRateLimiter.open}. */
export type RedisRateLimiterOptions = z.input<typeof RedisRateLimiterOptionsSchema>;

/** Redis rate limiter: `acquire` as in {@link RateLimiter}; `tryAcquire` is asynchronous here. */
export class RedisRateLimiter implements Pick<RateLimiter, 'acquire'> {
  private constructor(
    private readonly client: RedisClient,
    private readonly owned: boolean,
    /** The key prefix, `delm:{<runId>}:`. */
    readonly prefix: string,
  ) {}

  /** Opens the limiter, creating it with these rates if none exists under this id. */
  static async open(target: RedisTarget, options: RedisRateLimiterOptions): Promise<RedisRateLimiter> {
    const o = parseConfig(RedisRateLimiterOptionsSchema, options, 'invalid Redis rate limits');
    const prefix = runPrefix(o.runId);
    const { client, owned } = await connect(target);
    try {
      await ensureLibrary(client);
      await fcall(client, `${FN}rl_init`, prefix, [
        String(o.requestsPerMinute ?? 0),
        String(o.tokensPerMinute ?? 0),
        String(o.burstWindowMs),
      ]);
      return new RedisRateLimiter(client, owned, prefix);
    } catch (error) {
      if (owned) client.destroy();
      throw error;
    }
  }

  /** Admits one request of `tokens` now (resolves 0) or resolves the ms to wait before trying again. */
  async tryAcquire(tokens: number): Promise<number> {
    if (typeof tokens !== 'number' || !Number.isFinite(tokens) || tokens < 0)
      throw new DelmError('INVALID_ARGUMENT', `tokens must be a finite number ≥ 0, got ${String(tokens)}`);
    return (await fcall(this.client, `${FN}rl_acquire`, this.prefix, [String(Math.ceil(tokens))])) as number;
  }

  /** Waits until one request of `tokens` is admitted under every configured rate. */
  async acquire(tokens: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw new AbortedError('rate limiter wait aborted');
      const wait = await this.tryAcquire(tokens);
      if (wait === 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(1, wait));
        function done() {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        }
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** Closes this process's connection. */
  async disconnect(): Promise<void> {
    if (this.owned) await this.client.close();
  }
}
