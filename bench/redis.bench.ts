/**
 * The substrate on Redis beside shared memory, on a private redis-server (AOF on, everysec, hz 100):
 * queue hand-off latency to an idle consumer, claim+complete throughput with 2 and 8 consumer
 * processes (complete then claim, and complete-and-claim in one call; CPU of the consumers and of
 * redis-server beside wall time), the delay from a dead holder's lease deadline to another consumer
 * holding the task, and fenced ledger appends (one at a time and 64 in flight). Shared-memory rows
 * come from the queue suite's own measurements run here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { SharedTaskQueue } from '../src/queue/shared-queue.js';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SharedLedger } from '../src/ledger/shared-ledger.js';
import { RedisLedger } from '../src/redis/ledger.js';
import { RedisTaskQueue } from '../src/redis/queue.js';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server.js';
import { percentile, type BenchSuite, type BenchTable } from './harness.js';
import { latency as sharedLatency, throughput as sharedThroughput } from './queue.bench.js';

const consumer = fileURLToPath(new URL('./workers/redis-consumer.ts', import.meta.url));
const HANDOFFS = 1_000;
const TASKS = 20_000;
const APPENDS = 2_000;
const APPENDS_IN_FLIGHT = 10_000;
const WINDOW = 64;
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const RECORD =
  'A verified finding of about two hundred bytes, as a gist would be: the licence permits redistribution in source and binary forms provided that the copyright notice is kept [D3]. ';

interface Consumer {
  child: ChildProcess;
  line: () => Promise<string>;
}

async function startConsumer(args: string[]): Promise<Consumer> {
  const child = spawn(process.execPath, ['--import', 'tsx', consumer, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const line = async () => {
    const next = await lines.next();
    if (next.done) throw new Error('a Redis bench consumer ended early');
    return next.value;
  };
  if ((await line()) !== 'ready') throw new Error('a Redis bench consumer did not start');
  return { child, line };
}

async function redisLatency(server: RedisServer): Promise<{ p50: number; p99: number }> {
  const runId = `bench-latency-${Date.now()}`;
  const queue = await RedisTaskQueue.open({ url: server.url }, { runId, maxTasks: HANDOFFS + 10 });
  const c = await startConsumer(['latency', server.url, runId, '1']);
  c.child.stdin!.write('go\n');
  await new Promise((r) => setTimeout(r, 100));
  for (let i = 0; i < HANDOFFS; i++) {
    // 2 ms apart: the consumer is back in BLPOP, so each sample is a real wake-up.
    await new Promise((r) => setTimeout(r, 2));
    await queue.enqueue(String(nowUs()));
  }
  await queue.enqueue('stop');
  const { samples } = JSON.parse(await c.line()) as { samples: number[] };
  await queue.disconnect();
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/** A throughput run: tasks per second of wall time, and CPU seconds of the consumers and of redis-server per 1,000 tasks. */
interface Throughput {
  perSecond: number;
  consumerCpuMsPerK: number;
  redisCpuMsPerK: number;
}

async function redisThroughput(
  server: RedisServer,
  how: 'separate' | 'combined',
  consumerCount: number,
): Promise<Throughput> {
  const runId = `bench-tput-${how}-${consumerCount}-${Date.now()}`;
  const queue = await RedisTaskQueue.open({ url: server.url }, { runId, maxTasks: TASKS });
  for (let i = 0; i < TASKS; i += 500)
    await Promise.all(Array.from({ length: Math.min(500, TASKS - i) }, () => queue.enqueue('')));
  const consumers = await Promise.all(
    Array.from({ length: consumerCount }, (_, i) =>
      startConsumer(['throughput', server.url, runId, String(i + 1), how]),
    ),
  );
  const redisCpu0 = processCpuSeconds(server.pid);
  const t0 = nowUs();
  for (const c of consumers) c.child.stdin!.write('go\n');
  const results = await Promise.all(
    consumers.map(async (c) => JSON.parse(await c.line()) as { n: number; cpuUs: number }),
  );
  const seconds = (nowUs() - t0) / 1e6;
  const redisCpu = processCpuSeconds(server.pid) - redisCpu0;
  const stats = await queue.stats();
  await queue.disconnect();
  if (stats.done !== TASKS || results.reduce((s, r) => s + r.n, 0) !== TASKS)
    throw new Error(`throughput run lost tasks: ${JSON.stringify(stats)}`);
  // Consumer CPU includes each process's start-up (tsx, connecting): a fixed part beside the run.
  const consumerCpu = results.reduce((s, r) => s + r.cpuUs, 0) / 1e6;
  return {
    perSecond: TASKS / seconds,
    consumerCpuMsPerK: (consumerCpu * 1e6) / TASKS,
    redisCpuMsPerK: (redisCpu * 1e6) / TASKS,
  };
}

