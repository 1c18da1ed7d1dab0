/**
 * Requests-per-minute and tokens-per-minute limits shared by every worker, lock-free: GCRA (the
 * generic cell rate algorithm, a token bucket kept as one number). Each rate keeps a theoretical
 * arrival time (TAT) in µs in a BigInt64 word; admitting `n` units moves it to max(TAT, now) + n·T
 * with one compareExchange, provided that stays within the burst window τ of now.
 *
 * - The bucket holds `rate × burstWindowMs / 60 000` units and starts full. With the default window
 *   of a minute that is a minute's worth, like providers' own buckets; in any span of `d` ms at most
 *   `capacity + rate × d / 60 000` units are admitted.
 * - A request bigger than the whole bucket is admitted when the bucket is full and leaves it in debt
 *   (later requests wait until the debt is paid), so it never deadlocks and the average rate holds.
 * - Both rates are admitted together or not at all: if the token rate refuses, the request-rate
 *   admission is undone, by taking its cost back off the word even when other threads have admitted
 *   since. Those admissions came before it elapsed, so each queued behind it and sits exactly its
 *   cost later than it would have without it; once it has elapsed there is nothing left to undo.
 *   (Skipping the undo when the word had moved leaked a request each time: with the clock standing
 *   still, enough of those could hold the request bucket empty while nothing was admitted.)
 * - Time is `process.hrtime` (CLOCK_MONOTONIC), the same clock in every thread of the process, so
 *   workers agree to the microsecond; `performance.now()` would not (its origin differs per thread).
 *   A limiter created with a `ManualClock` reads that instead, in every thread (tests).
 * - No queue: a large request competing with a stream of small ones may wait longer than its share.
 */
import { z } from 'zod';
import { describeIssues } from '../internal/parse.js';
import { AbortedError, DelmError, InvalidConfigError } from '../errors.js';
import { MANUAL_POLL_MS, ManualClock, ManualClockSchema, type ClockHandle } from '../internal/clock.js';
import type { RateLimiter, RateLimits } from './types.js';

/** Structured-cloneable handle: post it to a worker and `SharedRateLimiter.attach` it there. */
export interface RateLimiterHandle {
  readonly kind: 'delm.rate-limiter';
  readonly buffer: SharedArrayBuffer;
  /** The manual clock the limiter was created with; absent: the real clock. */
  readonly clock?: ClockHandle;
}

const rate = z.number().int().min(1).max(1e12).optional();
/** Schema of {@link RateLimiterOptions}. */
export const RateLimiterOptionsSchema = z
  .object({
    requestsPerMinute: rate,
    tokensPerMinute: rate,
    /** How many ms of each rate may be spent at once (the bucket size). Default: a minute. */
    burstWindowMs: z.number().int().min(1).max(3_600_000).default(60_000),
    /** Time in every attached thread; default: the real clock (`process.hrtime`). */
    clock: ManualClockSchema.optional(),
  })
  .strict();

/** Options of {@link SharedRateLimiter.create}: the rates, the burst window and (for tests) a manual clock. */
export type RateLimiterOptions = RateLimits & { burstWindowMs?: number; clock?: ManualClock };

const MAGIC = 0x7261_7465n; // "rate"
const VERSION = 1n;
const HDR = { MAGIC: 0, VERSION: 1, CLOCK_BASE_NS: 2 } as const;
const base = (i: number) => 8 + i * 8;
const W = { RATE: 0, TAU_US: 1, TAT_US: 2 } as const;
const WORDS = base(2);
const REQUESTS = 0;
const TOKENS = 1;
const MINUTE_US = 60_000_000n;

/** Shared-memory implementation of {@link RateLimiter}. */
export class SharedRateLimiter implements RateLimiter {
  readonly handle: RateLimiterHandle;
  private readonly w: BigInt64Array;
  private readonly clockBase: bigint;
  /** ns on the limiter's clock: process.hrtime, or the ManualClock it was created with. */
  private readonly clockNs: () => bigint;
  /** Longest single sleep of `acquire`: short on a manual clock, which only another thread moves. */
  private readonly maxSleepMs: number;
  /** TAT before and after this thread's last admission, for the undo. */
  #last: [before: bigint, after: bigint] = [0n, 0n];

  private constructor(handle: RateLimiterHandle) {
    if (handle?.kind !== 'delm.rate-limiter') throw new DelmError('INVALID_ARGUMENT', 'not a delm rate limiter handle');
    this.handle = handle;
    this.w = new BigInt64Array(handle.buffer);
    if (this.w.length < WORDS || this.w[HDR.MAGIC] !== MAGIC || this.w[HDR.VERSION] !== VERSION) {
      throw new DelmError('INVALID_ARGUMENT', 'not a delm rate limiter handle (bad magic or version)');
    }
    this.clockBase = this.w[HDR.CLOCK_BASE_NS]!;
    this.clockNs = nsClock(handle.clock);
    this.maxSleepMs = handle.clock ? MANUAL_POLL_MS : Number.POSITIVE_INFINITY;
  }

