/**
 * delm against the orchestrator baseline (and a single pass), side by side, on both shipped
 * workloads: the multi-document QA sample (with the scaling series for the growth exponent) and the
 * debugging workspace. The offline model gets a simulated per-call latency so timing and waiting
 * shares are model-bound, as with an LLM. Records go to a temporary folder; the tables are the result.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitPowerLaw } from '../src/modes/growth.js';
import type { Mode } from '../src/modes/result.js';
import { runWorkload } from '../src/evaluation/run-workload.js';
import { runScaling } from '../src/evaluation/scaling.js';
import { summarize, type ModeSummary } from '../src/evaluation/summary.js';
import { RunRecords } from '../src/records/run-records.js';
import { loadWorkload } from '../src/workloads/workload.js';
import type { BenchSuite, BenchTable } from './harness.js';

const LATENCY_MS = 40;
const AGENTS = 4;
const model = { provider: 'offline', latency: { perCallMs: LATENCY_MS } } as const;

function table(title: string, summaries: readonly ModeSummary[], notes: string[]): BenchTable {
  return {
    title,
    columns: ['mode', 'items', 'accuracy %', 'tokens/item', 'wall s/item', 'waiting %', 'max prompt', 'growth k'],
    rows: summaries.map((s) => [
      s.mode,
      s.items,
      s.accuracy ?? '-',
      Math.round(s.tokensPerItem),
      s.wallMsPerItem / 1_000,
      100 * s.waitingShare,
      s.maxPromptTokens,
      s.growth ? s.growth.exponent : '-',
    ]),
    notes,
  };
}

async function bench(path: string, modes: readonly Mode[], scaling: boolean): Promise<ModeSummary[]> {
  const dir = mkdtempSync(join(tmpdir(), 'delm-bench-modes-'));
  try {
    const workload = await loadWorkload(path);
    const records = await RunRecords.open(dir);
    for (const mode of modes) await runWorkload(workload, mode, { agents: AGENTS, model }, { records, warmUp: true });
    const points = scaling ? await runScaling(workload, modes, { agents: AGENTS, model }) : [];
    return summarize(records.rows, modes).map((s) => {
      const series = points.filter((p) => p.mode === s.mode).map((p) => ({ x: p.subTasks, y: p.tokens }));
      return series.length >= 2 ? { ...s, growth: fitPowerLaw(series) } : s;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ratio = (a: ModeSummary | undefined, b: ModeSummary | undefined, key: 'tokensPerItem' | 'wallMsPerItem') =>
  a && b && b[key] > 0 ? (a[key] / b[key]).toFixed(2) : '-';

export const suite: BenchSuite = {
  name: 'modes',
  async run() {
    const qa = await bench(
      new URL('../examples/multidoc/data.json', import.meta.url).pathname,
      ['delm', 'orchestrator', 'single'],
      true,
    );
    const debug = await bench(
      new URL('../examples/debug-workspace', import.meta.url).pathname,
      ['delm', 'orchestrator'],
      false,
    );
    const common = `offline model (not an LLM) with ${LATENCY_MS} ms per call, ${AGENTS} agents/workers; delm warmed up before measuring`;
    const [dq, oq] = [qa.find((s) => s.mode === 'delm'), qa.find((s) => s.mode === 'orchestrator')];
    const [dd, od] = [debug.find((s) => s.mode === 'delm'), debug.find((s) => s.mode === 'orchestrator')];
    return [
      table('Multi-document QA (examples/multidoc): delm vs orchestrator vs single pass', qa, [
        common,
        'growth k: fit of tokens against sub-tasks over the scaling series (the item with the most chunks cut to 2, 4, 8, … chunks)',
        `delm/orchestrator tokens per item: ${ratio(dq, oq, 'tokensPerItem')} (target ≤ 0.4); wall time: ${ratio(dq, oq, 'wallMsPerItem')}`,
      ]),
      table('Simultaneous debugging (examples/debug-workspace): delm vs orchestrator', debug, [
        common,
        'accuracy: every seeded bug fixed and the whole suite passing after the merge',
        `delm/orchestrator tokens: ${ratio(dd, od, 'tokensPerItem')}; wall time: ${ratio(dd, od, 'wallMsPerItem')} (delm's verifier runs the whole suite for every patch it admits)`,
      ]),
    ];
  },
};
