/**
 * `npx tsx bench/swarm-runs.ts [agents] [threads] [sub-tasks per agent] [runs] [--timeline] [--provider]`
 * (default 1000 2 4 4): one swarm of the 50 ms sleep-only model, a warm-up run (one sub-task per
 * agent), then `runs` runs one after another, each printed with its wall time, the process's CPU time
 * and RSS, and the system CPU and minor page faults in it (on a 2-core VM the slow runs of a settled
 * swarm were those with ~13 k faults and ~0.15 s of system CPU, the fast ones a few hundred to a few
 * thousand faults). Shows how a long-lived swarm settles: the first runs of fresh isolates pay V8's
 * compilation of the hot code. On Linux each run's CPU is also split by thread (from /proc): the main
 * thread, the agent threads (the model says which threads it runs in), the other worker threads the
 * swarm started (the verifier), and the threads the process had before the swarm (V8's platform
 * threads: garbage collection helpers and concurrent compilation; libuv's). Ends with the means (and
 * ranges) of those numbers over runs 5 on (every run when there are fewer): what a side-by-side
 * comparison of two builds reads.
 *
 * With `--timeline`, each run also prints where its wall went, from its events' worker-side stamps:
 * when the first task was claimed, each round's completions (round k: the k-th `agents` of them, by
 * time; first, median and last), the final decision and the end. A run whose rounds spread by more
 * than the model's 50 ms is CPU-bound: its threads take longer than the model to get through a round.
 *
 * With `--provider`, the model is the real OpenAI SDK calling an OpenAI-compatible server on loopback
 * (bench/workers/openai-server.mjs, in a child process so its CPU is not counted) that answers each
 * call after 50 ms: what a many-agent run costs with a real provider's client, HTTP and JSON in every
 * call. Its agent threads cannot be told from the verifier's then, so the two are counted together.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { importMeasured } from './build.js';
import { meanAndRange, numberedSubTasks, percentile } from './harness.js';
import type { SwarmEvent } from '../src/runtime/events.js';

const args = process.argv.slice(2);
const [agents = 1000, threads = 2, perAgent = 4, runs = 4] = args.filter((a) => !a.startsWith('--')).map(Number);
const timeline = args.includes('--timeline');
const provider = args.includes('--provider');
/** The model's latency, ms: the sleep model's, or the loopback server's answer delay. */
const LATENCY_MS = 50;
const { createSwarm } = await importMeasured<typeof import('../src/runtime/swarm.js')>('src/runtime/swarm.js');
/** On-CPU ms of each thread of this process, by OS thread id (Linux; empty elsewhere). */
function threadCpuMs(): Map<number, number> {
  const cpu = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return cpu;
  }
  for (const tid of tids)
    try {
      cpu.set(Number(tid), Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6);
    } catch {
      /* the thread ended meanwhile */
    }
  return cpu;
}
const before = new Set(threadCpuMs().keys());
/** Where the sleep model writes the id of each agent thread (slot 0 counts them): one slot per thread. */
const agentThreads = new SharedArrayBuffer(4 * (Math.min(threads, agents) + 1));
const agentTids = () => new Set(Array.from(new Int32Array(agentThreads).subarray(1)).filter((t) => t > 0));

/** A run's CPU by kind of thread (ms). */
interface ThreadSplit {
  main: number;
  agents: number;
  workers: number;
  helpers: number;
}

/** A run's CPU by kind of thread: what changed between two {@link threadCpuMs} readings (undefined off Linux). */
function split(from: Map<number, number>, to: Map<number, number>): ThreadSplit | undefined {
  if (to.size === 0) return undefined;
  const agentsOf = agentTids();
  const ms = { main: 0, agents: 0, workers: 0, helpers: 0 };
  for (const [tid, total] of to) {
    const used = total - (from.get(tid) ?? 0);
    if (tid === process.pid) ms.main += used;
    else if (agentsOf.has(tid) || (provider && !before.has(tid))) ms.agents += used;
    else if (before.has(tid)) ms.helpers += used;
    else ms.workers += used;
  }
  return ms;
}
/** With `--provider`: the loopback server, and the model spec that reaches it. */
async function startServer() {
  const server = fork(new URL('./workers/openai-server.mjs', import.meta.url), [String(LATENCY_MS)], { silent: true });
  // Its port, or its end: a server that fails to start must not leave the bench waiting.
  const [port] = (await Promise.race([
    once(server.stdout!, 'data'),
    once(server, 'exit').then(([code]) => {
      throw new Error(`the loopback server exited (${String(code)}) before it printed its port`);
    }),
  ])) as [Buffer];
  process.env.OPENAI_API_KEY ??= 'sk-bench-not-a-real-key';
  return { server, model: `openai-compatible:bench@http://127.0.0.1:${String(port).trim()}/v1` };
}
const served = provider ? await startServer() : undefined;
const swarm = createSwarm({
  agents,
  threads,
  protocol: 'basic',
  model: served?.model ?? {
    module: new URL('./workers/sleep-model.mjs', import.meta.url).href,
    options: { latencyMs: LATENCY_MS, threads: agentThreads },
  },
  leaseMs: provider ? 60_000 : 10_000,
  heartbeatTimeoutMs: 120_000,
});
/**
 * The events {@link timelineOf} reads: a run keeps only these, so that retaining the tens of thousands
 * of others (state changes, proposals, commits) does not weigh on the run it measures.
 */
