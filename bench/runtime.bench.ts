/**
 * The swarm runtime with a model that only sleeps: how close wall time comes to the ideal parallel
 * bound, how much of the agents' time goes to waiting on coordination, the coordination overhead
 * per sub-task, and memory, for 1, 4, 16 and 64 agents with a thread each, then 64 and 1,000 agents
 * sharing 2 threads (`threads: 2`). CPU time (every thread of the process) stands beside wall time.
 * `RUNTIME_ROWS=64,64/2,1000/2` measures only those rows (agents, or agents/threads).
 */
import type { SwarmEvent } from '../src/runtime/events.js';
import { numberedSubTasks, percentile, type BenchSuite, type BenchTable } from './harness.js';
import { isVerifierStatsEvent, verifierStats } from './verifier-stats.js';
import { importMeasured, measuredBuild } from './build.js';

const LATENCY_MS = 50;
const TASKS_PER_AGENT = 8;
const modelModule = new URL('./workers/sleep-model.mjs', import.meta.url).href;
const { createSwarm } = await importMeasured<typeof import('../src/runtime/swarm.js')>('src/runtime/swarm.js');

/**
 * Rows for `agents` (on `threads`): the swarm's 2nd run (after one warm-up run), and with `steady` its
 * 4th and the median of its 8th to 12th (each column's median; wall ÷ ideal with its range, since one
 * run of a CPU-bound swarm on a shared machine varies by a third). A new isolate compiles its hot code
 * on V8's background threads during its first runs, and at 1,000 agents on 2 threads it goes on
 * recompiling XState's functions for a while (`--trace-opt`: 530 compilations in the 2nd run, 58–66 in
 * the 4th and 5th, 11–27 from the 7th), so the 4th is still settling and the 8th–12th are the steady
 * state of a long-lived swarm.
 */
async function measure(
  agents: number,
  threads?: number,
  tasksPerAgent = TASKS_PER_AGENT,
  steady = false,
): Promise<{ rows: Array<Array<string | number>>; startup: Array<string | number> }> {
  const tasks = agents * tasksPerAgent;
  const gaps = new SharedArrayBuffer(tasks * 8 * 2);
  const cursor = new SharedArrayBuffer(4);
  const rssBefore = process.memoryUsage().rss;
  const startCpu = process.cpuUsage();
  const startedAt = performance.now();
  const swarm = createSwarm({
    agents,
    ...(threads !== undefined ? { threads } : {}),
    protocol: 'basic',
    model: { module: modelModule, options: { latencyMs: LATENCY_MS, gaps, cursor } },
    leaseMs: 10_000,
    // A throughput measure, not a liveness one: on a loaded machine 65 threads can starve one for 10 s.
    heartbeatTimeoutMs: 120_000,
  });
  try {
    // Warm-up: worker threads start and load their modules. Timed from the swarm's creation: what a
    // process that starts a swarm and runs it once (the CLI, a new service) waits for.
    await swarm.run({ prompt: 'warm-up', subTasks: numberedSubTasks(agents, 'w') });
    const startCpuUsed = process.cpuUsage(startCpu);
    const startup = [
      agents,
      threads ?? agents,
      Math.round(performance.now() - startedAt),
      ((startCpuUsed.user + startCpuUsed.system) / 1e6).toFixed(2),
      Math.round((process.memoryUsage().rss - rssBefore) / 2 ** 20),
    ];
    const rows: Array<Array<string | number>> = [];
    const settled: Array<Array<string | number>> = [];
    for (let run = 2; run <= (steady ? STEADY_RUNS.last : 2); run++) {
      const row = await measuredRun();
      if (run === 2 || run === SETTLING_RUN) rows.push([row[0]!, row[1]!, ordinal(run), ...row.slice(2)]);
      if (run >= STEADY_RUNS.first) settled.push(row);
    }
    if (settled.length) rows.push(medianRow(settled));
    return { rows, startup };
  } finally {
    await swarm.close();
  }

  async function measuredRun(): Promise<Array<string | number>> {
    Atomics.store(new Int32Array(cursor), 0, 0);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const events: SwarmEvent[] = [];
    const result = await swarm.run(
      { prompt: 'bench', subTasks: numberedSubTasks(tasks, 't') },
      { onEvent: (e) => isVerifierStatsEvent(e) && events.push(e) },
    );
    const wall = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const ideal = Math.ceil(tasks / agents) * LATENCY_MS + LATENCY_MS; // sub-task rounds + the final decision
    const n = Math.min(Atomics.load(new Int32Array(cursor), 0), tasks * 2);
    const samples = new Float64Array(gaps).subarray(0, n);
    const rssMiB = process.memoryUsage().rss / 2 ** 20;
    if (result.stopReason !== 'answered') throw new Error(`bench run ended with ${result.stopReason}: ${result.error}`);
    const verifier = verifierStats(events);
    return [
      agents,
      threads ?? agents,
      tasks,
      Math.round(wall),
      ((cpu.user + cpu.system) / 1e6).toFixed(2),
      ideal,
      (wall / ideal).toFixed(2),
      (result.waitingShare * 100).toFixed(1),
      ...(['claiming', 'tail', 'verifier', 'decision'] as const).map((c) => (result.waiting[c] * 100).toFixed(1)),
      Math.round(percentile(samples, 50)),
      Math.round(percentile(samples, 99)),
      verifier.p50.toFixed(1),
      verifier.p99.toFixed(1),
      `${verifier.batches}/${verifier.latencies.length}`,
      ((verifier.busyMs / wall) * 100).toFixed(1),
      Math.round(rssMiB),
      Math.round((process.memoryUsage().rss - rssBefore) / 2 ** 20),
    ];
  }
}

