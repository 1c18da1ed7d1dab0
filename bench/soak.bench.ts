/**
 * Soak: 1,000 runs one after another through one swarm (the scripted model, basic protocol), as a
 * long-running service would drive it. Every 50 runs it samples RSS and heapUsed (after a forced
 * GC when one is available) and reports the curve, the growth from run 100 to run 1,000, and the
 * process's active handles before the swarm, before close and after close. A leak shows as a
 * steady climb after the warm-up, or as handles left behind by close.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
// The scripted model is TypeScript, so the swarm runs from sources (workers load it through tsx).
import { createSwarm } from '../src/runtime/swarm.js';
import { fmt, percentile, type BenchSuite, type BenchTable } from './harness.js';

const RUNS = 1_000;
const EVERY = 50;
const AGENTS = 2;
const SUB_TASKS = 4;
/** Stop early (and say so) rather than run past about two minutes on a slow machine. */
const TIME_CAP_MS = 110_000;
const modelModule = new URL('../test/runtime/fixtures/scripted-swarm-model.ts', import.meta.url).href;

/** A forced GC: `--expose-gc`'s global, else V8's flag set at run time, else none. */
function findGc(): { gc: (() => void) | undefined; how: string } {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return { gc: exposed, how: '--expose-gc' };
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (() => void) | undefined;
    if (typeof gc === 'function') return { gc, how: 'v8.setFlagsFromString("--expose-gc")' };
  } catch {
    /* not available */
  }
  return { gc: undefined, how: 'none (numbers include garbage not yet collected)' };
}

const MiB = 2 ** 20;
const resourceCounts = () => {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
};

interface Sample {
  run: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  p50: number;
  p99: number;
}

/** The soak suite: `npx tsx bench/index.ts soak`. */
export const suite: BenchSuite = {
  name: 'soak',
  async run(): Promise<BenchTable[]> {
    const { gc, how } = findGc();
    const measure = (run: number, times: number[]): Sample => {
      gc?.();
      const m = process.memoryUsage();
      return {
        run,
        rss: m.rss / MiB,
        heapUsed: m.heapUsed / MiB,
        external: m.external / MiB,
        arrayBuffers: m.arrayBuffers / MiB,
        p50: times.length ? percentile(times, 50) : Number.NaN,
        p99: times.length ? percentile(times, 99) : Number.NaN,
      };
    };
    const handlesBefore = resourceCounts();
    const swarm = createSwarm({
      agents: AGENTS,
      protocol: 'basic',
      model: { module: modelModule, options: {} },
      leaseMs: 10_000,
    });
    const samples: Sample[] = [];
    const stopReasons: Record<string, number> = {};
    let handlesBeforeClose: Record<string, number> = {};
    let completed = 0;
    const started = performance.now();
    try {
      // Warm-up: the worker threads start and load their modules.
      await swarm.run({
        prompt: 'warm-up',
        subTasks: Array.from({ length: SUB_TASKS }, (_, i) => ({ payload: `w${i}` })),
      });
      samples.push(measure(0, []));
      let times: number[] = [];
      for (let run = 1; run <= RUNS; run++) {
        const t0 = performance.now();
        const result = await swarm.run({
          prompt: `soak ${run}`,
          subTasks: Array.from({ length: SUB_TASKS }, (_, i) => ({ payload: `run ${run} task ${i}` })),
        });
        times.push(performance.now() - t0);
        stopReasons[result.stopReason] = (stopReasons[result.stopReason] ?? 0) + 1;
        completed = run;
        if (run % EVERY === 0) {
          samples.push(measure(run, times));
          times = [];
          process.stderr.write(`  soak: ${run} runs, RSS ${samples.at(-1)!.rss.toFixed(0)} MiB\n`);
          if (performance.now() - started > TIME_CAP_MS) break;
        }
      }
      handlesBeforeClose = resourceCounts();
    } finally {
      await swarm.close();
    }
    await new Promise((r) => setTimeout(r, 100));
    const handlesAfter = resourceCounts();
    const wallS = (performance.now() - started) / 1000;

    const at = (run: number) => samples.find((s) => s.run === run);
    const from = at(100);
    const to = samples.at(-1)!;
    const growth: Array<Array<string | number>> = from
      ? (['rss', 'heapUsed', 'external', 'arrayBuffers'] as const).map((k) => [
          k,
          fmt(from[k]),
          fmt(to[k]),
          fmt(to[k] - from[k]),
          fmt(((to[k] - from[k]) * 1024) / Math.max(1, to.run - from.run)),
        ])
      : [];
    const types = [
      ...new Set([...Object.keys(handlesBefore), ...Object.keys(handlesBeforeClose), ...Object.keys(handlesAfter)]),
    ].sort();
    return [
      {
        title: `Soak: ${completed} runs through one swarm (${AGENTS} agents, ${SUB_TASKS} sub-tasks each, scripted model, basic protocol) — memory every ${EVERY} runs`,
        columns: [
          'after run',
          'RSS MiB',
          'heapUsed MiB',
          'external MiB',
          'arrayBuffers MiB',
          `run ms p50 (last ${EVERY})`,
          'run ms p99',
        ],
        rows: samples.map((s) => [
          s.run,
          fmt(s.rss),
          fmt(s.heapUsed),
          fmt(s.external),
          fmt(s.arrayBuffers),
          Number.isNaN(s.p50) ? '-' : fmt(s.p50),
          Number.isNaN(s.p99) ? '-' : fmt(s.p99),
        ]),
        notes: [
          `forced GC before each sample: ${how}; heapUsed/external/arrayBuffers are the main thread's, RSS the whole process (main + ${AGENTS + 1} worker threads)`,
          `row 0 is after one warm-up run; stop reasons: ${JSON.stringify(stopReasons)}; wall ${wallS.toFixed(1)} s${completed < RUNS ? ` (stopped at the ${TIME_CAP_MS / 1000} s cap)` : ''}`,
        ],
      },
      {
        title: `Soak: growth from run 100 to run ${to.run}`,
        columns: ['measure', 'at run 100 (MiB)', `at run ${to.run} (MiB)`, 'growth (MiB)', 'per run (KiB)'],
        rows: growth,
        notes: ['a flat line (growth near zero, no trend in the curve above) means runs leave nothing behind'],
      },
      {
        title: 'Soak: active handles (process.getActiveResourcesInfo())',
        columns: ['resource', 'before the swarm', 'before close', 'after close'],
        rows: [
          ...types.map((t) => [t, handlesBefore[t] ?? 0, handlesBeforeClose[t] ?? 0, handlesAfter[t] ?? 0]),
          ['total', sum(handlesBefore), sum(handlesBeforeClose), sum(handlesAfter)],
        ],
        notes: ['after close should equal before the swarm: every worker, port and timer is gone'],
      },
    ];
  },
};

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
