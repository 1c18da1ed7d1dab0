// Benchmark consumer thread: either the shared-memory queue or a postMessage broker, same protocol.
import { parentPort, workerData } from 'node:worker_threads';
import { SharedTaskQueue, type QueueHandle } from '../../src/queue/shared-queue.js';

interface Data {
  mode: 'sab' | 'broker';
  job: 'latency' | 'throughput';
  queue?: QueueHandle;
  /** Float64 per sample (latency µs), Int32 counters at the end. */
  samples: SharedArrayBuffer;
  counters: SharedArrayBuffer; // Int32: [0] completed
  agentId: number;
}
const data = workerData as Data;
const samples = new Float64Array(data.samples);
const counters = new Int32Array(data.counters);
const port = parentPort!;
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

if (data.mode === 'sab') {
  const queue = SharedTaskQueue.attach(data.queue!);
  port.postMessage('ready');
  await new Promise((resolve) => port.once('message', resolve)); // 'go'
  if (data.job === 'throughput') {
    let n = 0;
    for (let lease = queue.tryClaim(data.agentId); lease; lease = queue.tryClaim(data.agentId)) {
      queue.complete(lease);
      n++;
    }
    Atomics.add(counters, 0, n);
    port.postMessage({ n });
  } else {
    for (;;) {
      const lease = queue.claim(data.agentId, { timeoutMs: 60_000, stopWhenDrained: false });
      if (!lease) break;
      const sentAt = Number(lease.payload);
      samples[lease.taskId] = nowUs() - sentAt;
      queue.complete(lease);
      Atomics.add(counters, 0, 1);
      Atomics.notify(counters, 0);
    }
    port.postMessage('bye');
  }
} else {
  // Broker protocol: ask for a task ('want'), receive { id, payload } or null (no more), report 'done'.
  let n = 0;
  port.on('message', (task: { id: number; payload: string } | null) => {
    if (task === ('go' as never)) {
      port.postMessage('want');
      return;
    }
    if (task === null) {
      if (data.job === 'throughput') Atomics.add(counters, 0, n);
      port.postMessage({ n });
      port.close();
      return;
    }
    if (data.job === 'latency') {
      samples[task.id] = nowUs() - Number(task.payload);
      Atomics.add(counters, 0, 1);
      Atomics.notify(counters, 0);
    }
    n++;
    port.postMessage({ done: task.id });
    port.postMessage('want');
  });
  port.postMessage('ready');
}