/** The runs of a long-lived swarm that `steady` rows summarise. */
const STEADY_RUNS = { first: 8, last: 12 } as const;
/** The run shown on its own between the 2nd and the steady ones: a young swarm, still settling. */
const SETTLING_RUN = 4;
/** The column of wall ÷ ideal in a measured row (before the run label is inserted). */
const WALL_PER_IDEAL = 6;

const ordinal = (n: number) => (n === 2 ? '2nd' : n === 3 ? '3rd' : `${n}th`);

/** Each numeric column's median over `rows`; wall ÷ ideal with its range. */
function medianRow(rows: Array<Array<string | number>>): Array<string | number> {
  const first = rows[0]!;
  const cells = first.slice(2).map((cell, c) => {
    const texts = rows.map((r) => String(r[c + 2]).replace(/,/g, ''));
    // A count of a total ("57/512"): the counts' median over the same total.
    const ratio = texts.map((t) => /^(\d+)\/(\d+)$/.exec(t));
    if (ratio.every((m) => m !== null && m[2] === ratio[0]![2]))
      return `${Math.round(percentile(Float64Array.from(ratio, (m) => Number(m![1])).sort(), 50))}/${ratio[0]![2]}`;
    const values = texts.map(Number);
    if (values.some((v) => !Number.isFinite(v))) return cell;
    const sorted = Float64Array.from(values).sort();
    const median = percentile(sorted, 50);
    const decimals = (texts[0]!.split('.')[1] ?? '').length; // as the runs' own cells show it
    const shown = decimals === 0 ? Math.round(median) : median.toFixed(decimals);
    return c + 2 === WALL_PER_IDEAL ? `${shown} (${sorted[0]!.toFixed(2)}–${sorted.at(-1)!.toFixed(2)})` : shown;
  });
  return [first[0]!, first[1]!, `${ordinal(STEADY_RUNS.first)}–${ordinal(STEADY_RUNS.last)} median`, ...cells];
}

