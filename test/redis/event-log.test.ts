// A run's events on Redis: a capped stream (XADD MAXLEN ~) read from any id, and followed live.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { DEFAULT_MAX_EVENTS, RedisEventLog } from '../../src/redis/event-log.js';
import { privateRedisServer, uniqueRunId } from '../helpers/redis-server.js';

const server = privateRedisServer({ beforeAll, afterAll });
const opened: RedisEventLog[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.disconnect()));
});

async function open(options: { runId?: string; maxEvents?: number } = {}): Promise<RedisEventLog> {
  const log = await RedisEventLog.open({ url: server().url }, { runId: uniqueRunId('events'), ...options });
  opened.push(log);
  return log;
}

/** Redis trims a stream in whole nodes (stream-node-max-entries, 100 by default): `~` keeps at most this many more. */
const NODE = 100;

describe('RedisEventLog', () => {
  it('keeps about the last maxEvents events: the oldest go, the newest (run.finished) stay, in order', async () => {
    const CAP = 50;
    const TOTAL = 1_000;
    const log = await open({ maxEvents: CAP });
    expect(log.maxEvents).toBe(CAP);
    for (let i = 0; i < TOTAL - 1; i++) log.publish('agent.state', JSON.stringify({ n: i }));
    log.publish('run.finished', JSON.stringify({ n: TOTAL - 1 }));
    await log.flush();
    expect(log.failed).toBe(0);

    const { kept, added } = await log.size();
    expect(added).toBe(TOTAL);
    expect(kept).toBeGreaterThanOrEqual(CAP);
    expect(kept).toBeLessThan(CAP + NODE);
    // What is kept is exactly the newest `kept` events, oldest first, ending with run.finished.
    const all = await log.after('0-0', TOTAL);
    expect(all.map((e) => (JSON.parse(e.data) as { n: number }).n)).toEqual(
      Array.from({ length: kept }, (_, i) => TOTAL - kept + i),
    );
    expect(all.at(-1)!.type).toBe('run.finished');
    expect((await log.last())!.id).toBe(all.at(-1)!.id);
    // Ids increase, so any of them is a place to resume after.
    for (let i = 1; i < all.length; i++) expect(compareIds(all[i - 1]!.id, all[i]!.id)).toBeLessThan(0);
  });

  it('sends the events published within its batch window in one call, in order, and loses none when disconnected right after', async () => {
    const runId = uniqueRunId('batches');
    const log = await RedisEventLog.open({ url: server().url }, { runId });
    const reader = await open({ runId });
    const info = createClient({ url: server().url });
    await info.connect();
    const calls = async () => Number(/cmdstat_fcall:calls=(\d+)/.exec(await info.info('commandstats'))?.[1] ?? 0);
    try {
      const before = await calls();
      // 2,500 in one turn (in batches of at most 1,000 events), then 10 more in the next turn: within
      // the window, they join the last 500 in one call.
      for (let i = 0; i < 2_500; i++) log.publish('step', String(i));
      await new Promise((resolve) => setImmediate(resolve));
      for (let i = 2_500; i < 2_510; i++) log.publish('step', String(i));
      // A stop: the log is disconnected at once, its last batch not sent yet.
      await log.disconnect();
      expect(log.failed).toBe(0);
      expect((await calls()) - before).toBe(3);
      const stored = await reader.after('0-0', 10_000);
      expect(stored.map((e) => e.data)).toEqual(Array.from({ length: 2_510 }, (_, i) => String(i)));
      expect(new Set(stored.map((e) => e.type))).toEqual(new Set(['step']));
    } finally {
      await info.close();
    }
  });

  it('the default cap is 10,000 events, and an uncapped count keeps everything below it', async () => {
    const log = await open();
    expect(log.maxEvents).toBe(DEFAULT_MAX_EVENTS);
    for (let i = 0; i < 300; i++) log.publish('x', String(i));
    await log.flush();
    expect(await log.size()).toEqual({ kept: 300, added: 300 });
  });

  it('a stream that has none is empty, not an error', async () => {
    const log = await open();
    expect(await log.size()).toEqual({ kept: 0, added: 0 });
    expect(await log.after('0-0')).toEqual([]);
    expect(await log.last()).toBeUndefined();
  });

  it('follows from an id: exactly the events after it, then new ones as they are appended', async () => {
    const runId = uniqueRunId('follow');
    const writer = await open({ runId });
    const reader = await open({ runId });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await writer.append('step', String(i)));

    const stop = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const batch of reader.follow(ids[1]!, { signal: stop.signal, blockMs: 50 })) {
        seen.push(...batch.map((e) => e.data));
        if (seen.length >= 5) stop.abort();
      }
    })();
    // Appended while the reader blocks: delivered by the blocking read, after what was there.
    while (seen.length < 3) await new Promise((r) => setTimeout(r, 10));
    await writer.append('step', '5');
    await writer.append('step', '6');
    await following;
    expect(seen).toEqual(['2', '3', '4', '5', '6']);
  });

  it('stops following when aborted while blocked', async () => {
    const log = await open();
    const stop = new AbortController();
    const batches: number[] = [];
    const following = (async () => {
      for await (const batch of log.follow('0-0', { signal: stop.signal, blockMs: 60_000 })) batches.push(batch.length);
    })();
    await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    await following;
    expect(batches.every((n) => n === 0)).toBe(true);
  });

  it('refuses a bad cap', async () => {
    await expect(RedisEventLog.open({ url: server().url }, { runId: 'r', maxEvents: 0 })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
    });
  });
});

/** Orders two stream ids (`<ms>-<seq>`). */
function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map((n) => BigInt(n)) as [bigint, bigint];
  const [bMs, bSeq] = b.split('-').map((n) => BigInt(n)) as [bigint, bigint];
  return aMs === bMs ? Number(aSeq - bSeq) : aMs < bMs ? -1 : 1;
}