const RECLAIMS = 40;
const RECLAIM_LEASE_MS = 100;

/**
 * A holder's death as the queue sees it: a claim that is never renewed nor completed (a SIGKILLed
 * process looks the same). Another consumer waits in claim; ms from the lease's deadline (claim time
 * + lease, on this process's clock) to that consumer holding the task.
 */
async function redisReclaim(server: RedisServer): Promise<number[]> {
  const runId = `bench-reclaim-${Date.now()}`;
  const holder = await RedisTaskQueue.open({ url: server.url }, { runId, maxTasks: RECLAIMS + 10 });
  const waiter = await RedisTaskQueue.open({ url: server.url }, { runId });
  const delays: number[] = [];
  for (let i = 0; i < RECLAIMS; i++) {
    await holder.enqueue(String(i));
    const t = performance.now();
    const lease = await holder.claim(1, { leaseMs: RECLAIM_LEASE_MS });
    if (!lease) throw new Error('nothing to hold');
    const deadline = t + RECLAIM_LEASE_MS;
    const taken = await waiter.claim(2, { timeoutMs: 10_000, stopWhenDrained: false });
    delays.push(performance.now() - deadline);
    if (taken?.taskId !== lease.taskId) throw new Error('the waiter did not take the dead holder’s task');
    await waiter.complete(taken);
  }
  await Promise.all([holder.disconnect(), waiter.disconnect()]);
  return delays;
}

/** The same on shared memory, one thread: the waiting claim sleeps in Atomics.wait until the lease lapses. */
function sharedReclaim(): number[] {
  const queue = SharedTaskQueue.create({ maxTasks: RECLAIMS + 10 });
  const delays: number[] = [];
  for (let i = 0; i < RECLAIMS; i++) {
    queue.enqueue(String(i));
    const t = performance.now();
    const lease = queue.claim(1, { leaseMs: RECLAIM_LEASE_MS });
    if (!lease) throw new Error('nothing to hold');
    const taken = queue.claim(2, { timeoutMs: 10_000, stopWhenDrained: false });
    delays.push(performance.now() - (t + RECLAIM_LEASE_MS));
    if (taken?.taskId !== lease.taskId) throw new Error('the waiter did not take the dead holder’s task');
    queue.complete(taken);
  }
  return delays;
}

async function redisAppends(server: RedisServer): Promise<{ serial: number; window: number }> {
  const ledger = await RedisLedger.open({ url: server.url }, { runId: `bench-ledger-${Date.now()}` });
  const writer = (await ledger.acquireWriter('bench', 60_000))!;
  let t = nowUs();
  for (let i = 0; i < APPENDS; i++) await writer.append({ kind: 'gist', text: `${i} ${RECORD}`, taskId: i });
  const serial = APPENDS / ((nowUs() - t) / 1e6);
  t = nowUs();
  let next = APPENDS;
  const end = APPENDS + APPENDS_IN_FLIGHT;
  await Promise.all(
    Array.from({ length: WINDOW }, async () => {
      for (let i = next++; i < end; i = next++)
        await writer.append({ kind: 'gist', text: `${i} ${RECORD}`, taskId: i });
    }),
  );
  const window = APPENDS_IN_FLIGHT / ((nowUs() - t) / 1e6);
  if ((await ledger.count()) !== end) throw new Error('appends went missing');
  await ledger.disconnect();
  return { serial, window };
}

