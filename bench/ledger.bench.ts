/** Ledger append + read throughput for 1 KB records, in one thread and with a reader worker following. */
import { once } from 'node:events';
import { SharedLedger } from '../src/ledger/shared-ledger.js';
import { startWorker } from '../src/internal/worker-entry.js';
import type { BenchSuite, BenchTable } from './harness.js';

const RECORDS = 200_000;
const RECORD = 'x'.repeat(1000) + 'αβγ🧪'; // ~1 KB of UTF-8
const follower = new URL('./workers/ledger-follower.ts', import.meta.url);

interface Timed {
  perSec: number;
  /** CPU time (user + system) of the whole process per record, µs. */
  cpuUs: number;
}

/** Runs `f` and returns records/s by wall time and CPU µs per record. */
function timed(records: number, f: () => void): Timed {
  const cpu = process.cpuUsage();
  const t = performance.now();
  f();
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { perSec: records / (ms / 1000), cpuUs: (used.user + used.system) / records };
}

function singleThread(): {
  createMs: number;
  append: Timed;
  read: Timed;
  appendUtf8: Timed;
  appendReceived: Timed;
} {
  const t = performance.now();
  const ledger = SharedLedger.create({
    maxBytes: 2 ** 31 - 1,
    maxEntries: RECORDS,
    initialBytes: RECORDS * 1024,
    initialEntries: RECORDS,
  });
  const createMs = performance.now() - t;
  const append = timed(RECORDS, () => {
    for (let i = 0; i < RECORDS; i++) ledger.append({ kind: 'gist', text: RECORD, taskId: i });
  });
  let bytes = 0;
  const read = timed(RECORDS, () => {
    for (let i = 0; i < RECORDS; i++) bytes += ledger.get(i).text.length;
  });
  if (bytes === 0) throw new Error('nothing read');
  // The same records handed over already encoded (the ledger's memory is kept, so equally warm).
  ledger.reset();
  const utf8 = Buffer.from(RECORD, 'utf8');
  const appendUtf8 = timed(RECORDS, () => {
    for (let i = 0; i < RECORDS; i++) ledger.appendUtf8({ kind: 'gist', taskId: i }, utf8);
  });
  // The verifier's case: it holds the bytes it received and the text it decoded from them to check it.
  ledger.reset();
  const appendReceived = timed(RECORDS, () => {
    for (let i = 0; i < RECORDS; i++) ledger.appendUtf8({ kind: 'gist', taskId: i }, utf8, RECORD);
  });
  return { createMs, append, read, appendUtf8, appendReceived };
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
    const arenaMiB = Math.round((RECORDS * 1024) / 2 ** 20);
    return [
      {
        title: `Context ledger, ${RECORDS.toLocaleString()} records of ${Buffer.byteLength(RECORD)} bytes (mixed script)`,
        columns: ['operation', 'records/s', 'MiB/s', 'CPU µs/record'],
        rows: [
          [
            'append (one thread)',
            Math.round(single.append.perSec),
            mb(single.append.perSec),
            single.append.cpuUs.toFixed(2),
          ],
          [
            'append of pre-encoded UTF-8 (one thread, appendUtf8)',
            Math.round(single.appendUtf8.perSec),
            mb(single.appendUtf8.perSec),
            single.appendUtf8.cpuUs.toFixed(2),
          ],
          [
            "append of received UTF-8 + the text decoded from it (appendUtf8, the verifier's path)",
            Math.round(single.appendReceived.perSec),
            mb(single.appendReceived.perSec),
            single.appendReceived.cpuUs.toFixed(2),
          ],
          ['read (one thread)', Math.round(single.read.perSec), mb(single.read.perSec), single.read.cpuUs.toFixed(2)],
          ['append while a worker reads each record (growing from 1 MiB)', Math.round(followed), mb(followed), '–'],
        ],
        notes: [
          'target: ≥ 1M 1 KB records/s',
          `creating the one-thread ledger (${arenaMiB} MiB arena and its index made ready): ${Math.round(single.createMs)} ms`,
        ],
      },
    ];
  },
};
