// `delm worker` with real OS processes: two worker processes join a run that a third coordinates;
// one is SIGKILLed while it holds a task, the other leaves on SIGINT at the end. Every sub-task ends
// done exactly once and the answer counts each finding once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listMembers } from '../../src/redis/members.js';
import { MIN_MEMBER_TTL_MS } from '../../src/runtime/options.js';
import { childProcesses, until } from '../helpers/child-process.js';
import { privateRedisServer } from '../helpers/redis-server.js';

const server = privateRedisServer({ beforeAll, afterAll });
const bin = fileURLToPath(new URL('../../bin/delm.mjs', import.meta.url));
const coordinator = fileURLToPath(new URL('../runtime/fixtures/redis-coordinator.ts', import.meta.url));
const children = childProcesses();
const start = (args: string[], env?: Record<string, string>) => children.start(args, env);
afterEach(() => children.killAll());

const agentIds = (lines: string[]) =>
  lines.map((l) => /^agent (\d+) started$/.exec(l)?.[1]).filter((x): x is string => x !== undefined);

/**
 * The first of tasks 0..tasks-1 that one of `worker`'s agents holds, looked for every 50 ms for up to
 * 60 s (and while `going()`); undefined if none did.
 */
async function taskHeldBy(
  client: { hmGet(key: string, fields: string[]): Promise<Array<string | null>> },
  prefix: string,
  tasks: number,
  worker: { lines: string[] },
  going: () => boolean = () => true,
): Promise<number | undefined> {
  for (const until = Date.now() + 60_000; Date.now() < until && going();) {
    const mine = new Set(agentIds(worker.lines));
    for (let id = 0; id < tasks; id++) {
      const [state, agent] = await client.hmGet(`${prefix}q:t:${id}`, ['state', 'agent']);
      if (state === 'claimed' && agent && mine.has(agent)) return id;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

describe('delm worker (real processes)', () => {
  it('without --run, passes over a run whose processes all died and joins the next run that is going', async () => {
    const url = server().url;
    // A run whose coordinator was SIGKILLed: open in Redis for good, its member key gone once it expires.
    const dead = start(['--import', 'tsx', coordinator, url, '20', '60000', '1', '60000'], {
      DELM_TEST_REDIS: JSON.stringify({ memberTtlMs: MIN_MEMBER_TTL_MS }),
    });
    const { runId: deadId } = JSON.parse(await dead.waitFor((l) => l.startsWith('{"runId"'), 60_000)) as {
      runId: string;
    };
    dead.child.kill('SIGKILL');
    await until(
      'the dead run has no member left',
      async () => ((await listMembers({ url }, deadId)).length === 0 ? true : undefined),
      30_000,
    );

    // Before: the worker joined the dead run at once and waited there for good.
    const worker = start([bin, 'worker', '--redis', url, '--agents', '1']);
    await worker.waitFor((l) => l.includes('waiting for a run'), 60_000);
    const lead = start(['--import', 'tsx', coordinator, url, '6', '100', '1', '1500']);
    const { runId } = JSON.parse(await lead.waitFor((l) => l.startsWith('{"runId"'), 60_000)) as { runId: string };
    const joined = await worker.waitFor((l) => l.includes('joining run'), 60_000);
    expect(joined).toContain(`joining run ${runId}`);
    expect(worker.lines.join('\n')).not.toContain(deadId);
    const { result } = JSON.parse(await lead.waitFor((l) => l.startsWith('{"result"'), 120_000)) as {
      result: { stopReason: string };
    };
    expect(result.stopReason).toBe('answered');
  }, 240_000);

  it('two workers join a run; one is SIGKILLed holding a task: every sub-task ends done exactly once', async () => {
    const url = server().url;
    const TASKS = 30;
    const workerArgs = [bin, 'worker', '--redis', url, '--agents', '2'];
    const a = start(workerArgs);
    const b = start(workerArgs);
    await a.waitFor((l) => l.includes('waiting for a run'), 60_000);
    await b.waitFor((l) => l.includes('waiting for a run'), 60_000);

    // Leases far longer than the test waits: the killed worker's task must go back as it dies.
    const LEASE_MS = 600_000;
    const lead = start(['--import', 'tsx', coordinator, url, String(TASKS), '300', '1', String(LEASE_MS)]);
    const { runId } = JSON.parse(await lead.waitFor((l) => l.startsWith('{"runId"'), 60_000)) as { runId: string };
    await a.waitFor((l) => l.includes(`joining run ${runId}`), 30_000);

    const client = createClient({ url });
    await client.connect();
    try {
      const prefix = `delm:{${runId}}:`;
      // Kill worker A while one of its agents holds a lease.
      const held = await taskHeldBy(client, prefix, TASKS, a);
      expect(held, 'worker A never held a task').toBeDefined();
      a.child.kill('SIGKILL');
      // The other processes see A's process gone from this machine: the first to look ends its agents'
      // leases at once (the coordinator or B; the other finds nothing left to take).
      const { left } = JSON.parse(await lead.waitFor((l) => l.startsWith('{"left"'), 30_000)) as {
        left: { pid: number; agents: number[]; taskIds: number[] };
      };
      expect(left.pid).toBe(a.child.pid);
      expect(left.agents.length).toBeGreaterThan(0);
      expect(agentIds(a.lines)).toEqual(expect.arrayContaining(left.agents.map(String)));
      if (!left.taskIds.includes(held!)) {
        const line = await b.waitFor((l) => l.startsWith(`process ${hostname()}:${a.child.pid} left the run`), 30_000);
        expect(line).toMatch(new RegExp(`holding task\\(s\\) [\\d, ]*\\b${held}\\b`));
      }

      const { result } = JSON.parse(await lead.waitFor((l) => l.startsWith('{"result"'), 120_000)) as {
        result: { answer: string; stopReason: string; tasks: Record<string, number> };
      };
      expect(result.stopReason).toBe('answered');
      expect(result.tasks).toMatchObject({ total: TASKS, done: TASKS, failed: 0, open: 0 });
      expect(result.answer).toBe(`${TASKS} findings`);

      // The task A held was taken over (a second attempt) and is done; every task is done once.
      expect(await client.hGet(`${prefix}q:t:${held}`, 'state')).toBe('done');
      expect(Number(await client.hGet(`${prefix}q:t:${held}`, 'attempts'))).toBeGreaterThanOrEqual(2);
      const entries = await client.sendCommand<Array<[string, string[]]>>(['XRANGE', `${prefix}l:stream`, '-', '+']);
      const gistTasks = entries
        .map(([, f]) => ({ kind: f[f.indexOf('k') + 1], task: f[f.indexOf('t') + 1] }))
        .filter((e) => e.kind === 'gist')
        .map((e) => e.task);
      expect(gistTasks).toHaveLength(TASKS);
      expect(new Set(gistTasks).size).toBe(TASKS);

      // B worked on the run, then SIGINT takes it out cleanly.
      const done = await b.waitFor((l) => l.startsWith(`run ${runId}: answered`), 30_000);
      expect(Number(/completed (\d+) task/.exec(done)?.[1])).toBeGreaterThan(0);
      b.child.kill('SIGINT');
      expect(await b.exited).toBe(130);
      expect(await lead.exited).toBe(0);
    } finally {
      await client.close();
    }
  }, 300_000);

  it('a worker that joins a run still planning starts its agents only once the plan is enqueued', async () => {
    const url = server().url;
    const TASKS = 6;
    const dir = mkdtempSync(join(tmpdir(), 'delm-plan-'));
    const planGate = join(dir, 'open');
    try {
      const w = start([bin, 'worker', '--redis', url, '--agents', '1']);
      await w.waitFor((l) => l.includes('waiting for a run'), 60_000);
      // The coordinator's planner holds at its gate: the run exists in Redis, with no task yet.
      const lead = children.start(['--import', 'tsx', coordinator, url, String(TASKS), '50', '1', '30000'], {
        DELM_TEST_PLAN_GATE: planGate,
      });
      const runId = /joining run (\S+)/.exec(await w.waitFor((l) => l.includes('joining run'), 60_000))![1]!;
      // An agent started now would find the run's queue empty (drained): give it time to show.
      const early = await w
        .waitFor((l) => /^agent \d+ started$/.test(l), 5_000)
        .then(() => true)
        .catch(() => false);
      writeFileSync(planGate, 'open');
      const { result } = JSON.parse(await lead.waitFor((l) => l.startsWith('{"result"'), 120_000)) as {
        result: { runId: string; answer: string; tasks: Record<string, number> };
      };
      expect(result.runId).toBe(runId);
      expect(early, 'the worker started an agent before the run had tasks').toBe(false);
      expect(agentIds(w.lines).length, 'the worker took part once the plan was in').toBeGreaterThan(0);
      expect(result.tasks).toMatchObject({ total: TASKS, done: TASKS, failed: 0 });
      expect(result.answer).toBe(`${TASKS} findings`);
      w.child.kill('SIGINT');
      await w.exited;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  // With a stop grace of 0 the worker's agent thread is terminated before it can give its lease back
  // itself, and maybe before its claim event was posted: the supervisor gives back what the queue
  // records the agent as holding.
  it.each([
    ['its agent gives it back', undefined],
    ['the supervisor gives it back for an agent terminated at the stop grace', '0'],
  ])(
    'a worker interrupted (SIGINT) while it holds a task gives the task back at once, not at lease expiry: %s',
    async (_, grace) => {
      const url = server().url;
      // Every step waits at a gate the test opens only after the interrupt: the coordinator's one agent
      // holds one task and the worker's agent another however long the worker takes to start, and no
      // one can claim the released task before it is checked.
      const TASKS = 10;
      const gate = join(mkdtempSync(join(tmpdir(), 'delm-gate-')), 'open');
      // Leases of 60 s: a task that came back sooner was released, not reclaimed.
      const lead = children.start(
        ['--import', 'tsx', coordinator, url, String(TASKS), '100', '1', '60000', gate],
        grace === undefined ? undefined : { DELM_TEST_STOP_GRACE_MS: grace },
      );
      const { runId } = JSON.parse(await lead.waitFor((l) => l.startsWith('{"runId"'), 60_000)) as { runId: string };
      const w = start([bin, 'worker', '--redis', url, '--run', runId, '--agents', '1']);
      const client = createClient({ url });
      await client.connect();
      try {
        const prefix = `delm:{${runId}}:`;
        const held = await taskHeldBy(client, prefix, TASKS, w, () => lead.child.exitCode === null);
        expect(held, 'the worker never held a task').toBeDefined();
        const holder = await client.hGet(`${prefix}q:t:${held}`, 'agent');
        const interrupted = Date.now();
        w.child.kill('SIGINT');
        expect(await w.exited).toBe(130);
        const [state, agent, attempts] = await client.hmGet(`${prefix}q:t:${held}`, ['state', 'agent', 'attempts']);
        expect(
          state,
          `task ${held} is still held by agent ${agent ?? holder}; the worker said:\n${w.lines.join('\n')}`,
        ).toBe('pending');
        expect(Date.now() - interrupted).toBeLessThan(30_000);
        // A released claim is not counted as an attempt.
        expect(attempts).toBe('0');
        writeFileSync(gate, 'open');

        const { result } = JSON.parse(await lead.waitFor((l) => l.startsWith('{"result"'), 120_000)) as {
          result: { answer: string; tasks: Record<string, number> };
        };
        expect(result.tasks).toMatchObject({ total: TASKS, done: TASKS, failed: 0 });
        expect(result.answer).toBe(`${TASKS} findings`);
      } finally {
        await client.close();
        rmSync(dirname(gate), { recursive: true, force: true });
      }
    },
    300_000,
  );
});