export const suite: BenchSuite = {
  name: 'runtime',
  async run(): Promise<BenchTable[]> {
    const rows: Array<Array<string | number>> = [];
    const startups: Array<Array<string | number>> = [];
    const add = ({ rows: measured, startup }: Awaited<ReturnType<typeof measure>>) => {
      rows.push(...measured);
      startups.push(startup);
    };
    const only = process.env['RUNTIME_ROWS']?.split(',').map((r) => r.trim());
    const wanted = (row: string) => only === undefined || only.includes(row);
    for (const agents of [1, 4, 16, 64]) {
      if (!wanted(String(agents))) continue;
      process.stderr.write(`  runtime: ${agents} agents…\n`);
      // 64 threads: each thread's first full collection comes in the 2nd run (its heap first reaches
      // V8's initial old-generation limit there), so the 4th is shown beside it.
      add(await measure(agents, undefined, TASKS_PER_AGENT, agents === 64));
    }
    for (const [agents, perAgent] of [
      [64, TASKS_PER_AGENT],
      [1_000, 4],
    ] as const) {
      if (!wanted(`${agents}/2`)) continue;
      process.stderr.write(`  runtime: ${agents} agents on 2 threads…\n`);
      add(await measure(agents, 2, perAgent, true));
    }
    return [
      {
        title: `Swarm runtime with a sleep-only model (${LATENCY_MS} ms per call, ${TASKS_PER_AGENT} sub-tasks per agent; 4 for 1,000 agents)`,
        columns: [
          'agents',
          'agent threads',
          'swarm run',
          'sub-tasks',
          'wall ms',
          'CPU s',
          'ideal ms',
          'wall/ideal',
          'waiting %',
          'claiming mid-round %',
          'end-of-round tail %',
          'verifier settling %',
          'final decision %',
          'overhead p50 µs',
          'overhead p99 µs',
          'proposal→decision p50 ms',
          'p99 ms',
          'verifier batches/proposals',
          'verifier busy %',
          'RSS MiB',
          'swarm RSS MiB',
        ],
        rows,
        notes: [
          'CPU s = process CPU time (main thread, verifier and agent threads) during the measured run; agent threads = agents means one thread per agent (the default), 2 means threads: 2',
          "swarm run = which run of the swarm is measured: the 2nd follows one warm-up run (threads started, modules loaded) and still pays V8's compilation of the hot code on its background threads (and, with a thread per agent, each thread's first full collection); the 4th a young swarm's, still recompiling some of it; the 8th–12th median is a long-lived swarm's steady state, each column's median over those five runs (wall/ideal with its range)",
          'ideal = ceil(sub-tasks / agents) × latency + one final decision; waiting % = agent time spent waiting, split by cause: a claim that got a task (mid-round), a claim that ended in the election (end-of-round tail), the final agent waiting for the verifier to settle, and the election and final decision',
          'overhead = gap between one model call ending and the next starting on the same agent (complete, propose, claim, read the digest)',
          "proposal→decision = from the agent's send stamp on its proposal to the verifier's commit or reject of it, on the clock every thread shares (older records: from the agent's proposal event, after its send); verifier batches = times it left waiting (before batching: one per proposal by construction); busy % = its time out of waiting ÷ wall",
          'targets: waiting ≤ 2 %, overhead p99 < 50 µs, 64 agents under 1 GiB RSS',
          `workers ran ${measuredBuild}; RSS is the whole process (main thread + every worker thread), swarm RSS what creating and running this swarm added`,
        ],
      },
      {
        title: 'Swarm start-up: creating a swarm and running it once (one sub-task per agent, same model)',
        columns: ['agents', 'agent threads', 'wall ms', 'CPU s', 'RSS added MiB'],
        rows: startups,
        notes: [
          "what a process that starts a swarm and runs it once waits for (the CLI, a new service): the worker threads' start (Node's bootstrap, the worker module's imports, the run's protocol), the token table (read from its file after the first process), cold code",
        ],
      },
    ];
  },
};
