// One run budget and one rate limiter on Redis shared by real OS processes, as a bounded
// property-style test: fast-check draws the limits, the number of processes and their seeds (each
// process draws its amounts from its seed). The budget is never overspent — sampled while the
// processes run and checked at the end, with a process SIGKILLed while it holds a reservation — and
// the admitted requests and tokens stay within the limiter's bound over the whole run.
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisBudget } from '../../src/redis/budget.js';
import { RedisRateLimiter } from '../../src/redis/rate-limiter.js';
import { childProcesses } from '../helpers/child-process.js';
import { privateRedisServer, uniqueRunId } from '../helpers/redis-server.js';

const server = privateRedisServer({ beforeAll, afterAll });
const fixture = fileURLToPath(new URL('./fixtures/budget-process.ts', import.meta.url));
const processes = childProcesses();
afterEach(() => processes.killAll());

/** What every fixture process needs: its Redis, the run, the seed it draws its amounts from, the largest amount. */
interface FixtureArgs {
  url: string;
  runId: string;
  seed: number;
  maxTokens: number;
}

/** Starts the fixture process for the `budget` or the `rate` test, with the test's further arguments after the common ones. */
function startFixture(mode: 'budget' | 'rate', { url, runId, seed, maxTokens }: FixtureArgs, ...rest: string[]) {
  return processes.start(['--import', 'tsx', fixture, mode, url, runId, String(seed), String(maxTokens), ...rest]);
}

const lastJson = async (child: ReturnType<typeof processes.start>, key: string) =>
  JSON.parse(await child.waitFor((l) => l.startsWith(`{"${key}"`), 120_000)) as Record<string, unknown>;

describe('budget and rate limiter across processes', () => {
  it('a budget shared by processes is never overspent, and a dead holder’s reservation returns', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          limit: fc.integer({ min: 300, max: 3_000 }),
          maxTokens: fc.integer({ min: 5, max: 120 }),
          procs: fc.integer({ min: 2, max: 4 }),
          seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        }),
        async ({ limit, maxTokens, procs, seed }) => {
          const url = server().url;
          const runId = uniqueRunId('budget');
          const TTL = 1_500;
          const budget = await RedisBudget.open({ url }, { runId, tokens: limit, reservationTtlMs: TTL });
          try {
            // One process reserves and dies holding its reservation; the others spend until refused.
            const holder = startFixture('budget', { url, runId, seed, maxTokens }, String(TTL), 'hold');
            const held = (await lastJson(holder, 'holding')).holding as number;
            holder.child.kill('SIGKILL');
            const spenders = Array.from({ length: procs }, (_, i) =>
              startFixture('budget', { url, runId, seed: seed + i + 1, maxTokens }, String(TTL)),
            );
            let sampling = true;
            const samples = (async () => {
              let n = 0;
              while (sampling) {
                const s = await budget.snapshot();
                expect(s.tokens.used + s.tokens.reserved).toBeLessThanOrEqual(limit);
                n++;
                await new Promise((r) => setTimeout(r, 5));
              }
              return n;
            })();
            const results = await Promise.all(spenders.map((p) => lastJson(p, 'settled')));
            sampling = false;
            expect(await samples).toBeGreaterThan(0);
            expect(await Promise.all(spenders.map((p) => p.exited))).toEqual(spenders.map(() => 0));

            const settled = results.reduce((n, r) => n + (r.settled as number), 0);
            const reservations = results.reduce((n, r) => n + (r.reservations as number), 0);
            // Every settlement counted once, none lost; the dead holder's amount is not spent.
            const end = await budget.snapshot();
            expect(end.tokens.used).toBe(settled);
            expect(end.modelCalls.used).toBe(reservations);
            expect(end.tokens.used).toBeLessThanOrEqual(limit);
            // Once its lease lapses the dead holder's reservation returns to the pool (at the next reserve).
            await new Promise((r) => setTimeout(r, TTL + 100));
            const probe = await budget.reserve({ tokens: 0 });
            await budget.cancel(probe);
            const after = await budget.snapshot();
            expect(after.tokens.reserved).toBe(0);
            expect(held).toBeGreaterThan(0);
          } finally {
            await budget.disconnect();
          }
        },
      ),
      { numRuns: 3, endOnFailure: true },
    );
  }, 300_000);

  it('a rate limiter shared by processes admits no more than its bucket plus its rate over the run', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          requestsPerMinute: fc.integer({ min: 1_200, max: 12_000 }),
          tokensPerMinute: fc.integer({ min: 12_000, max: 120_000 }),
          burstWindowMs: fc.integer({ min: 50, max: 500 }),
          maxTokens: fc.integer({ min: 1, max: 40 }),
          procs: fc.integer({ min: 2, max: 4 }),
          seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        }),
        async ({ requestsPerMinute, tokensPerMinute, burstWindowMs, maxTokens, procs, seed }) => {
          const url = server().url;
          const runId = uniqueRunId('rate');
          const limiter = await RedisRateLimiter.open(
            { url },
            { runId, requestsPerMinute, tokensPerMinute, burstWindowMs },
          );
          try {
            const DURATION = 1_500;
            const goKey = `delm-test:{${runId}}:go`;
            const children = Array.from({ length: procs }, (_, i) =>
              startFixture('rate', { url, runId, seed: seed + i, maxTokens }, goKey, String(DURATION)),
            );
            // Every process starts at once, when all are connected (start-up takes seconds on a loaded machine).
            await Promise.all(children.map((c) => lastJson(c, 'ready')));
            const goAt = Date.now() + 200;
            const control = createClient({ url });
            await control.connect();
            await control.set(goKey, String(goAt));
            await control.close();
            const admitted = (await Promise.all(children.map((c) => lastJson(c, 'admitted')))).flatMap(
              (r) => r.admitted as Array<[number, number]>,
            );
            // Every admission was decided by the server between goAt and when its process recorded it.
            expect(admitted.length).toBeGreaterThan(0);
            const span = Math.max(...admitted.map(([t]) => t)) - goAt;
            const requests = admitted.length;
            const tokens = admitted.reduce((n, [, k]) => n + k, 0);
            const burstRequests = (requestsPerMinute * burstWindowMs) / 60_000;
            const burstTokens = (tokensPerMinute * burstWindowMs) / 60_000;
            expect(requests).toBeLessThanOrEqual(Math.floor(burstRequests + (requestsPerMinute * span) / 60_000) + 1);
            expect(tokens).toBeLessThanOrEqual(Math.floor(burstTokens + (tokensPerMinute * span) / 60_000) + maxTokens);
            // The processes were busy: at least a full bucket went through.
            expect(requests).toBeGreaterThanOrEqual(
              Math.min(Math.floor(burstRequests), Math.floor(burstTokens / maxTokens)),
            );
          } finally {
            await limiter.disconnect();
          }
        },
      ),
      { numRuns: 3, endOnFailure: true },
    );
  }, 300_000);
});
