// The proposal channel on Redis, on a private redis-server (see helpers/redis-server.ts): batches in
// order of arrival, acknowledged one by one, and what a verifier took but never processed goes to
// the verifier that picks the run up.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisChannel } from '../../src/redis/channel.js';
import { RedisLedger } from '../../src/redis/ledger.js';
import { RedisRunControl } from '../../src/redis/run-control.js';
import { privateRedisServer, uniqueRunId } from '../helpers/redis-server.js';

const server = privateRedisServer({ beforeAll, afterAll });
const opened: Array<RedisChannel | RedisLedger> = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.disconnect()));
});

/** The channel as verifier `name` reads it: holding the ledger's writer lease, as only the writer may. */
async function open(runId: string, name: string, leaseMs = 60_000): Promise<RedisChannel> {
  const ledger = await RedisLedger.open({ url: server().url }, { runId });
  opened.push(ledger);
  const writer = await ledger.acquireWriter(name, leaseMs);
  if (!writer) throw new Error(`${name} could not take the writer lease`);
  const channel = await RedisChannel.open({ url: server().url }, runId);
  opened.push(channel);
  await channel.takeOver(name, writer.epoch);
  return channel;
}

describe('RedisChannel batches', () => {
  it('takes every waiting proposal in order, up to the cap, and ends once each is processed and it is closed', async () => {
    const channel = await open(uniqueRunId('ch'), 'v1');
    for (let i = 0; i < 5; i++) await channel.send(`m${i}`);
    expect(await channel.receiveBatch(3, 50)).toEqual(['m0', 'm1', 'm2']);
    expect(await channel.receiveBatch(10, 50)).toEqual(['m3', 'm4']);
    expect(await channel.receiveBatch(10, 20)).toEqual([]);
    await channel.close();
    expect(await channel.ended()).toBe(false); // five taken, none processed yet
    for (let i = 0; i < 5; i++) await channel.processed();
    expect(await channel.receiveBatch(10, 20)).toEqual([]); // the close marker is never delivered
    expect(await channel.ended()).toBe(true);
  });

  it('gives a successor verifier what its predecessor took and did not process, oldest first', async () => {
    const runId = uniqueRunId('ch');
    const first = await open(runId, 'v1', 200);
    for (let i = 0; i < 4; i++) await first.send(`m${i}`);
    expect(await first.receiveBatch(10, 50)).toEqual(['m0', 'm1', 'm2', 'm3']);
    await first.processed(); // m0 done; the verifier dies deciding m1
    await new Promise((r) => setTimeout(r, 300)); // its lease lapses
    const next = await open(runId, 'v2');
    await next.send('m4');
    expect(await next.receiveBatch(10, 50)).toEqual(['m1', 'm2', 'm3']);
    for (let i = 0; i < 3; i++) await next.processed();
    expect(await next.receiveBatch(10, 50)).toEqual(['m4']);
  });

  it('lets no verifier take the ledger of a run whose channel is closed and drained, until the run is picked up again', async () => {
    // The last holder resigns as it ends; a standby that found the channel open a moment before must not
    // open a new epoch on the ended run (the race behind an extra writer epoch in the failover tests).
    const runId = uniqueRunId('ch');
    const ledger = await RedisLedger.open({ url: server().url }, { runId });
    opened.push(ledger);
    const holder = await ledger.acquireWriter('v1', 60_000);
    const channel = await RedisChannel.open({ url: server().url }, runId);
    opened.push(channel);
    await channel.takeOver('v1', holder!.epoch);
    await channel.send('m0');
    expect(await channel.receiveBatch(10, 50)).toEqual(['m0']);
    await channel.close();
    expect(await ledger.acquireWriter('v2', 60_000)).toBeUndefined(); // v1's lease is live
    await channel.processed();
    expect(await channel.receiveBatch(10, 20)).toEqual([]); // takes the close marker
    expect(await channel.ended()).toBe(true);
    await holder!.resign();
    expect(await ledger.acquireWriter('v2', 60_000)).toBeUndefined();
    // A process that picks the run up reopens its channel, and then takes the ledger (the next epoch).
    const control = await RedisRunControl.open({ url: server().url }, runId);
    await control.recount();
    await control.disconnect();
    expect((await ledger.acquireWriter('v3', 60_000))?.epoch).toBe(holder!.epoch + 1);
  });
});
