import { describe, expect, it } from 'vitest';
import { SharedRateLimiter, unlimitedRateLimiter } from '../../src/budget/rate-limiter.js';
import { AbortedError, InvalidConfigError } from '../../src/errors.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SharedRateLimiter', () => {
  it('admits a full bucket of requests at once, then one per emission interval', async () => {
    // 600/min = one every 100 ms; a 1 s burst window holds 10.
    const limiter = SharedRateLimiter.create({ requestsPerMinute: 600, burstWindowMs: 1_000 });
    for (let i = 0; i < 10; i++) expect(limiter.tryAcquire(0)).toBe(0);
    const refusedAt = Date.now();
    const wait = limiter.tryAcquire(0);
    expect(wait).toBeGreaterThan(90);
    expect(wait).toBeLessThanOrEqual(100);
    await sleep(wait + 5);
    // A loaded machine may wake late; time past the freed slot counts towards the next one.
    const late = Date.now() - (refusedAt + wait);
    expect(limiter.tryAcquire(0)).toBe(0);
    const next = limiter.tryAcquire(0);
    if (late < 90) {
      expect(next).toBeGreaterThan(0);
      expect(next).toBeGreaterThanOrEqual(100 - late - 2);
    }
  });

  it('limits tokens per minute by the size of each request', () => {
    // 60 000/min = 1 token per ms; a 100 ms window holds 100 tokens.
    const limiter = SharedRateLimiter.create({ tokensPerMinute: 60_000, burstWindowMs: 100 });
    expect(limiter.tryAcquire(60)).toBe(0);
    const wait = limiter.tryAcquire(60);
    expect(wait).toBeGreaterThanOrEqual(19);
    expect(wait).toBeLessThanOrEqual(21);
    expect(limiter.tryAcquire(40)).toBe(0);
    expect(limiter.tryAcquire(1)).toBeGreaterThan(0);
  });

  it('admits both rates or neither: a refused token request uses no request slot', () => {
    const limiter = SharedRateLimiter.create({ requestsPerMinute: 600, tokensPerMinute: 60_000, burstWindowMs: 1_000 });
    // Bucket: 10 requests, 1 000 tokens.
    expect(limiter.tryAcquire(1_000)).toBe(0);
    for (let i = 0; i < 5; i++) expect(limiter.tryAcquire(500)).toBeGreaterThan(400);
    for (let i = 0; i < 9; i++) expect(limiter.tryAcquire(0)).toBe(0);
    expect(limiter.tryAcquire(0)).toBeGreaterThan(0);
  });

  it('admits a request bigger than the whole bucket once the bucket is full, and makes later ones pay for it', async () => {
    const limiter = SharedRateLimiter.create({ tokensPerMinute: 60_000, burstWindowMs: 100 });
    expect(limiter.tryAcquire(250)).toBe(0);
    const debt = limiter.tryAcquire(1);
    expect(debt).toBeGreaterThanOrEqual(150);
    expect(debt).toBeLessThanOrEqual(152);
    expect(limiter.tryAcquire(250)).toBeGreaterThanOrEqual(249); // waits for a full bucket, not forever
    const started = Date.now();
    await limiter.acquire(250);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('acquire waits until admitted', async () => {
    const limiter = SharedRateLimiter.create({ requestsPerMinute: 1_200, burstWindowMs: 50 }); // 1 per 50 ms, bucket 1
    await limiter.acquire(0);
    const started = Date.now();
    await limiter.acquire(0);
    await limiter.acquire(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('acquire throws AbortedError when aborted while waiting or before it starts', async () => {
    const limiter = SharedRateLimiter.create({ requestsPerMinute: 1, burstWindowMs: 1 });
    await limiter.acquire(0).catch(() => undefined);
    const controller = new AbortController();
    const started = Date.now();
    const waiting = limiter.acquire(0, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(limiter.acquire(0, AbortSignal.abort())).rejects.toMatchObject({ code: 'ABORTED' });
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
    expect(() => SharedRateLimiter.attach({ kind: 'delm.rate-limiter', buffer: new SharedArrayBuffer(64) })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
