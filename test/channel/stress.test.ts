import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { startWorker } from '../../src/internal/worker-entry.js';
import { SharedChannel } from '../../src/channel/shared-channel.js';
import { Tally } from './fixtures/messages.js';

const producerUrl = new URL('./fixtures/producer.worker.ts', import.meta.url);
const consumerUrl = new URL('./fixtures/consumer.worker.ts', import.meta.url);
const workers: Worker[] = [];

type Summary = ReturnType<Tally['summary']>;

/** Resolves with the worker's first message; rejects if it errors or exits first. */
function firstMessage<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before reporting`)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

const NORMAL = 6;
const PER_PRODUCER = 3_000;
const KILLED = NORMAL; // terminated at an arbitrary point mid-stream
const DIES_RESERVED = NORMAL + 1; // dies holding a reserved, unwritten slot
const DIES_WRITING = NORMAL + 2; // dies holding a half-written slot

/**
 * Runs 6 healthy producers and 3 that die mid-stream against `consume`, then sends END and checks
 * that the consumer got every message the producers completed: intact, once, in per-producer order.
 */
async function runStress(channel: SharedChannel, consumed: () => Promise<Summary>): Promise<void> {
  const control = new SharedArrayBuffer(4 * 16);
  const ctl = new Int32Array(control);
  const spawn = (id: number, count: number, extra: Record<string, unknown> = {}) => {
    const w = startWorker(producerUrl, { channel: channel.handle, control, id, count, ...extra });
    workers.push(w);
    return w;
  };
  const healthy = Array.from({ length: NORMAL }, (_, id) => firstMessage(spawn(id, PER_PRODUCER)));
  const killed = spawn(KILLED, 1_000_000);
  const diesReserved = spawn(DIES_RESERVED, 1_000, { dieAt: 300, dieMode: 'reserved' });
  const diesWriting = spawn(DIES_WRITING, 1_000, { dieAt: 500, dieMode: 'writing' });
  const parked = [firstMessage(diesReserved), firstMessage(diesWriting)];
  while (Atomics.load(ctl, 0) < NORMAL + 3) await sleep(5);
  const summary = consumed();
  Atomics.store(ctl, 1, 1);
  Atomics.notify(ctl, 1);

  while (Atomics.load(ctl, 2 + KILLED) < 800) await sleep(1);
  await killed.terminate();
  const killedProgress = Atomics.load(ctl, 2 + KILLED);
  await Promise.all(parked);
  await Promise.all([diesReserved.terminate(), diesWriting.terminate()]);
  await Promise.all(healthy);
  await channel.sendAsync('END', 10_000);
  const s = await summary;

  expect(s.errors).toEqual([]);
  for (let id = 0; id < NORMAL; id++) expect(s.counts[id]).toBe(PER_PRODUCER);
  expect(s.counts[DIES_RESERVED]).toBe(300);
  expect(s.counts[DIES_WRITING]).toBe(500);
  // The killed producer may have published its last message without recording it.
  expect([killedProgress, killedProgress + 1]).toContain(s.counts[KILLED]);
  expect(s.received).toBe(NORMAL * PER_PRODUCER + 800 + s.counts[KILLED]!);
  const stats = channel.stats();
  expect(stats.abandoned).toBeGreaterThanOrEqual(2);
  expect(stats.corrupted).toBe(0);
  expect(stats.size).toBe(0);
}

describe('SharedChannel across real worker threads', () => {
  it('delivers every message once, intact and in per-producer order to a main-thread consumer while producers die mid-send', async () => {
    const channel = SharedChannel.create({ slots: 64, maxMessageBytes: 4096, abandonMs: 200 });
    const tally = new Tally();
    await runStress(channel, async () => {
      for (;;) {
        const m = await channel.receiveAsync(20_000);
        if (m === undefined) {
          tally.errors.push('timed out waiting for a message');
          break;
        }
        if (m === 'END') break;
        tally.add(m);
      }
      return tally.summary();
    });
  });

  it('delivers every message once, intact and in per-producer order to a consumer worker while producers die mid-send', async () => {
    const channel = SharedChannel.create({ slots: 64, maxMessageBytes: 4096, abandonMs: 200 });
    const consumer = startWorker(consumerUrl, { channel: channel.handle });
    workers.push(consumer);
    await runStress(channel, () => firstMessage<Summary>(consumer));
  });
});
