// The run budget and the rate limiter on Redis, on a manual clock stored with the run.
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BudgetExhaustedError } from '../../src/errors.js';
import type { RedisClient } from '../../src/redis/client.js';
import { RedisBudget, type RedisBudgetOptions } from '../../src/redis/budget.js';
import { RedisManualClock } from '../../src/redis/manual-clock.js';
import { RedisRateLimiter, type RedisRateLimiterOptions } from '../../src/redis/rate-limiter.js';
import { runPrefix } from '../../src/redis/client.js';
import { privateRedisServer, uniqueRunId } from '../helpers/redis-server.js';

const server = privateRedisServer({ beforeAll, afterAll });
const opened: Array<{ disconnect(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.disconnect()));
});

/** A manual clock for `runId`, installed before anything of the run is opened. */
async function clockFor(runId: string): Promise<RedisManualClock> {
  const client: RedisClient = createClient({ url: server().url });
  await client.connect();
  opened.push({ disconnect: () => client.close() });
  const clock = new RedisManualClock(client, runPrefix(runId));
  await clock.install();
  return clock;
}

async function budget(options: Omit<RedisBudgetOptions, 'runId'>, runId = uniqueRunId('budget')) {
  const b = await RedisBudget.open({ url: server().url }, { runId, ...options });
  opened.push(b);
  return b;
}

async function limiter(options: Omit<RedisRateLimiterOptions, 'runId'>, runId: string) {
  const l = await RedisRateLimiter.open({ url: server().url }, { runId, ...options });
  opened.push(l);
  return l;
}

describe('RedisBudget', () => {
  it('reserves every resource or none, and settles with the actual use', async () => {
    const b = await budget({ tokens: 1_000, modelCalls: 3 });
    const r = await b.reserve({ tokens: 600, modelCalls: 1 });
    await expect(b.reserve({ tokens: 500, modelCalls: 1 })).rejects.toThrow(BudgetExhaustedError);
    await expect(b.reserve({ tokens: 500, modelCalls: 1 })).rejects.toMatchObject({ resource: 'tokens', limit: 1_000 });
    // The refused reservation left nothing behind: calls are still 1 reserved.
    expect((await b.snapshot()).modelCalls).toEqual({ used: 0, reserved: 1, limit: 3 });
    await b.settle(r, { tokens: 420, modelCalls: 1 });
    expect((await b.snapshot()).tokens).toEqual({ used: 420, reserved: 0, limit: 1_000 });
    const c = await b.reserve({ tokens: 580 });
    await b.cancel(c);
    expect(await b.snapshot()).toMatchObject({
      tokens: { used: 420, reserved: 0 },
      costMicroUsd: { limit: undefined },
    });
    expect(await b.exhausted()).toBeUndefined();
    await b.settle(await b.reserve({ tokens: 580 }), { tokens: 580 });
    expect(await b.exhausted()).toBe('tokens');
  });

  it('never overspends with many reservers at once (each on its own connection)', async () => {
    const runId = uniqueRunId('contended');
    const budgets = await Promise.all(Array.from({ length: 8 }, () => budget({ modelCalls: 50 }, runId)));
    const attempts = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => budgets[i % budgets.length]!.reserve({ modelCalls: 1 })),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(50);
    expect((await budgets[0]!.snapshot()).modelCalls).toEqual({ used: 0, reserved: 50, limit: 50 });
  });

  it('returns an expired reservation to the pool, and still counts a late settle', async () => {
    const runId = uniqueRunId('expiry');
    const clock = await clockFor(runId);
    const b = await budget({ tokens: 100, reservationTtlMs: 1_000 }, runId);
    const dead = await b.reserve({ tokens: 100 }); // its process "dies" here
    await expect(b.reserve({ tokens: 1 })).rejects.toThrow(BudgetExhaustedError);
    await clock.advance(999);
    await expect(b.reserve({ tokens: 1 })).rejects.toThrow(BudgetExhaustedError);
    await clock.advance(1);
    const live = await b.reserve({ tokens: 60 });
    expect(await b.settleReporting(dead, { tokens: 30 })).toBe(false);
    expect((await b.snapshot()).tokens).toEqual({ used: 30, reserved: 60, limit: 100 });
    expect(await b.settleReporting(live, { tokens: 50 })).toBe(true);
    expect((await b.snapshot()).tokens).toEqual({ used: 80, reserved: 0, limit: 100 });
  });
});

describe('RedisRateLimiter', () => {
  it('admits a burst of the bucket size, then one request per interval on the server clock', async () => {
    const runId = uniqueRunId('rate');
    const clock = await clockFor(runId);
    // 60 requests/min with a 5 s bucket: 5 at once, then one a second.
    const l = await limiter({ requestsPerMinute: 60, burstWindowMs: 5_000 }, runId);
    for (let i = 0; i < 5; i++) expect(await l.tryAcquire(0)).toBe(0);
    expect(await l.tryAcquire(0)).toBe(1_000);
    await clock.advance(999);
    expect(await l.tryAcquire(0)).toBe(1);
    await clock.advance(1);
    expect(await l.tryAcquire(0)).toBe(0);
    expect(await l.tryAcquire(0)).toBe(1_000);
  });

  it('admits both rates together or neither, shared by every opener of the same id', async () => {
    const runId = uniqueRunId('tokens');
    const clock = await clockFor(runId);
    const a = await limiter({ requestsPerMinute: 600, tokensPerMinute: 6_000, burstWindowMs: 1_000 }, runId);
    const b = await limiter({ requestsPerMinute: 1 }, runId); // a later opener keeps the first one's rates
    expect(await a.tryAcquire(60)).toBe(0); // 60 of the 100-token bucket
    expect(await b.tryAcquire(60)).toBe(200); // 20 tokens short: 200 ms at 100 tokens/s
    // The refused request did not spend a request slot: 9 of 10 remain.
    for (let i = 0; i < 9; i++) expect(await b.tryAcquire(0)).toBe(0);
    expect(await a.tryAcquire(0)).toBeGreaterThan(0);
    await clock.advance(1_000);
    // An oversized request goes into a full bucket and leaves it in debt.
    expect(await a.tryAcquire(500)).toBe(0);
    expect(await a.tryAcquire(1)).toBeGreaterThanOrEqual(4_000);
  });
});
