// Benchmark consumer process on the Redis queue. Prints "ready", waits for "go" on stdin, then prints
// one JSON line with its result.
//   latency <url> <runId> <agentId>: blocks in claim; per task, µs from the producer's timestamp (the
//     payload, on the monotonic clock every process shares) to holding the lease; ends on "stop".
//   throughput <url> <runId> <agentId> separate|combined: claims and completes until nothing is left.
import { createInterface } from 'node:readline';
import { RedisTaskQueue } from '../../src/redis/queue.js';

const [job, url, runId, agent, how] = process.argv.slice(2);
const agentId = Number(agent);
const queue = await RedisTaskQueue.open({ url: url! }, { runId: runId! });
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
await lines.next(); // go

if (job === 'latency') {
  const samples: number[] = [];
  for (;;) {
    const lease = await queue.claim(agentId, { timeoutMs: 60_000, stopWhenDrained: false });
    if (!lease) break;
    if (lease.payload === 'stop') {
      await queue.complete(lease);
      break;
    }
    samples.push(nowUs() - Number(lease.payload));
    await queue.complete(lease);
  }
  process.stdout.write(`${JSON.stringify({ samples })}\n`);
} else {
  let n = 0;
  const t0 = nowUs();
  let lease = await queue.tryClaim(agentId);
  while (lease) {
    if (how === 'combined') lease = await queue.completeAndClaim(lease, '', agentId);
    else {
      await queue.complete(lease);
      lease = await queue.tryClaim(agentId);
    }
    n++;
  }
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ n, us: nowUs() - t0, cpuUs: cpu.user + cpu.system })}\n`);
}
await queue.disconnect();
process.exit(0);
