/**
 * What tracing costs: the same small run (4 agents, 8 sub-tasks, basic protocol, offline model)
 * with no OpenTelemetry SDK registered and with one (every span exported to memory), alternating
 * blocks in one process. CPU is the whole process's (every thread), per run.
 */
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { fmt, percentile, type BenchSuite } from './harness.js';

const { createSwarm } = (await import(
  new URL('../dist/src/index.js', import.meta.url).href
)) as typeof import('../src/index.js');
const BLOCKS = 6;
const PER_BLOCK = 5;
const task = {
  prompt: 'count',
  subTasks: Array.from({ length: 8 }, (_, i) => ({ payload: `part ${i}` })),
  sources: [{ label: 'D1', text: 'The software is provided as is, without warranty of any kind.' }],
};

export const suite: BenchSuite = {
  name: 'telemetry',
  async run() {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const swarm = createSwarm({ agents: 4, protocol: 'basic' });
    const samples = {
      off: { wall: [] as number[], cpu: [] as number[] },
      on: { wall: [] as number[], cpu: [] as number[] },
    };
    let spans = 0;
    try {
      for (let i = 0; i < 3; i++) await swarm.run(task); // warm-up
      for (let b = 0; b < BLOCKS * 2; b++) {
        const mode = b % 2 === 0 ? 'off' : 'on';
        if (mode === 'on') trace.setGlobalTracerProvider(provider);
        else trace.disable();
        for (let r = 0; r < PER_BLOCK; r++) {
          exporter.reset();
          const cpu = process.cpuUsage();
          const t = performance.now();
          const result = await swarm.run(task);
          samples[mode].wall.push(performance.now() - t);
          const used = process.cpuUsage(cpu);
          samples[mode].cpu.push((used.user + used.system) / 1000);
          if (result.stopReason !== 'answered') throw new Error(`run ended ${result.stopReason}`);
          if (mode === 'on') spans = exporter.getFinishedSpans().length;
        }
      }
    } finally {
      trace.disable();
      await swarm.close();
      await provider.shutdown();
    }
    const row = (name: string, s: { wall: number[]; cpu: number[] }) => [
      name,
      fmt(percentile(s.wall, 50)),
      fmt(percentile(s.wall, 90)),
      fmt(percentile(s.cpu, 50)),
      fmt(percentile(s.cpu, 90)),
    ];
    const median = (xs: number[]) => percentile(xs, 50);
    return [
      {
        title: 'Tracing on vs off: one run of 4 agents × 8 sub-tasks (basic protocol, offline model)',
        columns: ['tracing', 'wall p50 ms', 'wall p90 ms', 'CPU p50 ms', 'CPU p90 ms'],
        rows: [row('off (no SDK registered)', samples.off), row(`on (SDK, ${spans} spans/run to memory)`, samples.on)],
        notes: [
          `${BLOCKS * PER_BLOCK} runs each, alternating blocks of ${PER_BLOCK}; CPU = process.cpuUsage (all threads)`,
          `overhead at the median: wall ${fmt(median(samples.on.wall) - median(samples.off.wall))} ms, CPU ${fmt(median(samples.on.cpu) - median(samples.off.cpu))} ms per run`,
        ],
      },
    ];
  },
};
