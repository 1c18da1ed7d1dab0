/**
 * `npx tsx bench/floor.ts [agents] [threads] [sub-tasks per agent] [runs]` (default 1000 2 4 10): the
 * floor under a swarm's wall time on this machine. The same agents as bench/swarm-runs.ts (each an
 * XState machine invoking a loop of model calls that only sleep 50 ms, on `threads` worker threads,
 * sub-tasks claimed from shared memory, then an election), with nothing of delm around them (see
 * bench/workers/floor-agents.mjs), and once more as plain async code; then a 50 ms final decision.
 * Prints each run's wall time against the ideal (sub-tasks per agent × 50 ms + 50 ms) and the
 * process's CPU time, and the median of the runs after the 3rd: what Node and XState alone cost, to
 * read delm's `swarm-runs` and runtime numbers against.
 */
import { Worker } from 'node:worker_threads';

const [agents = 1000, threads = 2, perAgent = 4, runs = 10] = process.argv.slice(2).map(Number);
const LATENCY_MS = 50;
const ideal = perAgent * LATENCY_MS + LATENCY_MS;

async function measure(mode: 'xstate' | 'plain'): Promise<void> {
  const counter = new SharedArrayBuffer(8);
  const claims = new Int32Array(counter);
  const workers = Array.from(
    { length: threads },
    () =>
      new Worker(new URL('./workers/floor-agents.mjs', import.meta.url), {
        workerData: { counter, latencyMs: LATENCY_MS, mode },
      }),
  );
  const reply = (worker: Worker) => new Promise((resolve) => worker.once('message', resolve));
  try {
    await Promise.all(workers.map(reply));
    const ratios: number[] = [];
    for (let run = 1; run <= runs; run++) {
      Atomics.store(claims, 0, 0);
      Atomics.store(claims, 1, agents * perAgent);
      const cpu = process.cpuUsage();
      const started = performance.now();
      const share = Math.ceil(agents / threads);
      await Promise.all(
        workers.map((worker, i) => {
          const ended = reply(worker);
          worker.postMessage(Math.max(0, Math.min(share, agents - i * share)));
          return ended;
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, LATENCY_MS)); // the final decision
      const wall = performance.now() - started;
      const used = process.cpuUsage(cpu);
      if (run > 3) ratios.push(wall / ideal);
      console.log(
        `${mode} run ${run}: wall ${Math.round(wall)} ms (${(wall / ideal).toFixed(2)} × ideal), ` +
          `CPU ${Math.round((used.user + used.system) / 1000)} ms`,
      );
    }
    ratios.sort((a, b) => a - b);
    const median = ratios[ratios.length >> 1];
    if (median !== undefined)
      console.log(
        `${mode}: ${agents} agents × ${perAgent} on ${threads} threads, median of runs 4–${runs} ${median.toFixed(2)} × ideal`,
      );
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

await measure('xstate');
await measure('plain');
