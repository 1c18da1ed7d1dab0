// Reads every record of a ledger as the main thread appends it; reports when it has read them all.
import { parentPort, workerData } from 'node:worker_threads';
import { SharedLedger, type LedgerHandle } from '../../src/ledger/shared-ledger.js';

const { handle, total } = workerData as { handle: LedgerHandle; total: number };
const ledger = SharedLedger.attach(handle);
parentPort!.postMessage('ready');
let next = 0;
let bytes = 0;
while (next < total) {
  const seq = ledger.sequence;
  for (const count = ledger.count; next < count; next++) bytes += ledger.get(next).text.length;
  if (next < total) ledger.waitForChange(seq, 100);
}
parentPort!.postMessage({ read: next, bytes });
