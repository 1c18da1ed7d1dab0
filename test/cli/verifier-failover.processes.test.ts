// Verifier failover with real OS processes: a coordinator runs the verifier; `delm worker
// --standby-verifier` joins. The coordinator is frozen (SIGSTOP) past the writer lease, then thawed
// (SIGCONT): the standby takes the ledger over (a new epoch), claims what was left unacknowledged and
// commits; the thawed verifier is fenced and stands by again — and takes the ledger back when the
// worker is frozen in turn. Or the coordinator is SIGKILLed and the worker finishes the run alone.
// Every way, every sub-task is done once and each finding admitted once.
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import type { RedisClient } from '../../src/redis/client.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { childProcesses, until, type Child } from '../helpers/child-process.js';
import { privateRedisServer } from '../helpers/redis-server.js';

const server = privateRedisServer({ beforeAll, afterAll });
const bin = fileURLToPath(new URL('../../bin/delm.mjs', import.meta.url));
const coordinator = fileURLToPath(new URL('../runtime/fixtures/redis-coordinator.ts', import.meta.url));
const processes = childProcesses();
afterEach(() => processes.killAll());

type Client = RedisClient;
type Entry = { kind: string; task: string; epoch: number };

async function ledger(client: Client, prefix: string): Promise<Entry[]> {
  const raw = await client.sendCommand<Array<[string, string[]]>>(['XRANGE', `${prefix}l:stream`, '-', '+']);
  return raw.map(([, f]) => ({
    kind: f[f.indexOf('k') + 1]!,
    task: f[f.indexOf('t') + 1]!,
    epoch: Number(f[f.indexOf('w') + 1]),
  }));
}

/** The ledger's writer: its epoch (0 once it resigned), its holder, and the last epoch ever issued. */
async function writer(client: Client, prefix: string): Promise<{ epoch: number; holder: string; issued: number }> {
  const [epoch, holder, issued] = await client.hmGet(`${prefix}l:meta`, ['writer', 'holder', 'epoch']);
  return { epoch: Number(epoch), holder: holder ?? '', issued: Number(issued) };
}

/** What must hold at the end of either run: every task done once, each finding admitted once, one answer. */
async function expectDoneOnce(client: Client, prefix: string, tasks: number): Promise<Entry[]> {
  const entries = await ledger(client, prefix);
  const gists = entries.filter((e) => e.kind === 'gist').map((e) => e.task);
  expect(gists).toHaveLength(tasks);
  expect(new Set(gists).size).toBe(tasks);
  expect(entries.filter((e) => e.kind === 'answer')).toHaveLength(1);
  expect(await client.hmGet(`${prefix}q:meta`, ['done', 'failed', 'open'])).toEqual([String(tasks), '0', '0']);
  // No proposal lost or counted twice: every one sent was processed once, and none is left.
  const [sent, processed] = await client.hmGet(`${prefix}r:meta`, ['sent', 'processed']);
  expect(processed).toBe(sent);
  expect(await client.xLen(`${prefix}p:stream`)).toBe(0);
  return entries;
}

/** A coordinator process and a `delm worker --standby-verifier` in one run, and a client on its Redis. */
interface Failover {
  lead: Child;
  worker: Child;
  runId: string;
  prefix: string;
  client: Client;
}

/**
 * Starts the coordinator (one agent, `tasks` sub-tasks of 300 ms, 1.5 s leases; printing its verifier's
 * states with `verifierStates`), then the worker with two agents and a standby verifier; resolves once
 * the worker says it joined with the standby and its agents have started. Close `client` when done.
 */
async function startFailover(tasks: number, { verifierStates = false } = {}): Promise<Failover> {
  const url = server().url;
  const lead = processes.start(
    ['--import', 'tsx', coordinator, url, String(tasks), '300', '1', '1500'],
    verifierStates ? { DELM_TEST_VERIFIER_STATES: '1' } : undefined,
  );
  const { runId } = JSON.parse(await lead.waitFor((l) => l.startsWith('{"runId"'), 60_000)) as { runId: string };
  const worker = processes.start([
    bin,
    'worker',
    '--redis',
    url,
    '--run',
    runId,
    '--agents',
    '2',
    '--standby-verifier',
  ]);
  await worker.waitFor((l) => l.includes('and a standby verifier'), 60_000);
  await worker.waitFor((l) => /^agent \d+ started$/.test(l), 60_000);
  const client = createClient({ url }) as unknown as RedisClient;
  await client.connect();
  return { lead, worker, runId, prefix: `delm:{${runId}}:`, client };
}

/** Waits (up to two minutes) until at least `n` of the run's tasks are done. */
function tasksDone(client: Client, prefix: string, n: number): Promise<true> {
  return until(
    `${n} tasks done`,
    async () => (Number(await client.hGet(`${prefix}q:meta`, 'done')) >= n ? true : undefined),
    120_000,
  );
}

