// The Redis queue shared by real OS processes: a holder frozen past its lease is fenced, and a holder
// killed mid-task loses its task to a survivor — every task completed exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisTaskQueue } from '../../src/redis/queue.js';
import { privateRedisServer, startRedisServer, uniqueRunId } from '../helpers/redis-server.js';

const server = privateRedisServer({ beforeAll, afterAll });
const fixture = fileURLToPath(new URL('./fixtures/queue-process.ts', import.meta.url));
const children: ChildProcess[] = [];
const queues: RedisTaskQueue[] = [];
afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(queues.splice(0).map((q) => q.disconnect()));
});

/** Starts the fixture; `events` yields its JSON lines. */
function startProcess(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, number | string>> => {
    const line = await lines.next();
    if (line.done) throw new Error(`process ${child.pid} ended (exit ${child.exitCode}, signal ${child.signalCode})`);
    return JSON.parse(line.value) as Record<string, number | string>;
  };
  return { child, next };
}

async function openQueue(runId: string, leaseMs: number) {
  const q = await RedisTaskQueue.open({ url: server().url }, { runId, leaseMs, maxAttempts: 5 });
  queues.push(q);
  return q;
}

describe('RedisTaskQueue across processes', () => {
  it('refuses the complete of a holder that was frozen (SIGSTOP) until its lease was taken over', async () => {
    const runId = uniqueRunId('stop');
    const q = await openQueue(runId, 400);
    const id = await q.enqueue('the task');
    const holder = startProcess(['hold', server().url, runId]);
    const claimed = await holder.next();
    expect(claimed).toMatchObject({ claimed: id, generation: 1 });
    process.kill(holder.child.pid!, 'SIGSTOP');
    // A waiting claimer wakes at the frozen holder's deadline (server clock) and takes the task over.
    const taken = await q.claim(2, { timeoutMs: 15_000 });
    expect(taken).toMatchObject({ taskId: id, attempt: 2, generation: 3 });
    await q.complete(taken!, 'by the new holder');
    process.kill(holder.child.pid!, 'SIGCONT');
    holder.child.stdin.write('complete\n');
    expect(await holder.next()).toEqual({ error: 'LEASE_LOST' });
    expect(await q.get(id)).toMatchObject({ state: 'done', result: 'by the new holder', attempts: 2 });
  });

  it('completes every task exactly once when a holder is SIGKILLed mid-task', async () => {
    const runId = uniqueRunId('kill');
    const q = await openQueue(runId, 500);
    const TASKS = 200;
    await q.enqueue({ payload: 'stall', priority: 3 });
    for (let i = 1; i < TASKS; i++) await q.enqueue(`task ${i}`);
    const victim = startProcess(['consume', server().url, runId, '1']);
    expect(await victim.next()).toEqual({ stalled: 0 });
    const survivor = startProcess(['consume', server().url, runId, '2']);
    const done: number[] = [];
    process.kill(victim.child.pid!, 'SIGKILL');
    // The survivor finishes everything, the victim's task once its lease expired, and leaves when drained.
    for (;;) {
      const event = await survivor.next().catch(() => undefined);
      if (!event) break;
      done.push(event.done as number);
    }
    expect(done.toSorted((a, b) => a - b)).toEqual(Array.from({ length: TASKS }, (_, i) => i));
    expect(await q.get(0)).toMatchObject({ state: 'done', result: 'by agent 2', attempts: 2 });
    expect(await q.stats()).toMatchObject({ total: TASKS, done: TASKS, open: 0 });
  });
});

describe('RedisTaskQueue when Redis itself crashes', () => {
  it('carries on after redis-server is SIGKILLed and restarted from its append-only file', async () => {
    const own = await startRedisServer({ extraArgs: ['--appendfsync', 'always'] });
    try {
      const q = await RedisTaskQueue.open({ url: own.url }, { runId: uniqueRunId('aof'), leaseMs: 60_000 });
      queues.push(q);
      for (let i = 0; i < 5; i++) await q.enqueue(`task ${i}`);
      const held = (await q.tryClaim(1))!;
      await q.complete((await q.tryClaim(1))!, 'before the crash');
      await own.kill();
      await own.restart();
      // The same queue object reconnects; the lease taken before the crash still holds.
      await q.complete(held, 'after the crash');
      expect(await q.get(held.taskId)).toMatchObject({ state: 'done', result: 'after the crash' });
      expect(await q.get(1)).toMatchObject({ state: 'done', result: 'before the crash' });
      const rest: string[] = [];
      for (let l = await q.tryClaim(2); l; l = await q.completeAndClaim(l, 'ok', 2)) rest.push(l.payload);
      expect(rest).toEqual(['task 2', 'task 3', 'task 4']);
      expect(await q.stats()).toMatchObject({ total: 5, done: 5, open: 0 });
    } finally {
      await own.stop();
    }
  });
});
