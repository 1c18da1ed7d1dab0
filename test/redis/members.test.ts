// Membership of a run and the expiry of its keys, against a private redis-server.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import type { RedisClient } from '../../src/redis/client.js';
import { listMembers, RedisMembership } from '../../src/redis/members.js';
import { watchMembers } from '../../src/redis/member-watch.js';
import { RedisRunControl } from '../../src/redis/run-control.js';
import { RedisTaskQueue } from '../../src/redis/queue.js';
import { until } from '../helpers/child-process.js';
import { privateRedisServer, uniqueRunId } from '../helpers/redis-server.js';

const server = privateRedisServer({ beforeAll, afterAll });
let client: RedisClient;
beforeAll(async () => {
  client = createClient({ url: server().url });
  await client.connect();
});
afterAll(() => client?.close());

describe('run membership', () => {
  it('lists the members that joined, shows a change of agents, and forgets one that left at once', async () => {
    const runId = uniqueRunId('members');
    const target = { url: server().url };
    const a = await RedisMembership.join(target, runId, {
      role: 'coordinator',
      agents: [1, 2],
      threads: 2,
      verifier: 'active',
    });
    const b = await RedisMembership.join(target, runId, {
      role: 'worker',
      agents: [3],
      threads: 1,
      verifier: 'standby',
    });
    try {
      const members = await listMembers(target, runId);
      expect(members.map((m) => [m.id, m.role, m.agents, m.pid])).toEqual([
        [a.id, 'coordinator', [1, 2], process.pid],
        [b.id, 'worker', [3], process.pid],
      ]);
      b.setAgents([5, 4]);
      await until(
        'the new agents',
        async () => {
          const m = (await listMembers(target, runId)).find((x) => x.id === b.id);
          return m?.agents.join() === '4,5' ? true : undefined;
        },
        10_000,
      );
      await b.leave();
      expect((await a.members()).map((m) => m.id)).toEqual([a.id]);
    } finally {
      await a.leave();
      await b.leave();
    }
    expect(await listMembers(target, runId)).toEqual([]);
    expect(await client.exists(`delm:{${runId}}:m:index`)).toBe(0);
  });

  it('drops a member whose key expired (its process stopped refreshing) from the list and the index', async () => {
    const runId = uniqueRunId('members');
    const prefix = `delm:{${runId}}:`;
    const live = await RedisMembership.join({ url: server().url }, runId, {
      role: 'worker',
      agents: [1],
      threads: 1,
      verifier: 'none',
    });
    try {
      // A member whose process died: its key was written once and is not refreshed.
      await client.set(`${prefix}m:gone`, JSON.stringify({ id: 'gone' }), { expiration: { type: 'PX', value: 1 } });
      await client.sAdd(`${prefix}m:index`, 'gone');
      await until(
        'the key to expire',
        async () => ((await client.exists(`${prefix}m:gone`)) === 0 ? true : undefined),
        10_000,
      );
      expect((await listMembers({ client }, runId)).map((m) => m.id)).toEqual([live.id]);
      expect(await client.sMembers(`${prefix}m:index`)).toEqual([live.id]);
    } finally {
      await live.leave();
    }
  });
});

describe('watchMembers', () => {
  it('looks up with a URL on a connection it keeps between watches (one connection for a run of items, not one per look)', async () => {
    const runId = uniqueRunId('watch');
    const target = { url: server().url };
    const member = await RedisMembership.join(target, runId, {
      role: 'coordinator',
      agents: [1],
      threads: 1,
      verifier: 'active',
    });
    const connections = async () =>
      Number(/total_connections_received:(\d+)/.exec(await client.info('stats'))?.[1] ?? 0);
    try {
      const seen: string[][] = [];
      const before = await connections();
      for (let item = 0; item < 3; item++) {
        const stop = watchMembers(target, runId, (members) => void seen.push(members.map((m) => m.id)), 20);
        await until('the watch reported the members', async () => (seen.length > item ? true : undefined), 10_000);
        await new Promise((resolve) => setTimeout(resolve, 100));
        await stop();
      }
      expect(seen.slice(0, 3)).toEqual([[member.id], [member.id], [member.id]]);
      expect((await connections()) - before).toBe(1);
    } finally {
      await member.leave();
    }
  });

  it('lets the process exit when stopped before or while its first look connects (a run that ended at once)', async () => {
    // Each watch stopped 0-19 ms after it started: before its first look, while it connects, after.
    const script = `
      import { watchMembers } from ${JSON.stringify(new URL('../../src/redis/member-watch.ts', import.meta.url).href)};
      for (let i = 0; i < 20; i++) {
        const stop = watchMembers({ url: ${JSON.stringify(server().url)} }, 'no-such-run', () => undefined);
        await new Promise((resolve) => setTimeout(resolve, i));
        await stop();
      }
      console.log('stopped');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // A connection lent after the stop was never given back, and kept the process alive.
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running'), 20_000))]);
    child.kill('SIGKILL');
    expect(out.trim()).toBe('stopped');
    expect(code).toBe(0);
  }, 40_000);
});

describe('run keys expiry', () => {
  it('gives a stopped run’s keys the run’s expiry, never a running run’s, and removes it when the run is resumed', async () => {
    const runId = uniqueRunId('expiry');
    const prefix = `delm:{${runId}}:`;
    const control = await RedisRunControl.open({ client }, runId);
    await control.init('{}', { keepFinishedMs: 60_000 });
    const queue = await RedisTaskQueue.open({ client }, { runId });
    await queue.enqueue('a');
    await queue.enqueue('b');
    const ttls = async () =>
      Promise.all(
        ['r:meta', 'r:config', 'q:meta', 'q:pending', 'q:t:0', 'q:t:1', 'r:wake'].map(async (k) =>
          Number(await client.pTTL(prefix + k)),
        ),
      );
    expect(await control.expireIfEnded()).toBe(0);
    // r:wake does not exist yet (-2): the stop below adds it, waking agents waiting for a finalizer.
    expect(await ttls()).toEqual([-1, -1, -1, -1, -1, -1, -2]);
    await control.stop('aborted');
    expect(await control.expireIfEnded()).toBe(7);
    for (const ttl of await ttls()) expect(ttl > 0 && ttl <= 60_000).toBe(true);
    await control.persist();
    expect(await ttls()).toEqual([-1, -1, -1, -1, -1, -1, -1]);
    expect(await control.keep()).toEqual({ keepFinishedMs: 60_000, memberTtlMs: 10_000 });
  });
});
