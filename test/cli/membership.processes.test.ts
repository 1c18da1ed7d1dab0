// The processes of a run kept in Redis, with real OS processes: each keeps a member key (host, pid,
// role, agents) refreshed inside its expiry; a SIGKILLed one drops out once its key expires, one that
// leaves cleanly (SIGINT) removes its key at once. A finished run's keys get the run's expiry — and
// vanish after it — while a running run's keys never expire.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../../src/redis/client.js';
import { listMembers, type RunMember } from '../../src/redis/members.js';
import { childProcesses, until } from '../helpers/child-process.js';
import { privateRedisServer } from '../helpers/redis-server.js';

const server = privateRedisServer({ beforeAll, afterAll });
const bin = fileURLToPath(new URL('../../bin/delm.mjs', import.meta.url));
const coordinator = fileURLToPath(new URL('../runtime/fixtures/redis-coordinator.ts', import.meta.url));
const processes = childProcesses();
afterEach(() => processes.killAll());
const dir = mkdtempSync(path.join(tmpdir(), 'delm-members-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every key of a run with its PTTL (-1: no expiry). */
async function runKeys(client: RedisClient, prefix: string): Promise<Map<string, number>> {
  const keys = new Map<string, number>();
  for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 }))
    for (const key of batch) keys.set(key, Number(await client.pTTL(key)));
  return keys;
}

/** The members once `test` passes, polled (a key refresh or expiry is seconds away at most). */
const membersWhen = (url: string, runId: string, what: string, test: (m: RunMember[]) => boolean) =>
  until(
    what,
    async () => {
      const members = await listMembers({ url }, runId);
      return test(members) ? members : undefined;
    },
    30_000,
    50,
  );