  /** Creates a limiter; a missing rate is unlimited. Throws InvalidConfigError for bad options. */
  static create(options: RateLimiterOptions = {}): SharedRateLimiter {
    const parsed = RateLimiterOptionsSchema.safeParse(options);
    if (!parsed.success) throw new InvalidConfigError('invalid rate limits', describeIssues(parsed.error));
    const o = parsed.data;
    const buffer = new SharedArrayBuffer(WORDS * 8);
    const w = new BigInt64Array(buffer);
    w[HDR.MAGIC] = MAGIC;
    w[HDR.VERSION] = VERSION;
    w[HDR.CLOCK_BASE_NS] = nsClock(o.clock?.handle)();
    const tau = BigInt(o.burstWindowMs) * 1000n;
    for (const [i, r] of [
      [REQUESTS, o.requestsPerMinute],
      [TOKENS, o.tokensPerMinute],
    ] as const) {
      w[base(i) + W.RATE] = BigInt(r ?? 0);
      w[base(i) + W.TAU_US] = tau;
    }
    return new SharedRateLimiter(
      o.clock ? { kind: 'delm.rate-limiter', buffer, clock: o.clock.handle } : { kind: 'delm.rate-limiter', buffer },
    );
  }

  /** Opens a limiter created elsewhere (another thread) from its handle. */
  static attach(handle: RateLimiterHandle): SharedRateLimiter {
    return new SharedRateLimiter(handle);
  }

  /** µs since the limiter was created, on the clock every thread shares. */
  nowUs(): bigint {
    return (this.clockNs() - this.clockBase) / 1000n;
  }

  tryAcquire(tokens: number): number {
    if (typeof tokens !== 'number' || !Number.isFinite(tokens) || tokens < 0)
      throw new DelmError('INVALID_ARGUMENT', `tokens must be a finite number ≥ 0, got ${String(tokens)}`);
    const now = this.nowUs();
    const waitRequests = this.admit(REQUESTS, 1n, now);
    if (waitRequests > 0n) return toMs(waitRequests);
    const [before, after] = this.#last;
    const waitTokens = this.admit(TOKENS, BigInt(Math.ceil(tokens)), now);
    if (waitTokens > 0n) {
      if (after !== before) this.undo(REQUESTS, after, after - (before > now ? before : now));
      return toMs(waitTokens);
    }
    return 0;
  }

  /** Takes back this thread's admission of `cost` to rate `i`, which moved its TAT to `after` (see the module comment). */
  private undo(i: number, after: bigint, cost: bigint): void {
    const at = base(i) + W.TAT_US;
    for (;;) {
      if (this.nowUs() >= after) return;
      const tat = Atomics.load(this.w, at);
      if (Atomics.compareExchange(this.w, at, tat, tat - cost) === tat) return;
    }
  }

  async acquire(tokens: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw new AbortedError('rate limiter wait aborted');
      const wait = this.tryAcquire(tokens);
      if (wait === 0) return;
      await sleep(Math.min(wait, this.maxSleepMs), signal);
    }
  }

  /** Admits `n` units of rate `i` now (returns 0) or returns the µs until it could. */
  private admit(i: number, n: bigint, now: bigint): bigint {
    const at = base(i);
    const perMinute = this.w[at + W.RATE]!;
    if (perMinute === 0n || n === 0n) {
      this.#last = [0n, 0n];
      return 0n;
    }
    const tau = this.w[at + W.TAU_US]!;
    const cost = (n * MINUTE_US + perMinute - 1n) / perMinute;
    for (;;) {
      const tat = Atomics.load(this.w, at + W.TAT_US);
      const start = tat > now ? tat : now;
      const next = start + cost;
      if (cost > tau) {
        if (tat > now) return tat - now; // oversized: only into a full bucket
      } else if (next - now > tau) {
        return next - now - tau;
      }
      if (Atomics.compareExchange(this.w, at + W.TAT_US, tat, next) === tat) {
        this.#last = [tat, next];
        return 0n;
      }
    }
  }
}

function nsClock(handle: ClockHandle | undefined): () => bigint {
  if (handle === undefined) return () => process.hrtime.bigint();
  const clock = ManualClock.attach(handle);
  return () => clock.nowUs() * 1000n;
}

function toMs(us: bigint): number {
  return Math.max(1, Number((us + 999n) / 1000n));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError('rate limiter wait aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A limiter that admits everything at once (no configured rates). */
export const unlimitedRateLimiter: RateLimiter = {
  async acquire(_tokens: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new AbortedError('rate limiter wait aborted');
  },
  tryAcquire(): number {
    return 0;
  },
};