describe('verifier failover (real processes)', () => {
  it('a verifier frozen past its lease is replaced by the standby and, thawed, is fenced', async () => {
    const TASKS = 40;
    const { lead, worker, runId, prefix, client } = await startFailover(TASKS, { verifierStates: true });
    try {
      await tasksDone(client, prefix, 5);
      const first = await writer(client, prefix);
      expect(first.holder).toMatch(new RegExp(`^verifier:${lead.child.pid}:`));

      lead.signal('SIGSTOP');
      const second = await until(
        'the standby to take the ledger over',
        async () => {
          const w = await writer(client, prefix);
          return w.epoch !== first.epoch && w.epoch !== 0 ? w : undefined;
        },
        60_000,
      );
      expect(second.epoch).toBe(first.epoch + 1);
      expect(second.holder).toMatch(new RegExp(`^verifier:${worker.child.pid}:`));
      // The standby commits while the old verifier is still frozen.
      await until(
        'a commit by the standby',
        async () => ((await ledger(client, prefix)).some((e) => e.epoch === second.epoch) ? true : undefined),
        60_000,
      );
      lead.signal('SIGCONT');

      // Thawed, the old verifier's writes are refused (FENCED): it stands by, and the run goes on.
      await lead.waitFor((l) => l === '{"verifier":"standingBy"}', 60_000);
      const { result } = JSON.parse(await lead.waitFor((l) => l.startsWith('{"result"'), 180_000)) as {
        result: { answer: string; stopReason: string; error?: string; tasks: Record<string, number> };
      };
      expect(result.stopReason, result.error).toBe('answered');
      expect(result.answer).toBe(`${TASKS} findings`);
      expect(await lead.exited).toBe(0);
      const done = await worker.waitFor((l) => l.startsWith(`run ${runId}:`), 60_000);
      expect(done).toContain(`run ${runId}: answered`);
      expect(await worker.exited).toBe(0);

      const entries = await expectDoneOnce(client, prefix, TASKS);
      // Only two writers ever: nothing the old epoch wrote comes after the standby's first entry.
      expect((await writer(client, prefix)).issued).toBe(second.epoch);
      const takeover = entries.findIndex((e) => e.epoch === second.epoch);
      expect(entries.slice(takeover).every((e) => e.epoch === second.epoch)).toBe(true);
      expect(entries.slice(0, takeover).every((e) => e.epoch < second.epoch)).toBe(true);
    } finally {
      await client.close();
    }
  }, 300_000);

  it('a deposed verifier stands by again and takes the ledger back when its successor is frozen in turn', async () => {
    // Enough that the run is still going after each freeze: the worker's two agents finish at most one
    // task per 300 ms call each while the coordinator is frozen past its 5 s lease.
    const TASKS = 80;
    const { lead, worker, runId, prefix, client } = await startFailover(TASKS, { verifierStates: true });
    /** The writer once its epoch is past `epoch` (and not resigned), waiting up to a minute. */
    const nextWriter = (what: string, epoch: number) =>
      until(
        what,
        async () => {
          const w = await writer(client, prefix);
          return w.epoch > epoch ? w : undefined;
        },
        60_000,
      );
    /** Waits for a commit at `epoch`. */
    const commitAt = (what: string, epoch: number) =>
      until(
        what,
        async () => ((await ledger(client, prefix)).some((e) => e.epoch === epoch) ? true : undefined),
        60_000,
      );
    try {
      await tasksDone(client, prefix, 3);
      const first = await writer(client, prefix);
      expect(first.holder).toMatch(new RegExp(`^verifier:${lead.child.pid}:`));

      // The coordinator is frozen: the worker's standby takes the ledger over.
      lead.signal('SIGSTOP');
      const second = await nextWriter('the standby to take the ledger over', first.epoch);
      expect(second.holder).toMatch(new RegExp(`^verifier:${worker.child.pid}:`));
      await commitAt('a commit by the standby', second.epoch);
      lead.signal('SIGCONT');
      // Thawed, the coordinator's verifier is fenced and stands by.
      await lead.waitFor((l) => l === '{"verifier":"standingBy"}', 60_000);

      // Now the worker is frozen: the coordinator's verifier, standing by, takes the ledger back.
      worker.signal('SIGSTOP');
      const third = await nextWriter('the deposed verifier to take the ledger back', second.epoch);
      expect(third.epoch).toBe(second.epoch + 1);
      expect(third.holder).toMatch(new RegExp(`^verifier:${lead.child.pid}:`));
      await commitAt('a commit by the verifier that came back', third.epoch);
      worker.signal('SIGCONT');

      const { result } = JSON.parse(await lead.waitFor((l) => l.startsWith('{"result"'), 180_000)) as {
        result: { answer: string; stopReason: string; error?: string };
      };
      expect(result.stopReason, result.error).toBe('answered');
      expect(result.answer).toBe(`${TASKS} findings`);
      expect(await lead.exited).toBe(0);
      expect(await worker.waitFor((l) => l.startsWith(`run ${runId}:`), 60_000)).toContain(`run ${runId}: answered`);
      expect(await worker.exited).toBe(0);

      const entries = await expectDoneOnce(client, prefix, TASKS);
      // Three writers in turn, each fencing the one before: no entry of an older epoch after a newer one's first.
      expect((await writer(client, prefix)).issued).toBe(third.epoch);
      const epochs = entries.map((e) => e.epoch);
      expect(epochs).toEqual([...epochs].sort((a, b) => a - b));
      expect(epochs.every((e) => e <= first.epoch || e === second.epoch || e === third.epoch)).toBe(true);
    } finally {
      await client.close();
    }
  }, 300_000);

  it('the coordinator is SIGKILLed: the worker’s standby verifier takes over and the worker finishes the run', async () => {
    const TASKS = 30;
    const { lead, worker, runId, prefix, client } = await startFailover(TASKS);
    try {
      await tasksDone(client, prefix, 5);
      const first = await writer(client, prefix);
      lead.child.kill('SIGKILL');
      await lead.exited;

      const done = await worker.waitFor((l) => l.startsWith(`run ${runId}:`), 180_000);
      expect(done).toContain(`run ${runId}: answered`);
      expect(done).toContain(`queue ${TASKS}/${TASKS} done, 0 failed; answer: ${TASKS} findings`);
      expect(await worker.exited).toBe(0);
      await expectDoneOnce(client, prefix, TASKS);
      const last = await writer(client, prefix);
      expect(last.issued).toBe(first.epoch + 1);
      expect(last.holder).toMatch(new RegExp(`^verifier:${worker.child.pid}:`));
    } finally {
      await client.close();
    }
  }, 300_000);
});
