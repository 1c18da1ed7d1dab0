/**
 * The substrate on Redis beside shared memory, on a private redis-server (AOF on, everysec): queue
 * hand-off latency to an idle consumer, claim+complete throughput with 2 consumer processes (complete
 * then claim, and complete-and-claim in one call), and fenced ledger appends (one at a time and 64 in
 * flight). Shared-memory rows come from the queue suite's own measurements run here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
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

async function redisThroughput(server: RedisServer, how: 'separate' | 'combined'): Promise<number> {
  const runId = `bench-tput-${how}-${Date.now()}`;
  const queue = await RedisTaskQueue.open({ url: server.url }, { runId, maxTasks: TASKS });
  for (let i = 0; i < TASKS; i += 500)
    await Promise.all(Array.from({ length: Math.min(500, TASKS - i) }, () => queue.enqueue('')));
  const consumers = await Promise.all(
    [1, 2].map((a) => startConsumer(['throughput', server.url, runId, String(a), how])),
  );
  const t0 = nowUs();
  for (const c of consumers) c.child.stdin!.write('go\n');
  const results = await Promise.all(consumers.map(async (c) => JSON.parse(await c.line()) as { n: number }));
  const seconds = (nowUs() - t0) / 1e6;
  const stats = await queue.stats();
  await queue.disconnect();
  if (stats.done !== TASKS || results.reduce((s, r) => s + r.n, 0) !== TASKS)
    throw new Error(`throughput run lost tasks: ${JSON.stringify(stats)}`);
  return TASKS / seconds;
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
      const rSep = await redisThroughput(server, 'separate');
      const rComb = await redisThroughput(server, 'combined');
      const sTput = await sharedThroughput('sab', 2);
      process.stderr.write(' ledger…');
      const rApp = await redisAppends(server);
      const sApp = sharedAppends();
      process.stderr.write(' done\n');
      return [
        {
          title: 'Substrate: shared memory beside Redis (private redis-server 7, AOF everysec, loopback)',
          columns: [
            'substrate',
            'hand-off p50 µs',
            'p99 µs',
            'claim+complete /s (2 consumers)',
            'complete-and-claim /s',
            'fenced appends /s (1 / 64 in flight)',
          ],
          rows: [
            [
              'shared memory (threads)',
              sLat.p50,
              sLat.p99,
              Math.round(sTput),
              '—',
              `${Math.round(sApp)} (single writer, no fence)`,
            ],
            [
              'Redis (processes)',
              rLat.p50,
              rLat.p99,
              Math.round(rSep),
              Math.round(rComb),
              `${Math.round(rApp.serial)} / ${Math.round(rApp.window)}`,
            ],
          ],
          notes: [
            `hand-off: ${HANDOFFS} tasks 2 ms apart to one idle consumer (shared: 1 ms apart, Atomics.wait; Redis: BLPOP), enqueue → lease held, µs`,
            `Redis throughput: ${TASKS.toLocaleString()} pre-filled tasks, 2 consumer processes; shared: 1,000,000 tasks, 2 worker threads`,
            `appends: ~200-byte gists; Redis ${APPENDS} one at a time, then ${APPENDS_IN_FLIGHT} with ${WINDOW} in flight, each through the epoch-checking function`,
          ],
        },
      ];
    } finally {
      await server.stop();
    }
  },
};
