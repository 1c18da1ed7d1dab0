import type { Worker } from 'node:worker_threads';
import { firstMessage, terminatedAfterEach } from '../helpers/workers.js';
import { describe, expect, it } from 'vitest';
import { startWorker } from '../../src/internal/worker-entry.js';
import { SharedRateLimiter } from '../../src/budget/rate-limiter.js';

const fixture = new URL('./fixtures/rate.worker.ts', import.meta.url);
const workers = terminatedAfterEach();

const report = (worker: Worker) => firstMessage<{ admitted: number }>(worker);


describe('SharedRateLimiter across real worker threads', () => {
  it('keeps the requests and tokens admitted across workers within bucket + rate × elapsed at every moment', async () => {
    const AGENTS = 3;
    const RPM = 60_000; // 1 request/ms
    const TPM = 600_000; // 10 tokens/ms
    const WINDOW_MS = 100; // buckets of 100 requests and 1 000 tokens
    const limiter = SharedRateLimiter.create({ requestsPerMinute: RPM, tokensPerMinute: TPM, burstWindowMs: WINDOW_MS });
    const control = new SharedArrayBuffer(16);
    const ctl = new Int32Array(control);
    const records = new SharedArrayBuffer(2 * 8 * 20_000);
    const pending = Array.from({ length: AGENTS }, (_, i) => {
      const w = startWorker(fixture, { limiter: limiter.handle, control, records, seed: 11 + i * 104_729, durationMs: 1_200 });
      workers.push(w);
      return report(w);
    });
    while (Atomics.load(ctl, 0) < AGENTS) await new Promise((r) => setTimeout(r, 5));
    Atomics.store(ctl, 1, 1);
    const reports = await Promise.all(pending);

    const n = Atomics.load(ctl, 2);
    expect(reports.reduce((s, r) => s + r.admitted, 0)).toBe(n);
    const rec = new Float64Array(records);
    const events = Array.from({ length: n }, (_, i) => ({ at: rec[2 * i]!, tokens: rec[2 * i + 1]! })).sort((a, b) => a.at - b.at);
    // The limiter's buckets started full at creation (t = 0); an event recorded at t was admitted at or before t,
    // so by each recorded time at most bucket + rate × t can have been admitted.
    let requests = 0;
    let tokens = 0;
    for (const e of events) {
      requests++;
      tokens += e.tokens;
      const ms = e.at / 1000;
      expect(requests).toBeLessThanOrEqual(100 + ms * 1 + 1);
      expect(tokens).toBeLessThanOrEqual(1_000 + ms * 10 + 20);
    }
    // Per-window view: no 100 ms span after the initial burst holds more than a bucket plus its refill.
    const first = events[0]!.at;
    for (let i = 0, j = 0; i < events.length; i++) {
      while (j < events.length && events[j]!.at < events[i]!.at + WINDOW_MS * 1000) j++;
      if (events[i]!.at > first + 2 * WINDOW_MS * 1000) expect(j - i).toBeLessThanOrEqual(2 * 100 + 5);
    }
    // And the limiter is not merely strict: across workers it admitted a good share of what the rates allow.
    // (Measured from the first admission: worker start-up before it only refills an already full bucket.)
    const activeMs = (events[events.length - 1]!.at - first) / 1000;
    const allowedRequests = Math.min(100 + activeMs, (1_000 + activeMs * 10) / 10.5);
    expect(requests).toBeGreaterThan(0.4 * allowedRequests);
    expect(reports.every((r) => r.admitted > 0)).toBe(true);
  });
});
