// Redis itself SIGKILLed mid-run and restarted from its append-only file on the same port: the
// coordinator and a worker (real OS processes) reconnect and the run finishes with every sub-task
// done once and each finding admitted once. Mid-run for sure: the steps of tasks 8 and up wait at a
// gate file, so Redis is killed with exactly 8 tasks done and others leased, and the gate opens only
// once Redis is dead (the agents' steps then finish and write while it is down and restarting). The server runs with `appendfsync always`: with
// `everysec`, Redis may answer a write it has not yet written to the file (while a background fsync
// is slow it postpones the write up to 2 s), and a SIGKILL then loses acknowledged writes — once in
// five runs here the verifier's last append was gone after the restart and the run ended with
// LEDGER_CORRUPT. Surviving that too would need the verifier to re-append what its copy holds past
// what Redis kept.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../../src/redis/client.js';
import { childProcesses, until } from '../helpers/child-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

let redisServer: RedisServer | undefined;
beforeAll(async () => {
  redisServer = await startRedisServer({ extraArgs: ['--appendfsync', 'always'] });
}, 30_000);
afterAll(async () => {
  await redisServer?.stop();
});
const bin = fileURLToPath(new URL('../../bin/delm.mjs', import.meta.url));
const coordinator = fileURLToPath(new URL('../runtime/fixtures/redis-coordinator.ts', import.meta.url));
const processes = childProcesses();
const cleanup: Array<() => void> = [];
afterEach(() => {
  processes.killAll();
  for (const clean of cleanup.splice(0)) clean();
});

async function connected(url: string): Promise<RedisClient> {
  const client = createClient({ url }) as unknown as RedisClient;
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

describe('Redis restarted mid-run (real processes)', () => {
  it('Redis is SIGKILLed and restarted from its AOF: the run continues and nothing is done twice', async () => {
    const redis = redisServer!;
    const url = redis.url;
    const TASKS = 30;
    const GATE_FROM = 8; // tasks 0-7 run at once; the others wait at the gate
    const gate = join(mkdtempSync(join(tmpdir(), 'delm-gate-')), 'open');
    cleanup.push(() => rmSync(dirname(gate), { recursive: true, force: true }));
    const lead = processes.start([
      '--import',
      'tsx',
      coordinator,
      url,
      String(TASKS),
      '300',
      '2',
      '1500',
      gate,
      String(GATE_FROM),
    ]);
    const { runId } = JSON.parse(await lead.waitFor((l) => l.startsWith('{"runId"'), 60_000)) as { runId: string };
    const prefix = `delm:{${runId}}:`;
    const worker = processes.start([bin, 'worker', '--redis', url, '--run', runId, '--agents', '2']);
    await worker.waitFor((l) => /^agent \d+ started$/.test(l), 60_000);

    let client = await connected(url);
    // The ungated tasks done, and gated ones leased (agents hold them at the gate): the run is mid-way.
    const doneBefore = await until(
      `${GATE_FROM} tasks done and others leased`,
      async () => {
        const done = Number(await client.hGet(`${prefix}q:meta`, 'done'));
        return done >= GATE_FROM && (await client.zCard(`${prefix}q:leases`)) > 0 ? done : undefined;
      },
      120_000,
    );
    client.destroy();
    await redis.kill();
    writeFileSync(gate, 'open');
    // Down for longer than node-redis's 5 s command timeout: commands queued while it reconnects fail
    // with its TimeoutError (no message), which ended the run ("verifier failed: ") until it counted as
    // a lost connection.
    await new Promise((r) => setTimeout(r, 8_000));
    await redis.restart();
    expect(redis.url).toBe(url);

    const { result } = JSON.parse(await lead.waitFor((l) => l.startsWith('{"result"'), 180_000)) as {
      result: { answer: string; stopReason: string; error?: string; tasks: Record<string, number> };
    };
    expect(result.stopReason, result.error).toBe('answered');
    expect(result.tasks).toMatchObject({ total: TASKS, done: TASKS, failed: 0, open: 0 });
    expect(result.answer).toBe(`${TASKS} findings`);
    expect(await lead.exited).toBe(0);
    const outcome = await worker.waitFor((l) => l.startsWith(`run ${runId}:`), 60_000);
    expect(outcome, worker.stderr()).toContain(`run ${runId}: answered`);
    expect(await worker.exited).toBe(0);

    client = await connected(url);
    try {
      // What was done before the kill survived it (the AOF), and every task is done once.
      expect(doneBefore).toBe(GATE_FROM);
      expect(doneBefore).toBeLessThan(TASKS);
      const entries = await client.sendCommand<Array<[string, string[]]>>(['XRANGE', `${prefix}l:stream`, '-', '+']);
      const gists = entries.filter(([, f]) => f[f.indexOf('k') + 1] === 'gist').map(([, f]) => f[f.indexOf('t') + 1]);
      expect(gists).toHaveLength(TASKS);
      expect(new Set(gists).size).toBe(TASKS);
      const [sent, processed] = await client.hmGet(`${prefix}r:meta`, ['sent', 'processed']);
      expect(processed).toBe(sent);
    } finally {
      await client.close();
    }
  }, 300_000);
});
