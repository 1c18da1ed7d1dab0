/**
 * `npx tsx bench/provider-runs.ts [agents] [threads] [sub-tasks per agent] [runs] [delay ms]` (default
 * 1000 2 4 6 50): a swarm whose model is the real OpenAI SDK calling an OpenAI-compatible server on
 * loopback (bench/workers/openai-server.mjs, in a child process so its CPU is not counted), each call
 * answered after `delay` ms. A warm-up run (one sub-task per agent), then `runs` runs, each printed with
 * its wall time, this process's CPU time and RSS, and the means (and ranges) of runs 4 on: what a
 * many-agent run costs with a real provider's client, HTTP and JSON in every call, beside
 * bench/swarm-runs.ts's sleep-only model.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { importMeasured } from './build.js';
import { meanAndRange, numberedSubTasks } from './harness.js';

const [agents = 1000, threads = 2, perAgent = 4, runs = 6, delayMs = 50] = process.argv.slice(2).map(Number);
const { createSwarm } = await importMeasured<typeof import('../src/runtime/swarm.js')>('src/runtime/swarm.js');

const server = fork(new URL('./workers/openai-server.mjs', import.meta.url), [String(delayMs)], { silent: true });
const [port] = (await once(server.stdout!, 'data')) as [Buffer];
process.env.OPENAI_API_KEY ??= 'sk-bench-not-a-real-key';
const swarm = createSwarm({
  agents,
  threads,
  protocol: 'basic',
  model: `openai-compatible:bench@http://127.0.0.1:${String(port).trim()}/v1`,
  leaseMs: 60_000,
  heartbeatTimeoutMs: 120_000,
});
const settled: Array<{ wall: number; cpu: number }> = [];
try {
  await swarm.run({ prompt: 'warm-up', subTasks: numberedSubTasks(agents, 'w') });
  for (let run = 2; run <= runs + 1; run++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await swarm.run({ prompt: 'bench', subTasks: numberedSubTasks(agents * perAgent, 't') });
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    console.log(
      `run ${run}: ${result.stopReason}, wall ${Math.round(wall)} ms, CPU ${(cpuMs / 1000).toFixed(2)} s, ` +
        `RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB, ${result.usage.modelCalls} model calls`,
    );
    if (run >= 4) settled.push({ wall, cpu: cpuMs });
  }
  if (settled.length)
    console.log(
      `runs 4–${runs + 1}, means (ranges): ${meanAndRange(
        'wall',
        settled.map((r) => r.wall),
      )} · ${meanAndRange(
        'CPU',
        settled.map((r) => r.cpu),
      )}`,
    );
} finally {
  await swarm.close();
  server.kill();
}
