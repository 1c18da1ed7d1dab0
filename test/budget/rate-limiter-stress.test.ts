import type { Worker } from 'node:worker_threads';
import { firstMessage, terminatedAfterEach } from '../helpers/workers.js';
import { describe, expect, it } from 'vitest';
import { startWorker } from '../../src/internal/worker-entry.js';
import { ManualClock } from '../../src/internal/clock.js';
import { SharedRateLimiter } from '../../src/budget/rate-limiter.js';

const fixture = new URL('./fixtures/rate.worker.ts', import.meta.url);
const workers = terminatedAfterEach();

const report = (worker: Worker) => firstMessage<{ admitted: number }>(worker);
const tick = () => new Promise((r) => setTimeout(r, 1));
/** A wait that gives up with what it saw after this long without progress (a hang would only time out). */
const STALL_MS = 20_000;

describe('SharedRateLimiter across real worker threads', () => {
  it('keeps the requests and tokens admitted across workers within bucket + rate × elapsed at every moment, and admits up to that bound', async () => {
    const AGENTS = 3;
    const MAX_TOKENS = 20; // per request (1..20)
    // 1 request and 10 tokens per ms, buckets of 100 requests and 1 000 tokens.
    const clock = ManualClock.create();
    const limiter = SharedRateLimiter.create({
      requestsPerMinute: 60_000,
      tokensPerMinute: 600_000,
      burstWindowMs: 100,
      clock,
    });
    const control = new SharedArrayBuffer(32);
    const ctl = new Int32Array(control);
    const records = new SharedArrayBuffer(2 * 8 * 20_000);
    const pending = Array.from({ length: AGENTS }, (_, i) => {
      const w = startWorker(fixture, { limiter: limiter.handle, control, records, seed: 11 + i * 104_729 });
      workers.push(w);
      return report(w);
    });
    let failure: Error | undefined;
    for (const p of pending)
      p.catch((error: unknown) => (failure ??= error instanceof Error ? error : new Error('a worker failed')));
    /** Polls until `done`; throws a worker's failure, or `what` once nothing has moved for STALL_MS. */
    const until = async (done: () => boolean, what: () => string) => {
      let seen = -1;
      let since = performance.now();
      while (!done()) {
        if (failure !== undefined) throw failure;
        const progress = Atomics.load(ctl, 0) + Atomics.load(ctl, 2);
        if (progress !== seen) [seen, since] = [progress, performance.now()];
        else if (performance.now() - since > STALL_MS) throw new Error(`stalled: ${what()}`);
        await tick();
      }
    };
    await until(
      () => Atomics.load(ctl, 0) >= AGENTS,
      () => `${Atomics.load(ctl, 0)} of ${AGENTS} workers ready`,
    );
    Atomics.store(ctl, 1, 1);

    // Simulated time moves only here, 10 ms a step. Within a step the workers compete for what the
    // buckets hold; the step ends once either bound is reached: every request the bucket holds is
    // admitted, or the tokens admitted reach their bound but for the requests the agents still hold
    // (each under MAX_TOKENS). So the limiter is never merely strict, however slowly the machine runs
    // the workers. (Small requests can use up the request bucket before the token bound is near.)
    const STEPS = 100;
    for (let step = 0; step <= STEPS; step++) {
      const ms = step * 10;
      if (step > 0) clock.advance(10);
      const tokenBound = 1_000 + 10 * ms;
      const requestBound = 100 + ms;
      await until(
        () => Atomics.load(ctl, 3) >= tokenBound - AGENTS * MAX_TOKENS || Atomics.load(ctl, 2) >= requestBound,
        () =>
          `step ${step}: ${Atomics.load(ctl, 2)} of ${requestBound} requests and ${Atomics.load(ctl, 3)} of ${tokenBound} tokens admitted`,
      );
      expect(Atomics.load(ctl, 3)).toBeLessThanOrEqual(tokenBound);
      expect(Atomics.load(ctl, 2)).toBeLessThanOrEqual(requestBound);
    }
    const endUs = clock.nowUs();
    // Stop: a jump far ahead admits what the agents were waiting for, after which they see the flag.
    Atomics.store(ctl, 4, 1);
    clock.advance(60_000);
    const reports = await Promise.all(pending);

    const n = Atomics.load(ctl, 2);
    expect(reports.reduce((s, r) => s + r.admitted, 0)).toBe(n);
    expect(reports.every((r) => r.admitted > 0)).toBe(true);
    const rec = new Float64Array(records);
    const events = Array.from({ length: n }, (_, i) => ({ at: rec[2 * i]!, tokens: rec[2 * i + 1]! }))
      .filter((e) => e.at <= Number(endUs))
      .sort((a, b) => a.at - b.at);
    // An event recorded at t was admitted at or before t, so by each recorded time at most
    // bucket + rate × t can have been admitted: exactly, since no clock moves between the two.
    let requests = 0;
    let tokens = 0;
    for (const e of events) {
      requests++;
      tokens += e.tokens;
      const ms = e.at / 1000;
      expect(requests).toBeLessThanOrEqual(100 + ms);
      expect(tokens).toBeLessThanOrEqual(1_000 + ms * 10);
    }
    // Per-window view: no 100 ms span after the initial burst holds more than a bucket plus its refill
    // (plus one step's refill: an admission may be recorded after the clock moved past it).
    for (let i = 0, j = 0; i < events.length; i++) {
      while (j < events.length && events[j]!.at < events[i]!.at + 100_000) j++;
      if (events[i]!.at > 200_000) expect(j - i).toBeLessThanOrEqual(2 * 100 + 10);
    }
  });
});
