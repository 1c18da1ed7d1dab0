/**
 * Proposal channel throughput: N producer worker threads → one consumer (the main thread), through
 * the SharedArrayBuffer ring against plain `postMessage` to the main thread. Plus single-thread
 * operation costs of the shared budget and rate limiter.
 *
 * This file is also the producer worker: loaded in a worker with `role` set, it sends and reports.
 */
import { isMainThread, parentPort, workerData, type Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { startWorker } from '../src/internal/worker-entry.js';
import { SharedChannel, type ChannelHandle } from '../src/channel/shared-channel.js';
import { SharedBudget } from '../src/budget/shared-budget.js';
import { SharedRateLimiter } from '../src/budget/rate-limiter.js';
import type { BenchSuite, BenchTable } from './harness.js';

const ROLE = 'delm.channel-bench.producer';
const TOTAL = 200_000;

interface ProducerData {
  role: typeof ROLE;
  mode: 'sab' | 'post';
  channel?: ChannelHandle;
  control: SharedArrayBuffer;
  id: number;
  count: number;
  bytes: number;
}

if (!isMainThread && (workerData as ProducerData | undefined)?.role === ROLE) produce(workerData as ProducerData);

function produce(d: ProducerData): void {
  const ctl = new Int32Array(d.control);
  const channel = d.channel ? SharedChannel.attach(d.channel) : undefined;
  const body = 'x'.repeat(Math.max(0, d.bytes - 16));
  parentPort!.postMessage('ready');
  Atomics.wait(ctl, 0, 0);
  for (let i = 0; i < d.count; i++) {
    const m = `${d.id}|${i}|${body}`;
    if (channel) channel.send(m, 60_000);
    else parentPort!.postMessage(m);
  }
  if (channel) parentPort!.postMessage('done');
}

/** Messages per second from `producers` threads sending `bytes`-byte messages to the main thread. */
async function throughput(mode: 'sab' | 'post', producers: number, bytes: number): Promise<number> {
  const channel =
    mode === 'sab' ? SharedChannel.create({ slots: 1024, maxMessageBytes: Math.max(256, bytes * 2) }) : undefined;
  const control = new SharedArrayBuffer(4);
  const count = Math.floor(TOTAL / producers);
  const workers: Worker[] = Array.from({ length: producers }, (_, id) =>
    startWorker(new URL(import.meta.url), {
      role: ROLE,
      mode,
      control,
      id,
      count,
      bytes,
      ...(channel ? { channel: channel.handle } : {}),
    }),
  );
  try {
    await Promise.all(workers.map((w) => once(w, 'message')));
    const expected = count * producers;
    let received = 0;
    const allPosted = new Promise<void>((resolve) => {
      if (mode === 'post') for (const w of workers) w.on('message', () => ++received === expected && resolve());
    });
    const started = performance.now();
    Atomics.store(new Int32Array(control), 0, 1);
    Atomics.notify(new Int32Array(control), 0);
    if (channel) {
      while (received < expected) {
        if (channel.receive(10_000) === undefined) throw new Error('channel bench: consumer timed out');
        received++;
      }
    } else {
      await allPosted;
    }
    return (expected / (performance.now() - started)) * 1000;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Operations per second of `op` run `n` times on this thread. */
function opsPerSecond(n: number, op: (i: number) => void): number {
  const started = performance.now();
  for (let i = 0; i < n; i++) op(i);
  return (n / (performance.now() - started)) * 1000;
}

export const suite: BenchSuite = {
  name: 'channel',
  async run(): Promise<BenchTable[]> {
    const rows: Array<Array<string | number>> = [];
    for (const producers of [1, 2, 4, 6]) {
      const sab = await throughput('sab', producers, 128);
      const post = await throughput('post', producers, 128);
      rows.push([producers, 128, Math.round(sab), Math.round(post), (sab / post).toFixed(2)]);
    }
    for (const bytes of [1_024, 8_192]) {
      const sab = await throughput('sab', 2, bytes);
      const post = await throughput('post', 2, bytes);
      rows.push([2, bytes, Math.round(sab), Math.round(post), (sab / post).toFixed(2)]);
    }
    const budget = SharedBudget.create({
      tokens: Number.MAX_SAFE_INTEGER,
      costMicroUsd: Number.MAX_SAFE_INTEGER,
      modelCalls: Number.MAX_SAFE_INTEGER,
    });
    const limiter = SharedRateLimiter.create({ requestsPerMinute: 1e12, tokensPerMinute: 1e12 });
    return [
      {
        title: 'Proposal channel: N producer threads → main-thread consumer (messages/s)',
        columns: ['producers', 'bytes/msg', 'SAB ring', 'postMessage', 'ratio'],
        rows,
        notes: [
          `${TOTAL.toLocaleString('en-US')} messages per run; ring of 1024 slots; blocking receive on the main thread`,
          'machine: 2 cores shared, so > 1 producer oversubscribes the CPU',
        ],
      },
      {
        title: 'Budget and rate limiter, one thread (ops/s)',
        columns: ['operation', 'ops/s'],
        rows: [
          [
            'budget reserve + settle (3 resources)',
            Math.round(
              opsPerSecond(200_000, () =>
                budget.settle(budget.reserve({ tokens: 100, costMicroUsd: 50, modelCalls: 1 }), {
                  tokens: 90,
                  costMicroUsd: 45,
                  modelCalls: 1,
                }),
              ),
            ),
          ],
          ['rate limiter tryAcquire (2 rates)', Math.round(opsPerSecond(200_000, () => limiter.tryAcquire(100)))],
        ],
      },
    ];
  },
};