const TIMELINE_EVENTS: ReadonlySet<SwarmEvent['type']> = new Set([
  'run.started',
  'task.claimed',
  'task.completed',
  'final.decision',
  'run.finished',
]);
/** The `--timeline` line of a run: its events' times, ms from `run.started` (see the module comment). */
function timelineOf(events: readonly SwarmEvent[]): string {
  const start = events.find((e) => e.type === 'run.started')?.at ?? 0;
  const times = (type: SwarmEvent['type']) =>
    events
      .filter((e) => e.type === type)
      .map((e) => e.at - start)
      .sort((a, b) => a - b);
  const completions = times('task.completed');
  const rounds: string[] = [];
  for (let from = 0; from < completions.length; from += agents) {
    const round = completions.slice(from, from + agents);
    rounds.push([round[0]!, percentile(round, 50), round.at(-1)!].map(Math.round).join('–'));
  }
  const at = (type: SwarmEvent['type']) => Math.round(times(type)[0] ?? Number.NaN);
  return (
    `  timeline (ms from run.started): first claim ${at('task.claimed')} · rounds' completions (first–median–last) ` +
    `${rounds.join(' | ')} · final decision ${at('final.decision')} · finished ${at('run.finished')}`
  );
}
/** The runs the closing summary covers: from the 5th (a long-lived swarm's settled runs), or every measured run when there are fewer. */
const settledFrom = runs + 1 >= 5 ? 5 : 2;
const settled: Array<{ wall: number; cpu: number } & Partial<ThreadSplit>> = [];
const ms = (x: number) => `${Math.round(x)} ms`;
try {
  await swarm.run({ prompt: 'warm-up', subTasks: numberedSubTasks(agents, 'w') });
  for (let run = 2; run <= runs + 1; run++) {
    const cpu = process.cpuUsage();
    const faults = process.resourceUsage().minorPageFault;
    const byThread = threadCpuMs();
    const started = performance.now();
    const events: SwarmEvent[] = [];
    const result = await swarm.run(
      { prompt: 'bench', subTasks: numberedSubTasks(agents * perAgent, 't') },
      timeline ? { onEvent: (event) => TIMELINE_EVENTS.has(event.type) && events.push(event) } : {},
    );
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const threadSplit = split(byThread, threadCpuMs());
    console.log(
      `run ${run}: ${result.stopReason}, wall ${Math.round(wall)} ms, ` +
        `CPU ${((used.user + used.system) / 1e6).toFixed(2)} s, RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB, ` +
        `system CPU ${(used.system / 1e6).toFixed(2)} s, minor page faults ${process.resourceUsage().minorPageFault - faults}` +
        (provider ? `, ${result.usage.modelCalls} model calls` : '') +
        (threadSplit
          ? `\n  threads: main ${ms(threadSplit.main)} · ` +
            (provider
              ? `agent and verifier threads ${ms(threadSplit.agents)} · `
              : `agent threads (${agentTids().size}) ${ms(threadSplit.agents)} · other workers (verifier) ${ms(threadSplit.workers)} · `) +
            `V8 and libuv helpers ${ms(threadSplit.helpers)}`
          : '') +
        (timeline ? `\n${timelineOf(events)}` : ''),
    );
    if (run >= settledFrom) settled.push({ wall, cpu: (used.user + used.system) / 1000, ...threadSplit });
  }
  // Means (and ranges) of the settled runs: what side-by-side comparisons of two builds read.
  const columns = [
    ['wall', 'wall'],
    ['CPU', 'cpu'],
    ['main', 'main'],
    [provider ? 'agent and verifier threads' : 'agent threads', 'agents'],
    ...(provider ? [] : ([['verifier', 'workers']] as const)),
    ['helpers', 'helpers'],
  ] as const;
  const summary = columns.map(([name, key]) =>
    meanAndRange(
      name,
      settled.flatMap((r) => r[key] ?? []),
    ),
  );
  console.log(`runs ${settledFrom}–${runs + 1}, means (ranges): ${summary.filter(Boolean).join(' · ')}`);
} finally {
  await swarm.close();
  served?.server.kill();
}