describe('the processes of a run (real processes)', () => {
  it('lists each live process with host, pid, role and agents; a SIGKILLed one drops out after its TTL, a clean exit at once', async () => {
    const url = server().url;
    const gate = path.join(dir, 'gate');
    const TTL = 1_500;
    // Every agent waits at the gate: the run goes on until the test opens it.
    const lead = processes.start(['--import', 'tsx', coordinator, url, '6', '0', '2', '1500', gate], {
      DELM_TEST_REDIS: JSON.stringify({ memberTtlMs: TTL, keepFinishedMs: 600_000 }),
    });
    const { runId } = JSON.parse(await lead.waitFor((l) => l.startsWith('{"runId"'), 60_000)) as { runId: string };
    const prefix = `delm:{${runId}}:`;
    const secret = 'sk-member-key-must-not-leak';
    const first = processes.start(
      [bin, 'worker', '--redis', url, '--run', runId, '--agents', '2', '--standby-verifier'],
      { OPENAI_API_KEY: secret },
    );
    const second = processes.start([bin, 'worker', '--redis', url, '--run', runId, '--agents', '1']);

    const client = createClient({ url }) as unknown as RedisClient;
    await client.connect();
    try {
      const members = await membersWhen(
        url,
        runId,
        'three processes with all their agents',
        (m) => m.length === 3 && m.every((x) => x.agents.length === (x.pid === second.child.pid ? 1 : 2)),
      );
      const byPid = new Map(members.map((m) => [m.pid, m]));
      expect(byPid.get(lead.child.pid!)).toMatchObject({
        host: hostname(),
        role: 'coordinator',
        threads: 2,
        verifier: 'active',
      });
      expect(byPid.get(first.child.pid!)).toMatchObject({ host: hostname(), role: 'worker', verifier: 'standby' });
      expect(byPid.get(second.child.pid!)).toMatchObject({ role: 'worker', verifier: 'none', threads: 1 });
      // Agent ids are unique across the run's processes.
      const ids = members.flatMap((m) => m.agents);
      expect(new Set(ids).size).toBe(5);
      // Each key expires unless refreshed, and holds nothing from the environment.
      for (const m of members) {
        const key = `${prefix}m:${m.id}`;
        expect(Number(await client.pTTL(key))).toBeGreaterThan(0);
        expect(Number(await client.pTTL(key))).toBeLessThanOrEqual(TTL);
        expect(await client.get(key)).not.toContain(secret);
      }
      // A worker says how many processes are in the run.
      await first.waitFor((l) => l.startsWith(`run ${runId} has 3 processes: `), 30_000);
      // While the run goes on, its keys never expire (member keys aside).
      for (const [key, ttl] of await runKeys(client, prefix))
        if (!key.includes(':m:')) expect([key, ttl]).toEqual([key, -1]);

      // SIGKILLed: no clean exit, so its key stays until it expires, and then it is gone from the list.
      const killed = byPid.get(second.child.pid!)!;
      second.child.kill('SIGKILL');
      await second.exited;
      await membersWhen(
        url,
        runId,
        'the killed worker to drop out',
        (m) => m.length === 2 && !m.some((x) => x.id === killed.id),
      );
      expect(await client.sIsMember(`${prefix}m:index`, killed.id)).toBeFalsy();

      // SIGINT: the worker leaves cleanly and removes its key itself, before it exits.
      const left = byPid.get(first.child.pid!)!;
      first.child.kill('SIGINT');
      expect(await first.exited).toBe(130);
      expect(await client.exists(`${prefix}m:${left.id}`)).toBe(0);
      expect((await listMembers({ url }, runId)).map((m) => m.pid)).toEqual([lead.child.pid]);

      // The run ends: the coordinator leaves too, and the finished run's keys get its expiry.
      writeFileSync(gate, 'open');
      const { result } = JSON.parse(await lead.waitFor((l) => l.startsWith('{"result"'), 120_000)) as {
        result: { answer: string; stopReason: string; error?: string };
      };
      expect(result.stopReason, result.error).toBe('answered');
      expect(await lead.exited).toBe(0);
      expect(await listMembers({ url }, runId)).toEqual([]);
      const keys = await runKeys(client, prefix);
      expect(keys.size).toBeGreaterThan(5);
      for (const [key, ttl] of keys) {
        expect(key).not.toMatch(/:m:/);
        expect([key, ttl > 0 && ttl <= 600_000]).toEqual([key, true]);
      }
    } finally {
      await client.close();
    }
  }, 180_000);

  it('the coordinator’s result counts the model calls of every process’s agents', async () => {
    const url = server().url;
    const gate = path.join(dir, 'usage-gate');
    const TASKS = 8;
    // Long leases: no task is done twice however slow the machine, so the calls are exactly one per task.
    const lead = processes.start(['--import', 'tsx', coordinator, url, String(TASKS), '0', '1', '30000', gate]);
    const { runId } = JSON.parse(await lead.waitFor((l) => l.startsWith('{"runId"'), 60_000)) as { runId: string };
    const prefix = `delm:{${runId}}:`;
    const worker = processes.start([bin, 'worker', '--redis', url, '--run', runId, '--agents', '2']);
    const client = createClient({ url }) as unknown as RedisClient;
    await client.connect();
    try {
      // Each of the three agents holds a task at the gate: the worker's two will complete theirs.
      await until(
        'three tasks held at the gate',
        async () => (Number(await client.hGet(`${prefix}q:meta`, 'claimed')) === 3 ? true : undefined),
        60_000,
        50,
      );
      writeFileSync(gate, 'open');
      const { result } = JSON.parse(await lead.waitFor((l) => l.startsWith('{"result"'), 120_000)) as {
        result: { stopReason: string; error?: string; usage: { modelCalls: number; inputTokens: number } };
      };
      expect(result.stopReason, result.error).toBe('answered');
      const done = await worker.waitFor((l) => l.startsWith(`run ${runId}:`), 60_000);
      const byWorker = Number(/this process's agents completed (\d+) task/.exec(done)?.[1]);
      expect(byWorker).toBeGreaterThanOrEqual(2);
      // One call per sub-task, whichever process's agent made it, and the final decision.
      expect(result.usage.modelCalls).toBe(TASKS + 1);
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(await lead.exited).toBe(0);
    } finally {
      await client.close();
    }
  }, 120_000);

  it('a finished run’s keys expire after the run’s keepFinishedMs', async () => {
    const url = server().url;
    const lead = processes.start(['--import', 'tsx', coordinator, url, '4', '0', '2', '1500'], {
      DELM_TEST_REDIS: JSON.stringify({ keepFinishedMs: 1_000 }),
    });
    const { runId } = JSON.parse(await lead.waitFor((l) => l.startsWith('{"runId"'), 60_000)) as { runId: string };
    const prefix = `delm:{${runId}}:`;
    await lead.waitFor((l) => l.startsWith('{"result"'), 120_000);
    expect(await lead.exited).toBe(0);
    const client = createClient({ url }) as unknown as RedisClient;
    await client.connect();
    try {
      // Every key the run left has the expiry (none was missed), and then they are gone.
      const keys = await runKeys(client, prefix);
      for (const [key, ttl] of keys) expect([key, ttl <= 1_000]).toEqual([key, true]);
      await until(
        'the run’s keys to expire',
        async () => ((await runKeys(client, prefix)).size === 0 ? true : undefined),
        30_000,
        100,
      );
    } finally {
      await client.close();
    }
  }, 120_000);
});
