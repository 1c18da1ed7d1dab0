// The context ledger on Redis: fenced single writer, limits, duplicates, replay and tailing.
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DuplicateEntryError, FencedError, LedgerFullError } from '../../src/errors.js';
import { contentHashOfText } from '../../src/internal/hash.js';
import type { RedisClient } from '../../src/redis/client.js';
import { RedisLedger } from '../../src/redis/ledger.js';
import { RedisManualClock } from '../../src/redis/manual-clock.js';
import { privateRedisServer, uniqueRunId } from '../helpers/redis-server.js';

const server = privateRedisServer({ beforeAll, afterAll });
const opened: Array<{ disconnect(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.disconnect()));
});

async function open(options: { runId?: string; maxEntries?: number; maxBytes?: number } = {}) {
  const ledger = await RedisLedger.open({ url: server().url }, { runId: uniqueRunId('ledger'), ...options });
  opened.push(ledger);
  return ledger;
}

async function manualClock(ledger: RedisLedger): Promise<RedisManualClock> {
  const client: RedisClient = createClient({ url: server().url });
  await client.connect();
  opened.push({ disconnect: () => client.close() });
  const clock = new RedisManualClock(client, ledger.prefix);
  await clock.install();
  return clock;
}

describe('RedisLedger', () => {
  it('appends entries with every field and replays them, in order, to a process that opens the run later', async () => {
    const runId = uniqueRunId('replay');
    const ledger = await open({ runId });
    const writer = (await ledger.acquireWriter('verifier-1'))!;
    const raw = await writer.append({ kind: 'raw', text: 'The licence permits redistribution.', taskId: 3 });
    const gist = await writer.append({
      kind: 'gist',
      text: 'Redistribution is permitted [D1].',
      taskId: 3,
      authorId: 2,
      parentId: raw.id,
      tokenCount: 7,
      meta: { labels: ['D1'], quote: 'permits redistribution' },
      timestamp: 1_700_000_000_000,
    });
    expect([raw.id, gist.id]).toEqual([0, 1]);
    expect(raw.level).toBe(2);
    const late = await open({ runId });
    expect(await late.count()).toBe(2);
    const entries = await late.slice();
    expect(entries).toEqual([raw, gist]);
    expect(entries[1]).toMatchObject({
      kind: 'gist',
      level: 0,
      parentId: 0,
      authorId: 2,
      tokenCount: 7,
      timestamp: 1_700_000_000_000,
      hash: contentHashOfText('Redistribution is permitted [D1].'),
      meta: { labels: ['D1'], quote: 'permits redistribution' },
    });
    expect(await late.get(1)).toEqual(gist);
    expect(await late.slice(1, 2)).toEqual([gist]);
    await expect(late.get(2)).rejects.toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    await expect(writer.append({ kind: 'gist', text: 'orphan', parentId: 9 })).rejects.toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
  });

  it('fences a deposed writer: its appends and renewals are refused once a standby took over', async () => {
    const ledger = await open();
    const clock = await manualClock(ledger);
    const first = (await ledger.acquireWriter('verifier-1', 100))!;
    await first.append({ kind: 'FACT', text: 'written by the first verifier' });
    // The lease is live: a standby cannot take it (an append renewed it at time 0 for 100 ms).
    await clock.advance(99);
    expect(await ledger.acquireWriter('verifier-2', 100)).toBeUndefined();
    await clock.advance(1);
    const second = (await ledger.acquireWriter('verifier-2', 100))!;
    expect(second.epoch).toBeGreaterThan(first.epoch);
    await expect(first.append({ kind: 'FACT', text: 'written after being deposed' })).rejects.toThrow(FencedError);
    await expect(first.renew()).rejects.toThrow(expect.objectContaining({ code: 'FENCED' }));
    await second.append({ kind: 'FACT', text: 'written by the second verifier' });
    expect((await ledger.slice()).map((e) => e.text)).toEqual([
      'written by the first verifier',
      'written by the second verifier',
    ]);
    // Resigning hands over at once, without waiting for the lease to lapse.
    await second.resign();
    const third = (await ledger.acquireWriter('verifier-3', 100))!;
    await expect(second.append({ kind: 'FACT', text: 'too late' })).rejects.toThrow(FencedError);
    await third.append({ kind: 'FACT', text: 'written by the third verifier' });
    expect(await ledger.count()).toBe(3);
  });

  it('refuses an entry past maxEntries or maxBytes with LEDGER_FULL, writing nothing', async () => {
    const byCount = await open({ maxEntries: 2 });
    const w = (await byCount.acquireWriter('v'))!;
    await w.append({ kind: 'FACT', text: 'one' });
    await w.append({ kind: 'FACT', text: 'two' });
    await expect(w.append({ kind: 'FACT', text: 'three' })).rejects.toThrow(LedgerFullError);
    expect(await byCount.count()).toBe(2);
    const bySize = await open({ maxBytes: 64 });
    const v = (await bySize.acquireWriter('v'))!;
    await v.append({ kind: 'FACT', text: 'x'.repeat(60) });
    await expect(v.append({ kind: 'FACT', text: 'y'.repeat(5) })).rejects.toThrow(/needs 65 bytes but the limit is 64/);
    expect(await bySize.count()).toBe(1);
  });

  it('refuses a duplicate (same kind and text) and names the entry that holds it', async () => {
    const ledger = await open();
    const w = (await ledger.acquireWriter('v'))!;
    await w.append({ kind: 'FACT', text: 'the cache is cold' });
    await w.append({ kind: 'FACT', text: 'the cache is warm' });
    const dup = w.append({ kind: 'FACT', text: 'the cache is cold', authorId: 9 });
    await expect(dup).rejects.toThrow(DuplicateEntryError);
    await expect(dup).rejects.toMatchObject({ code: 'DUPLICATE', existingId: 0 });
    expect((await w.append({ kind: 'FAIL', text: 'the cache is cold' })).id).toBe(2);
    expect(await ledger.count()).toBe(3);
  });

  it('tails new entries as they are published, from any starting point, until aborted', async () => {
    const runId = uniqueRunId('tail');
    const ledger = await open({ runId });
    const w = (await ledger.acquireWriter('v'))!;
    await w.append({ kind: 'FACT', text: 'before the reader' });
    const reader = await open({ runId });
    const ac = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const batch of reader.tail(0, { signal: ac.signal, blockMs: 5_000 })) {
        seen.push(...batch.map((e) => `${e.id}:${e.text}`));
        if (seen.length === 3) ac.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    await w.append({ kind: 'FACT', text: 'second' });
    await w.append({ kind: 'FACT', text: 'third' });
    const started = Date.now();
    await done; // ends on abort, well before the 5 s block would have
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(seen).toEqual(['0:before the reader', '1:second', '2:third']);
    const fromTwo = reader.tail(2, { blockMs: 100 });
    expect((await fromTwo.next()).value).toMatchObject([{ id: 2, text: 'third' }]);
    await fromTwo.return(undefined);
  });
});
