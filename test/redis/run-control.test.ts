// A run's coordination on Redis: agents waiting for the finalizer's decision block until the phase
// changes (no polling), and a client that never checked the library recovers when the server lost it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import type { RedisClient } from '../../src/redis/client.js';
import { RedisRunControl } from '../../src/redis/run-control.js';
import { RedisTaskQueue } from '../../src/redis/queue.js';
import { RedisChannel } from '../../src/redis/channel.js';
import { RedisLedger } from '../../src/redis/ledger.js';
import { privateRedisServer, uniqueRunId } from '../helpers/redis-server.js';

const server = privateRedisServer({ beforeAll, afterAll });
let info: RedisClient;
beforeAll(async () => {
  info = createClient({ url: server().url });
  await info.connect();
});
afterAll(() => info?.close());

/** FCALLs the server has run so far. */
const fcalls = async () => Number(/cmdstat_fcall:calls=(\d+)/.exec(await info.info('commandstats'))?.[1] ?? 0);

/** A run with an empty (drained) queue: the first agent to ask is elected to finalize. */
async function drainedRun(name: string): Promise<{ control: RedisRunControl; runId: string }> {
  const runId = uniqueRunId(name);
  const control = await RedisRunControl.open({ url: server().url }, runId);
  await control.init('{}');
  await (await RedisTaskQueue.open({ url: server().url }, { runId })).disconnect();
  return { control, runId };
}

describe('RedisRunControl election', () => {
  it('keeps an agent waiting for the finalizer blocked, not polling, and wakes it as the run finishes', async () => {
    const { control, runId } = await drainedRun('elect-finish');
    const other = await RedisRunControl.open({ url: server().url }, runId);
    try {
      expect(await control.elect(1)).toEqual({ role: 'finalize', round: 1 });
      const before = await fcalls();
      let decided = 0;
      const waiting = other.elect(2).then((r) => ((decided = performance.now()), r));
      await new Promise((resolve) => setTimeout(resolve, 200));
      // One election call, then blocked (polling every 5 ms made ~40 in this time).
      expect((await fcalls()) - before).toBeLessThanOrEqual(2);
      const finished = performance.now();
      await control.finish();
      expect(await waiting).toEqual({ role: 'exit' });
      // Woken by the change of phase, well before its longest wait (250 ms) would ask again.
      expect(decided - finished).toBeLessThan(150);
    } finally {
      await other.disconnect();
      await control.disconnect();
    }
  });

  it('wakes a waiting agent when the finalizer resumes the run, or the finalizer is released, or the run stops', async () => {
    const { control, runId } = await drainedRun('elect-resume');
    const other = await RedisRunControl.open({ url: server().url }, runId);
    try {
      expect(await control.elect(1)).toEqual({ role: 'finalize', round: 1 });
      // Resumed with the queue still drained: the waiter is elected for the next round.
      let waiting = other.elect(2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await control.resume();
      expect(await waiting).toEqual({ role: 'finalize', round: 2 });
      // Its finalizer died: the election reopens and the waiter (agent 1 now) takes it.
      waiting = control.elect(1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await other.releaseFinalizer(2)).toBe(true);
      expect(await waiting).toEqual({ role: 'finalize', round: 3 });
      waiting = other.elect(2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await control.stop('aborted');
      expect(await waiting).toEqual({ role: 'exit' });
    } finally {
      await other.disconnect();
      await control.disconnect();
    }
  });

  it('ends a wait at once when its signal aborts', async () => {
    const { control, runId } = await drainedRun('elect-abort');
    const other = await RedisRunControl.open({ url: server().url }, runId);
    try {
      await control.elect(1);
      const abort = new AbortController();
      const waiting = other.elect(2, abort.signal);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const aborted = performance.now();
      abort.abort();
      expect(await waiting).toEqual({ role: 'exit' });
      expect(performance.now() - aborted).toBeLessThan(150);
    } finally {
      await other.disconnect();
      await control.disconnect();
    }
  });
});

describe('RedisRunControl settled', () => {
  it('keeps a finalizer waiting for the verifier blocked, and wakes it as the last proposal is processed', async () => {
    const { control, runId } = await drainedRun('settled');
    const target = { url: server().url };
    const channel = await RedisChannel.open(target, runId);
    const ledger = await RedisLedger.open(target, { runId });
    try {
      await channel.send('a');
      await channel.send('b');
      const writer = (await ledger.acquireWriter('verifier', 10_000))!;
      await channel.takeOver('verifier', writer.epoch);
      expect(await channel.receiveBatch(2, 1_000)).toEqual(['a', 'b']);
      const before = await fcalls();
      let settledAt = 0;
      const settled = control.settled().then(() => (settledAt = performance.now()));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await channel.processed();
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Still one proposal to go: one call to look, no polling (every 5 ms made ~40 in this time).
      expect(settledAt).toBe(0);
      expect((await fcalls()) - before).toBeLessThanOrEqual(3);
      const last = performance.now();
      await channel.processed();
      await settled;
      expect(settledAt - last).toBeLessThan(150);
      // A stop also ends the wait.
      await channel.send('c');
      const stopped = control.settled();
      await new Promise((resolve) => setTimeout(resolve, 50));
      await control.stop('aborted');
      await stopped;
    } finally {
      await ledger.disconnect();
      await channel.disconnect();
      await control.disconnect();
    }
  });
});

describe('the functions library', () => {
  it('is loaded again by a call that finds it missing (a client attached without checking it)', async () => {
    const runId = uniqueRunId('library');
    const queue = await RedisTaskQueue.open({ url: server().url }, { runId });
    const client = createClient({ url: server().url }) as unknown as RedisClient;
    await client.connect();
    try {
      await queue.enqueue('a');
      // The server loses its functions (restarted without its data, or flushed): an attached
      // queue, which never checked the library on its connection, loads it and goes on.
      await info.sendCommand(['FUNCTION', 'FLUSH']);
      const attached = RedisTaskQueue.attach(client, runId, queue.settings);
      expect(await attached.enqueue('b')).toBe(1);
      expect((await attached.stats()).pending).toBe(2);
    } finally {
      await client.close();
      await queue.disconnect();
    }
  });
});
