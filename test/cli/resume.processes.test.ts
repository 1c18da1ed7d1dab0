// `delm resume` with a real SIGKILL: the process coordinating a run kept in Redis is killed mid-run;
// `delm resume` finishes the run with every admitted entry kept and nothing done twice.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import type { RedisClient } from '../../src/redis/client.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { childProcesses } from '../helpers/child-process.js';
import { privateRedisServer } from '../helpers/redis-server.js';
import { parseCsv } from '../../src/records/csv.js';

const server = privateRedisServer({ beforeAll, afterAll });
const bin = fileURLToPath(new URL('../../bin/delm.mjs', import.meta.url));
const coordinator = fileURLToPath(new URL('../runtime/fixtures/redis-coordinator.ts', import.meta.url));
const children = childProcesses();
afterEach(() => children.killAll());

// `delm resume` records the run it finishes: in a folder of its own here (the default is under its cwd).
const tmp = mkdtempSync(join(tmpdir(), 'delm-resume-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const start = (args: string[], env?: Record<string, string>, cwd?: string) => children.start(args, env, cwd);

type Entry = { kind: string; text: string; task: string };
async function ledger(client: RedisClient, prefix: string): Promise<Entry[]> {
  const raw = await client.sendCommand<Array<[string, string[]]>>(['XRANGE', `${prefix}l:stream`, '-', '+']);
  return raw.map(([, f]) => ({
    kind: f[f.indexOf('k') + 1]!,
    text: f[f.indexOf('x') + 1]!,
    task: f[f.indexOf('t') + 1]!,
  }));
}

describe('delm resume (real processes)', () => {
  it('finishes a run whose coordinator was SIGKILLed: admitted entries kept, nothing done twice', async () => {
    const url = server().url;
    const TASKS = 24;
    const lead = start(['--import', 'tsx', coordinator, url, String(TASKS), '200', '2', '1500']);
    const { runId } = JSON.parse(await lead.waitFor((l) => l.startsWith('{"runId"'), 60_000)) as { runId: string };
    const prefix = `delm:{${runId}}:`;
    const client = createClient({ url }) as unknown as RedisClient;
    await client.connect();
    try {
      // Kill it once a few tasks are done and others are held.
      for (const until = Date.now() + 60_000; Date.now() < until;) {
        if (Number(await client.hGet(`${prefix}q:meta`, 'done')) >= 6) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      lead.child.kill('SIGKILL');
      await lead.exited;
      const before = await ledger(client, prefix);
      const doneBefore = Number(await client.hGet(`${prefix}q:meta`, 'done'));
      expect(doneBefore).toBeGreaterThanOrEqual(6);
      expect(doneBefore).toBeLessThan(TASKS);

      const records = join(tmp, 'sigkill');
      const resume = start([bin, 'resume', '--redis', url, '--run', runId, '--out', records]);
      const out = await resume.output();
      expect(await resume.exited, `${out}\n${resume.stderr()}`).toBe(0);
      expect(out).toContain(`run ${runId}: answered`);
      expect(out).toContain(`answer: ${TASKS} findings`);
      expect(out).toContain(`records: ${records}\n`);
      // A run no workload started is recorded in a folder of its own, unscored. Before: no records at all.
      const [header, ...rows] = parseCsv(readFileSync(join(records, 'results.csv'), 'utf8'));
      expect(rows).toHaveLength(1);
      const row = Object.fromEntries(header!.map((h, i) => [h, rows[0]![i]]));
      expect(row).toMatchObject({ item_id: runId, mode: 'delm', correct: '', stop_reason: 'answered' });
      expect(Number(row.verified_entries)).toBe(TASKS);
      const answer = JSON.parse(readFileSync(join(records, 'answers.jsonl'), 'utf8')) as Record<string, unknown>;
      expect(answer).toMatchObject({ item: runId, answer: `${TASKS} findings`, correct: null });
      expect(JSON.parse(readFileSync(join(records, 'run.json'), 'utf8'))).toMatchObject({
        workload: `run ${runId} kept in Redis`,
        kind: 'resumed-run',
      });
      // The trajectory holds the dead coordinator's events from the run's stream, then this process's.
      const trajectory = readFileSync(join(records, 'trajectories', 'delm', `${runId}.jsonl`), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string });
      expect(trajectory.filter((e) => e.type === 'run.started')).toHaveLength(2);
      expect(trajectory.at(-1)).toMatchObject({ type: 'run.finished', stopReason: 'answered' });
      const usage = readFileSync(join(records, 'events.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; item: string });
      expect(usage.filter((e) => e.type === 'usage').length).toBeGreaterThan(0);
      expect(usage.filter((e) => e.type === 'usage').length).toBe(trajectory.filter((e) => e.type === 'usage').length);
      expect(usage.every((e) => e.item === runId)).toBe(true);

      const after = await ledger(client, prefix);
      // Everything admitted before the crash is still there, in place.
      expect(after.slice(0, before.length)).toEqual(before);
      const gists = after.filter((e) => e.kind === 'gist').map((e) => e.task);
      expect(gists).toHaveLength(TASKS);
      expect(new Set(gists).size).toBe(TASKS);
      expect(after.filter((e) => e.kind === 'answer').map((e) => e.text)).toEqual([`${TASKS} findings`]);
      expect(await client.hmGet(`${prefix}q:meta`, ['done', 'failed', 'open'])).toEqual([String(TASKS), '0', '0']);
      expect(await client.hGet(`${prefix}r:meta`, 'phase')).toBe('2');
    } finally {
      await client.close();
    }
  }, 300_000);

  it('ends a resumed run whose coordinator died while planning in an error that says so (RUN_NOT_PLANNED)', async () => {
    const url = server().url;
    const dir = mkdtempSync(join(tmpdir(), 'delm-plan-'));
    const client = createClient({ url });
    await client.connect();
    try {
      // The planner waits at a gate never opened: the run exists in Redis, its plan never enqueued.
      const lead = start(['--import', 'tsx', coordinator, url, '4', '50', '1', '30000'], {
        DELM_TEST_PLAN_GATE: join(dir, 'open'),
      });
      let runId: string | undefined;
      for (const until = Date.now() + 60_000; runId === undefined && Date.now() < until;) {
        for await (const keys of client.scanIterator({ MATCH: 'delm:{*}:r:meta' }))
          for (const key of keys)
            if ((await client.hmGet(key, ['phase', 'planned'])).join() === '0,')
              runId = key.slice('delm:{'.length, key.indexOf('}:'));
        if (runId === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      expect(runId, 'the coordinator never created its run').toBeDefined();
      lead.child.kill('SIGKILL');
      await lead.exited;
      const resume = start([bin, 'resume', '--redis', url, '--run', runId!], undefined, tmp);
      const out = await resume.output();
      expect(await resume.exited).toBe(1);
      expect(out).toMatch(
        /: error \(RUN_NOT_PLANNED: run "[^"]+" ended while planning, before any task was enqueued: start it again\)/,
      );
    } finally {
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses a run id that does not exist, a URL that is not Redis, and a Redis that is not there', async () => {
    const url = server().url;
    // Three processes at once: each fails before starting any agent.
    const missing = start([bin, 'resume', '--redis', url, '--run', 'no-such-run']);
    const notRedis = start([bin, 'worker', '--redis', 'http://127.0.0.1:1', '--run', 'x']);
    const down = start([bin, 'resume', '--redis', 'redis://127.0.0.1:1', '--run', 'x']);
    expect(await Promise.all([missing.exited, notRedis.exited, down.exited])).toEqual([2, 2, 1]);
    expect(missing.stderr()).toMatch(/no run "no-such-run" in Redis.*\[RUN_NOT_FOUND\]/);
    expect(notRedis.stderr()).toMatch(/not a Redis URL.*\[INVALID_CONFIG\]/);
    expect(down.stderr()).toMatch(/cannot connect to Redis at redis:\/\/127\.0\.0\.1:1.*\[REDIS_UNAVAILABLE\]/);
  }, 120_000);
});
