import { describe, expect, it } from 'vitest';
import { SharedRateLimiter, unlimitedRateLimiter } from '../../src/budget/rate-limiter.js';
import { AbortedError, InvalidConfigError } from '../../src/errors.js';
import { ManualClock } from '../../src/internal/clock.js';
import { pending } from '../helpers/clock.js';

describe('SharedRateLimiter', () => {
  it('admits a full bucket of requests at once, then one per emission interval', () => {
    // 600/min = one every 100 ms; a 1 s burst window holds 10.
    const clock = ManualClock.create();
    const limiter = SharedRateLimiter.create({ requestsPerMinute: 600, burstWindowMs: 1_000, clock });
    for (let i = 0; i < 10; i++) expect(limiter.tryAcquire(0)).toBe(0);
    expect(limiter.tryAcquire(0)).toBe(100);
    clock.advance(99);
    expect(limiter.tryAcquire(0)).toBe(1);
    clock.advance(1);
    expect(limiter.tryAcquire(0)).toBe(0);
    expect(limiter.tryAcquire(0)).toBe(100);
    // Time past a freed slot counts towards the next one: 250 ms frees two and half of a third.
    clock.advance(250);
    expect(limiter.tryAcquire(0)).toBe(0);
    expect(limiter.tryAcquire(0)).toBe(0);
    expect(limiter.tryAcquire(0)).toBe(50);
  });

  it('limits tokens per minute by the size of each request', () => {
    // 60 000/min = 1 token per ms; a 100 ms window holds 100 tokens.
    const clock = ManualClock.create();
    const limiter = SharedRateLimiter.create({ tokensPerMinute: 60_000, burstWindowMs: 100, clock });
    expect(limiter.tryAcquire(60)).toBe(0);
    expect(limiter.tryAcquire(60)).toBe(20);
    expect(limiter.tryAcquire(40)).toBe(0);
    expect(limiter.tryAcquire(1)).toBe(1);
    clock.advance(30);
    expect(limiter.tryAcquire(31)).toBe(1);
    expect(limiter.tryAcquire(30)).toBe(0);
  });

  /** Both rates on a clock that stands still: buckets of 10 requests and 1 000 tokens. */
  const bothRates = () =>
    SharedRateLimiter.create({
      requestsPerMinute: 600,
      tokensPerMinute: 60_000,
      burstWindowMs: 1_000,
      clock: ManualClock.create(),
    });

  it('admits both rates or neither: a refused token request uses no request slot', () => {
    const limiter = bothRates();
    expect(limiter.tryAcquire(1_000)).toBe(0);
    for (let i = 0; i < 5; i++) expect(limiter.tryAcquire(500)).toBe(500);
    for (let i = 0; i < 9; i++) expect(limiter.tryAcquire(0)).toBe(0);
    expect(limiter.tryAcquire(0)).toBe(100);
  });

  it('takes a refused request back exactly, even when another thread admitted one in between', () => {
    const a = bothRates();
    const b = SharedRateLimiter.attach(a.handle);
    // All the tokens go at once (and one request).
    expect(a.tryAcquire(1_000)).toBe(0);
    // The interleaving threads can have: b admits a request between a's request admission and a's token refusal.
    const limiter = a as unknown as { admit: (i: number, n: bigint, now: bigint) => bigint };
    const admit = limiter.admit.bind(a);
    let raced = false;
    limiter.admit = (i, n, now) => {
      const wait = admit(i, n, now);
      if (i === 0 && !raced) {
        raced = true;
        expect(b.tryAcquire(0)).toBe(0);
      }
      return wait;
    };
    expect(a.tryAcquire(500)).toBe(500);
    expect(raced).toBe(true);
    // Two of the 10 requests were admitted (a's first, b's): 8 remain, with the clock standing still.
    let admitted = 0;
    while (b.tryAcquire(0) === 0) admitted++;
    expect(admitted).toBe(8);
  });

  it('admits a request bigger than the whole bucket once the bucket is full, and makes later ones pay for it', async () => {
    const clock = ManualClock.create();
    const limiter = SharedRateLimiter.create({ tokensPerMinute: 60_000, burstWindowMs: 100, clock });
    expect(limiter.tryAcquire(250)).toBe(0);
    expect(limiter.tryAcquire(1)).toBe(151); // the debt of 150 ms, then room for one token
    expect(limiter.tryAcquire(250)).toBe(250); // waits for a full bucket, not forever
    const acquired = limiter.acquire(250);
    clock.advance(249);
    expect(await pending(acquired)).toBe(true);
    clock.advance(1);
    await acquired;
    expect(limiter.tryAcquire(1)).toBe(151);
  });

  it('acquire waits on the clock until admitted', async () => {
    const clock = ManualClock.create();
    const limiter = SharedRateLimiter.create({ requestsPerMinute: 1_200, burstWindowMs: 50, clock }); // 1 per 50 ms, bucket 1
    await limiter.acquire(0);
    const second = limiter.acquire(0);
    expect(await pending(second)).toBe(true);
    clock.advance(49);
    expect(await pending(second)).toBe(true);
    clock.advance(1);
    await second;
    expect(limiter.tryAcquire(0)).toBe(50);
  });

  it('acquire throws AbortedError when aborted while waiting or before it starts', async () => {
    const clock = ManualClock.create();
    const limiter = SharedRateLimiter.create({ requestsPerMinute: 1, burstWindowMs: 1, clock });
    await limiter.acquire(0);
    const controller = new AbortController();
    const waiting = limiter.acquire(0, controller.signal);
    expect(await pending(waiting)).toBe(true);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    await expect(limiter.acquire(0, AbortSignal.abort())).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('waits on the real clock by default', async () => {
    const limiter = SharedRateLimiter.create({ requestsPerMinute: 1_200, burstWindowMs: 50 }); // 1 per 50 ms, bucket 1
    await limiter.acquire(0);
    const started = performance.now();
    await limiter.acquire(0);
    // Admission is a lower bound in time: a busy machine can only make the wait longer.
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('reads a manual clock from every thread that attached the limiter', () => {
    const clock = ManualClock.create();
    const a = SharedRateLimiter.create({ requestsPerMinute: 600, burstWindowMs: 100, clock }); // bucket of 1
    const b = SharedRateLimiter.attach(structuredClone(a.handle));
    expect(a.tryAcquire(0)).toBe(0);
    expect(b.tryAcquire(0)).toBe(100);
    ManualClock.attach(structuredClone(clock.handle)).advance(100);
    expect(b.nowUs()).toBe(100_000n);
    expect(b.tryAcquire(0)).toBe(0);
  });

  it('shares one bucket between instances attached from a cloned handle', () => {
    const a = SharedRateLimiter.create({ requestsPerMinute: 60, burstWindowMs: 2_000 }); // bucket of 2
    const b = SharedRateLimiter.attach(structuredClone(a.handle));
    expect(a.tryAcquire(0)).toBe(0);
    expect(b.tryAcquire(0)).toBe(0);
    expect(a.tryAcquire(0)).toBeGreaterThan(0);
    expect(b.tryAcquire(0)).toBeGreaterThan(0);
  });

  it('treats a missing rate as unlimited', () => {
    const limiter = SharedRateLimiter.create({ requestsPerMinute: 60_000 });
    expect(limiter.tryAcquire(10 ** 12)).toBe(0);
    const none = SharedRateLimiter.create({});
    for (let i = 0; i < 1_000; i++) expect(none.tryAcquire(1_000_000)).toBe(0);
  });

  it('unlimitedRateLimiter admits everything', async () => {
    expect(unlimitedRateLimiter.tryAcquire(10 ** 9)).toBe(0);
    await expect(unlimitedRateLimiter.acquire(10 ** 9)).resolves.toBeUndefined();
    await expect(unlimitedRateLimiter.acquire(1, AbortSignal.abort())).rejects.toBeInstanceOf(AbortedError);
  });

  it('rejects invalid options with InvalidConfigError, bad token counts and handles with INVALID_ARGUMENT', () => {
    expect(() => SharedRateLimiter.create({ requestsPerMinute: 0 })).toThrow(InvalidConfigError);
    expect(() => SharedRateLimiter.create({ tokensPerMinute: 1.5 })).toThrow(InvalidConfigError);
    expect(() => SharedRateLimiter.create({ burstWindowMs: 0 })).toThrow(InvalidConfigError);
    expect(() => SharedRateLimiter.create({ rpm: 5 } as never)).toThrow(InvalidConfigError);
    const limiter = SharedRateLimiter.create({ tokensPerMinute: 100 });
    expect(() => limiter.tryAcquire(-1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => limiter.tryAcquire(Number.NaN)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => SharedRateLimiter.attach({ kind: 'delm.rate-limiter', buffer: new SharedArrayBuffer(64) })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
