import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { H } from '../../src/channel/layout.js';
import { SharedChannel } from '../../src/channel/shared-channel.js';
import { startWorker } from '../../src/internal/worker-entry.js';

const consumerUrl = new URL('./fixtures/sleeping-consumer.worker.ts', import.meta.url);
const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const endOfTurn = () => new Promise((r) => setImmediate(r));

/** A channel with a consumer asleep in a blocking receive in a worker; `received()` counts what it took. */
async function sleepingConsumer(slots = 64) {
  const channel = SharedChannel.create({ slots, maxMessageBytes: 64 });
  const ctl = new Int32Array(new SharedArrayBuffer(8));
  workers.push(startWorker(consumerUrl, { channel: channel.handle, control: ctl.buffer }));
  // Until it has announced itself as a sleeper, and a little more: past its spin, into its sleep.
  const header = new Int32Array(channel.handle.control);
  while (Atomics.load(ctl, 0) === 0 || Atomics.load(header, H.CONSUMER_SLEEPERS) === 0) await sleep(5);
  await sleep(20);
  return { channel, received: () => Atomics.load(ctl, 1) };
}

/** Blocks this thread (its turn goes on) until `done` or `ms` pass; whether `done` came true. */
function busyWaitFor(done: () => boolean, ms: number): boolean {
  const until = performance.now() + ms;
  while (performance.now() < until) if (done()) return true;
  return done();
}

describe('SharedChannel: when a send wakes the consumer', () => {
  it('wakes a sleeping consumer at once by default', async () => {
    const { channel, received } = await sleepingConsumer();
    channel.trySend('m');
    expect(busyWaitFor(() => received() === 1, 10_000)).toBe(true);
  });

  it('with end-of-turn, wakes it once the sending turn ends, for every message of the turn', async () => {
    const { channel, received } = await sleepingConsumer();
    for (let i = 0; i < 10; i++) expect(channel.trySend(`m${i}`, 'end-of-turn')).toBe(true);
    // The consumer sleeps on (its own poll is 1 s away) while the turn goes on…
    expect(busyWaitFor(() => received() > 0, 300)).toBe(false);
    await endOfTurn();
    // …and takes all ten once it ends.
    const until = Date.now() + 10_000;
    while (received() < 10 && Date.now() < until) await sleep(1);
    expect(received()).toBe(10);
  });

  it('with end-of-turn, wakes it at once when the ring is a quarter full', async () => {
    const { channel, received } = await sleepingConsumer(8);
    channel.trySend('a', 'end-of-turn');
    expect(busyWaitFor(() => received() > 0, 200)).toBe(false);
    channel.trySend('b', 'end-of-turn'); // 2 of 8 slots
    expect(busyWaitFor(() => received() === 2, 10_000)).toBe(true);
  });
});
