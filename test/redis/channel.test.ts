// The proposal channel on Redis, on a private redis-server (see helpers/redis-server.ts): batches in
// order of arrival, acknowledged one by one, and what a verifier took but never processed goes to
// the verifier that picks the run up.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisChannel } from '../../src/redis/channel.js';
import { privateRedisServer, uniqueRunId } from '../helpers/redis-server.js';

const server = privateRedisServer({ beforeAll, afterAll });
const opened: RedisChannel[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.disconnect()));
});

async function open(runId: string): Promise<RedisChannel> {
  const channel = await RedisChannel.open({ url: server().url }, runId);
  opened.push(channel);
  return channel;
}

describe('RedisChannel batches', () => {
  it('takes every waiting proposal in order, up to the cap, and ends once each is processed and it is closed', async () => {
    const channel = await open(uniqueRunId('ch'));
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
    const first = await open(runId);
    for (let i = 0; i < 4; i++) await first.send(`m${i}`);
    expect(await first.receiveBatch(10, 50)).toEqual(['m0', 'm1', 'm2', 'm3']);
    await first.processed(); // m0 done; the verifier dies deciding m1
    const next = await open(runId);
    await next.send('m4');
    expect(await next.receiveBatch(10, 50)).toEqual(['m1', 'm2', 'm3']);
    for (let i = 0; i < 3; i++) await next.processed();
    expect(await next.receiveBatch(10, 50)).toEqual(['m4']);
  });
});
