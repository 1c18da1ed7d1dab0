import type { Worker } from 'node:worker_threads';
import { firstMessage, terminatedAfterEach } from '../helpers/workers.js';
import { describe, expect, it } from 'vitest';
import { startWorker } from '../../src/internal/worker-entry.js';
import { SharedLedger } from '../../src/ledger/shared-ledger.js';
import { expectedText } from './fixtures/expected.js';

const reader = new URL('./fixtures/ledger-reader.ts', import.meta.url);
const workers = terminatedAfterEach();

const report = (w: Worker) => firstMessage<{ checked: number; torn: number; waits: number }>(w);

describe('SharedLedger read by worker threads while the writer appends', () => {
  it('never shows a reader a torn or partial entry, across growth', async () => {
    const TOTAL = 6_000;
    const ledger = SharedLedger.create({ initialBytes: 4096, initialEntries: 16 });
    const ready = new SharedArrayBuffer(4);
    const readers = Array.from({ length: 4 }, (_, i) =>
      startWorker(reader, { handle: ledger.handle, total: TOTAL, spin: i % 2 === 0, ready }),
    );
    workers.push(...readers);
    const reports = readers.map(report);
    // Start writing only once every reader is following.
    while (Atomics.load(new Int32Array(ready), 0) < readers.length) await new Promise((r) => setTimeout(r, 5));
    for (let n = 0; n < TOTAL; n++) {
      ledger.append({ kind: n % 3 === 0 ? 'raw' : 'gist', text: expectedText(n), taskId: n, meta: { n } });
      if (n % 500 === 0) await new Promise((r) => setImmediate(r)); // interleave with the readers
    }
    const results = await Promise.all(reports);
    for (const r of results) expect(r).toMatchObject({ checked: TOTAL, torn: 0 });
    expect(ledger.bytesUsed).toBeGreaterThan(4096 * 100); // it really grew
  });
});
