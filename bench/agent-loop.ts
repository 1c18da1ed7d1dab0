/**
 * `npx tsx bench/agent-loop.ts [sub-tasks] [--turns] [--json]`: the CPU one agent spends per sub-task between model
 * calls (claim, digest, prompt, propose, complete, events, the machine itself), with a model that
 * answers at once: from the end of one call to the start of the next, less the probe's own cost. The
 * agent host runs in this thread on the run's real shared memory, loaded as worker threads load it
 * (the swarm worker's entry: the bundle when there is a build, see build.ts); a stand-in verifier
 * drains the proposal channel. Prints the first 8 sub-tasks of a fresh isolate (what a short run
 * sees) and the warm p50 / p99, each as process CPU time and
 * wall time; with `--json`, one line of {@link AgentLoopResult} instead (the `agent-loop` suite of
 * `npm run bench` runs it so).
 *
 * The instant model answers without giving the event loop a turn, so the agent runs sub-task after
 * sub-task in one turn until the channel's ring is full: what is done once per turn (posting the
 * events batch, the stand-in's receive) is then paid once per ring of 256 proposals, in one gap.
 * With `--turns` each call yields a turn first, as a real call does, and the stand-in verifier and the
 * events' receiving end run on a thread of their own (bench/workers/loop-helper.ts): each gap then
 * holds one sub-task's whole share of the agent thread's work, its events post included. Process CPU
 * would count the helper thread too, so `--turns` reports the agent thread's clock (wall time, the
 * helper on the other core).
 */
import { MessageChannel } from 'node:worker_threads';
import { endOf } from './workers/agent-end.js';
import type { AgentEnded } from '../src/runtime/worker-start.js';
import { mean, percentile } from './harness.js';
import { startWorker } from '../src/internal/worker-entry.js';
import { importMeasured, measuredBuild } from './build.js';
import { plannedRun } from './planned-run.js';

const { default: swarmWorker } =
  await importMeasured<typeof import('../actors/swarm-worker.js')>('actors/swarm-worker.js');
const { CompletionJournal } = await importMeasured<typeof import('../src/runtime/completion-journal.js')>(
  'src/runtime/completion-journal.js',
);

/** One run's numbers, µs on `clock` (the probe's own cost taken off): process CPU time, or with `--turns` the agent thread's wall time. */
export interface AgentLoopResult {
  subTasks: number;
  /** What ran: the compiled build, or the sources via tsx (see build.ts). */
  build: string;
  clock: 'cpu' | 'wall';
  first8: number[];
  warm: { count: number; p50: number; p99: number; mean: number };
  /** p99 of the gaps from sub-task 5,000 on, once V8's tiering has settled (runs of 10,000 or more; else null). */
  settledP99: number | null;
  /** The warm gaps longer than 4 × p50 (background compilation, a ring's turn, collections): their share of the gaps and of the time. */
  tail: { gaps: number; time: number };
}

const json = process.argv.includes('--json');
const turns = process.argv.includes('--turns');
const subTasks = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 3000);
const model = {
  module: new URL('./workers/instant-model.mjs', import.meta.url).href,
  ...(turns ? { options: { yieldEachCall: true } } : {}),
};
const { options, substrate, specs } = await plannedRun(
  { agents: 1, protocol: 'basic', model, leaseMs: 60_000, agentNice: 0 }, // this thread is the bench's own: not niced
  'loop',
  Array.from({ length: subTasks }, (_, i) => `t${i}`),
);
for (const t of specs) await substrate.queue.enqueue({ payload: t.payload });
const events = new MessageChannel();
let ended: AgentEnded | undefined;
let draining = true;
let drain: Promise<void> = Promise.resolve();
let helperDone: Promise<unknown> = Promise.resolve();
if (turns) {
  const helper = startWorker(
    new URL('./workers/loop-helper.ts', import.meta.url),
    { handles: substrate.handles, events: events.port1 },
    { transferList: [events.port1] },
  );
  // The end reaches this thread from the helper, after the agent's task has returned here.
  helperDone = new Promise((resolve) => {
    helper.on('message', (message: AgentEnded) => (ended = message));
    helper.once('exit', resolve);
  });
} else {
  // The stand-in verifier: takes every proposal off the channel and counts it processed.
  drain = (async () => {
    while (draining)
      if ((await substrate.proposals.receive(5)) !== undefined) await substrate.control.proposalProcessed();
  })();
  // The agent's end comes on its task's events port; closing the task then lets it return.
  events.port1.on('message', (message: unknown) => {
    const end = endOf(message);
    if (end === undefined) return;
    ended = end;
    events.port1.postMessage({ close: true });
  });
}
await swarmWorker({
  init: { role: 'agent', handles: substrate.handles, options, protocol: { builtIn: 'basic' }, model },
  agentIds: [1],
  eventsPort: events.port2,
  journal: new CompletionJournal(4096).buffer, // as a swarm's group: completions journaled, not posted one by one
});
await helperDone;
if (!ended?.output) throw new Error(`the agent ended without an output: ${ended?.error}`);
const output = ended.output;
draining = false;
await drain;
if (!turns) events.port1.close();
type Stamp = { at: 'start' | 'end'; cpuUs: number; wallUs: number };
const probe = (globalThis as { __delmLoopProbe?: Stamp[] }).__delmLoopProbe ?? [];
// The agent's own time per sub-task: from a model call's end to the next call's start, less what one
// probe costs (process.cpuUsage is a getrusage call: measured here, p50 of back-to-back pairs).
const calibration = Array.from({ length: 2001 }, () => {
  const c = process.cpuUsage();
  return { cpuUs: c.user + c.system, wallUs: performance.now() * 1000 };
});
const probeCost = (key: 'cpuUs' | 'wallUs') =>
  percentile(Float64Array.from(calibration.slice(1).map((c, i) => c[key] - calibration[i]![key])), 50);