function sharedAppends(): number {
  const ledger = SharedLedger.create({ maxEntries: 200_000, maxBytes: 256 << 20 });
  const n = 100_000;
  const t = nowUs();
  for (let i = 0; i < n; i++) ledger.append({ kind: 'gist', text: `${i} ${RECORD}`, taskId: i });
  return n / ((nowUs() - t) / 1e6);
}

export const suite: BenchSuite = {
  name: 'redis',
  async run(): Promise<BenchTable[]> {
    const server = await startRedisServer();
    try {
      process.stderr.write('  redis: hand-off…');
      const rLat = await redisLatency(server);
      const sLat = await sharedLatency('sab', 1, 1);
      process.stderr.write(' throughput…');
      const r2 = await redisThroughput(server, 'separate', 2);
      const r2c = await redisThroughput(server, 'combined', 2);
      const r8 = await redisThroughput(server, 'separate', 8);
      const r8c = await redisThroughput(server, 'combined', 8);
      const s2 = await sharedThroughput('sab', 2);
      const s8 = await sharedThroughput('sab', 8);
      process.stderr.write(' reclaim…');
      const rRec = await redisReclaim(server);
      const sRec = sharedReclaim();
      process.stderr.write(' ledger…');
      const rApp = await redisAppends(server);
      const sApp = sharedAppends();
      process.stderr.write(' done\n');
      const ms = (x: number) => Number(x.toFixed(1));
      const tput = (t: Throughput) =>
        `${Math.round(t.perSecond)} (CPU ${ms(t.consumerCpuMsPerK)} + ${ms(t.redisCpuMsPerK)} ms/1k)`;
      return [
        {
          title: 'Substrate: shared memory beside Redis (private redis-server 7, AOF everysec, hz 100, loopback)',
          columns: [
            'substrate',
            'hand-off p50 µs',
            'p99 µs',
            'claim+complete /s (2 consumers)',
            'complete-and-claim /s (2)',
            'fenced appends /s (1 / 64 in flight)',
          ],
          rows: [
            [
              'shared memory (threads)',
              sLat.p50,
              sLat.p99,
              Math.round(s2),
              '—',
              `${Math.round(sApp)} (single writer, no fence)`,
            ],
            [
              'Redis (processes)',
              rLat.p50,
              rLat.p99,
              tput(r2),
              tput(r2c),
              `${Math.round(rApp.serial)} / ${Math.round(rApp.window)}`,
            ],
          ],
          notes: [
            `hand-off: ${HANDOFFS} tasks 2 ms apart to one idle consumer (shared: 1 ms apart, Atomics.wait; Redis: BLPOP), enqueue → lease held, µs`,
            `Redis throughput: ${TASKS.toLocaleString()} pre-filled tasks, consumer processes; shared: 1,000,000 tasks, worker threads. CPU: consumers' (start-up included) + redis-server's, per 1,000 tasks`,
            `appends: ~200-byte gists; Redis ${APPENDS} one at a time, then ${APPENDS_IN_FLIGHT} with ${WINDOW} in flight, each through the epoch-checking function`,
          ],
        },
        {
          title: 'Substrate: 8 consumers, and a dead holder’s lease reclaimed',
          columns: [
            'substrate',
            'claim+complete /s (8 consumers)',
            'complete-and-claim /s (8)',
            'reclaim after deadline p50 ms',
            'p99 ms',
          ],
          rows: [
            ['shared memory (threads)', Math.round(s8), '—', ms(percentile(sRec, 50)), ms(percentile(sRec, 99))],
            ['Redis (processes)', tput(r8), tput(r8c), ms(percentile(rRec, 50)), ms(percentile(rRec, 99))],
          ],
          notes: [
            `reclaim: ${RECLAIMS} claims of ${RECLAIM_LEASE_MS} ms never renewed nor completed (a dead holder as the queue sees it); another consumer waits in claim (Redis: BLPOP until the next lease deadline, then the claim sweeps expired leases; shared: Atomics.wait); ms from claim time + lease to the waiter holding the task`,
          ],
        },
      ];
    } finally {
      await server.stop();
    }
  },
};
