/** Ledger append + read throughput for 1 KB records, in one thread and with a reader worker following. */
import { once } from 'node:events';
import { SharedLedger } from '../src/ledger/shared-ledger.js';
import { startWorker } from '../src/internal/worker-entry.js';
import type { BenchSuite, BenchTable } from './harness.js';

const RECORDS = 200_000;
const RECORD = 'x'.repeat(1000) + 'αβγ🧪'; // ~1 KB of UTF-8
const follower = new URL('./workers/ledger-follower.ts', import.meta.url);

function singleThread(): { appendPerSec: number; readPerSec: number } {
  const ledger = SharedLedger.create({
    maxBytes: 2 ** 31 - 1,
    maxEntries: RECORDS,
    initialBytes: RECORDS * 1024,
    initialEntries: RECORDS,
  });
  let t = performance.now();
  for (let i = 0; i < RECORDS; i++) ledger.append({ kind: 'gist', text: RECORD, taskId: i });
  const appendMs = performance.now() - t;
  t = performance.now();
  let bytes = 0;
  for (let i = 0; i < RECORDS; i++) bytes += ledger.get(i).text.length;
  const readMs = performance.now() - t;
  if (bytes === 0) throw new Error('nothing read');
  return { appendPerSec: RECORDS / (appendMs / 1000), readPerSec: RECORDS / (readMs / 1000) };
}

async function withFollower(): Promise<number> {
  const ledger = SharedLedger.create({
    maxBytes: 2 ** 31 - 1,
    maxEntries: RECORDS,
    initialBytes: 1 << 20,
    initialEntries: 1024,
  });
  const worker = startWorker(follower, { handle: ledger.handle, total: RECORDS });
  await once(worker, 'message'); // ready
  const t = performance.now();
  for (let i = 0; i < RECORDS; i++) ledger.append({ kind: 'gist', text: RECORD, taskId: i });
  await once(worker, 'message'); // the follower has read every record
  const seconds = (performance.now() - t) / 1000;
  await worker.terminate();
  return RECORDS / seconds;
}

export const suite: BenchSuite = {
  name: 'ledger',
  async run(): Promise<BenchTable[]> {
    const single = singleThread();
    const followed = await withFollower();
    const mb = (n: number) => ((n * Buffer.byteLength(RECORD)) / 2 ** 20).toFixed(0);
    return [
      {
        title: `Context ledger, ${RECORDS.toLocaleString()} records of ${Buffer.byteLength(RECORD)} bytes`,
        columns: ['operation', 'records/s', 'MiB/s'],
        rows: [
          ['append (one thread)', Math.round(single.appendPerSec), mb(single.appendPerSec)],
          ['read (one thread)', Math.round(single.readPerSec), mb(single.readPerSec)],
          ['append while a worker reads each record (growing from 1 MiB)', Math.round(followed), mb(followed)],
        ],
        notes: ['target: ≥ 1M 1 KB records/s'],
      },
    ];
  },
};