const probeCpu = probeCost('cpuUs');
const probeWall = probeCost('wallUs');
const gaps = probe.flatMap((p, i) => (p.at === 'start' && probe[i - 1]?.at === 'end' ? [[probe[i - 1]!, p]] : []));
const cpu = gaps.map(([end, start]) => Math.max(0, start!.cpuUs - end!.cpuUs - probeCpu));
const wall = gaps.map(([end, start]) => Math.max(0, start!.wallUs - end!.wallUs - probeWall));
const warmFrom = Math.min(1000, Math.floor(cpu.length / 3));
/** Where V8's tiering of the loop's code has settled here (its optimising compiler takes the loop's functions up by ~2,000). */
const SETTLED_FROM = 5000;
const sorted = (xs: number[]) => Float64Array.from(xs);
const f = (x: number) => x.toFixed(1);
const warmCpu = cpu.slice(warmFrom);
const warmWall = wall.slice(warmFrom);
const primary = turns ? wall : cpu;
const warm = primary.slice(warmFrom);
const warmP50 = percentile(sorted(warm), 50);
const long = warm.filter((gap) => gap > 4 * warmP50);
const sum = (xs: number[]) => xs.reduce((total, x) => total + x, 0);
const result: AgentLoopResult = {
  subTasks,
  build: measuredBuild,
  clock: turns ? 'wall' : 'cpu',
  first8: primary.slice(0, 8),
  warm: { count: warm.length, p50: warmP50, p99: percentile(sorted(warm), 99), mean: mean(warm) },
  settledP99: primary.length >= 10_000 ? percentile(sorted(primary.slice(SETTLED_FROM)), 99) : null,
  tail: { gaps: long.length / warm.length, time: sum(long) / sum(warm) },
};
if (json) console.log(JSON.stringify(result));
else {
  console.log(`agent: ${output.status}, ${output.tasksCompleted} sub-tasks completed (${measuredBuild})`);
  console.log(
    `one probe, subtracted from each gap: ${f(probeCpu)} µs CPU, ${f(probeWall)} µs wall (p50 of 2,000 back to back)`,
  );
  console.log(`first 8 sub-tasks, CPU µs each: ${cpu.slice(0, 8).map(f).join(' ')} (mean ${f(mean(cpu.slice(0, 8)))})`);
  console.log(
    `first 8 sub-tasks, wall µs each: ${wall.slice(0, 8).map(f).join(' ')} (mean ${f(mean(wall.slice(0, 8)))})`,
  );
  console.log(
    `warm (${warmCpu.length} sub-tasks): CPU p50 ${f(percentile(sorted(warmCpu), 50))} µs p99 ${f(percentile(sorted(warmCpu), 99))} µs mean ${f(mean(warmCpu))} µs; ` +
      `wall p50 ${f(percentile(sorted(warmWall), 50))} µs p99 ${f(percentile(sorted(warmWall), 99))} µs mean ${f(mean(warmWall))} µs` +
      (turns ? ' (process CPU counts the helper thread: read the wall time)' : ''),
  );
  console.log(
    `warm gaps longer than 4 × p50: ${(100 * result.tail.gaps).toFixed(1)} % of them, ${(100 * result.tail.time).toFixed(0)} % of the time`,
  );
}
