/**
 * `npx tsx bench/swarm-runs.ts [agents] [threads] [sub-tasks per agent] [runs]` (default 1000 2 4 4):
 * one swarm of the 50 ms sleep-only model, a warm-up run (one sub-task per agent), then `runs` runs
 * one after another, each printed with its wall time, the process's CPU time and RSS. Shows how a
 * long-lived swarm settles: the first runs of fresh isolates pay V8's compilation of the hot code.
 */
import { existsSync } from 'node:fs';

const [agents = 1000, threads = 2, perAgent = 4, runs = 4] = process.argv.slice(2).map(Number);
const compiled = new URL('../dist/src/runtime/swarm.js', import.meta.url);
const { createSwarm } = (await import(
  existsSync(compiled) ? compiled.href : '../src/runtime/swarm.js'
)) as typeof import('../src/runtime/swarm.js');
const swarm = createSwarm({
  agents,
  threads,
  protocol: 'basic',
  model: { module: new URL('./workers/sleep-model.mjs', import.meta.url).href, options: { latencyMs: 50 } },
  leaseMs: 10_000,
  heartbeatTimeoutMs: 120_000,
});
const tasks = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ payload: `${prefix}${i}` }));
try {
  await swarm.run({ prompt: 'warm-up', subTasks: tasks(agents, 'w') });
  for (let run = 2; run <= runs + 1; run++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await swarm.run({ prompt: 'bench', subTasks: tasks(agents * perAgent, 't') });
    const used = process.cpuUsage(cpu);
    console.log(
      `run ${run}: ${result.stopReason}, wall ${Math.round(performance.now() - started)} ms, ` +
        `CPU ${((used.user + used.system) / 1e6).toFixed(2)} s, RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`,
    );
  }
} finally {
  await swarm.close();
}
