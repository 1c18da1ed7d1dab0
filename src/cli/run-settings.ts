/**
 * The settings of a `delm run` or `delm bench` that change its results, as run.json records them so
 * that `--resume` refuses to continue a run with others. Left out: --limit (a resume may extend a
 * run), --out, --resume, --inspect, logging, --redis and its expiries (where the run is kept, not
 * what it does), and bench's --scaling (a series of its own, run again each time).
 */
import { createHash } from 'node:crypto';
import { resolveRunnerOptions } from '../modes/options.js';
import type { Mode } from '../modes/result.js';
import type { RunIdentity, SettingValue } from '../records/run-identity.js';
import { workloadHash } from '../workloads/content-hash.js';
import type { Workload } from '../workloads/workload.js';
import type { resolveWorkloadOptions } from './workload-options.js';

/** Default chunk size of a LongBench item (see itemToTask). */
const DEFAULT_CHUNK_TOKENS = 3_000;
/** Default time limit of one test file in a debugging run (see loadWorkload). */
const DEFAULT_TEST_TIMEOUT_MS = 30_000;

/** The result-changing settings of a run of `workload` with `options`, defaults filled in, by option name. */
function runSettings(
  options: ReturnType<typeof resolveWorkloadOptions>,
  workload: Workload,
): Record<string, SettingValue> {
  const { swarm } = resolveRunnerOptions(options.runner);
  const model = options.runner.model;
  const latency = typeof model === 'object' && 'provider' in model ? model.latency : undefined;
  const budgets = swarm.budgets;
  const debugging = workload.kind === 'debugging';
  return {
    protocol: workload.protocol,
    agents: swarm.agents,
    threads: swarm.threads ?? null,
    'max-rounds': swarm.maxRounds,
    'budget-tokens': budgets.tokens ?? null,
    'budget-cost': budgets.costUsd ?? null,
    'budget-calls': budgets.modelCalls ?? null,
    'wall-time': budgets.wallTimeMs !== undefined ? budgets.wallTimeMs / 1_000 : null,
    'chunk-tokens': workload.kind === 'multidoc' ? (options.chunkTokens ?? DEFAULT_CHUNK_TOKENS) : null,
    latency: latency?.perCallMs ?? null,
    'token-latency': latency?.perOutputTokenMs ?? null,
    'test-timeout': debugging ? (options.debug?.testTimeoutMs ?? DEFAULT_TEST_TIMEOUT_MS) / 1_000 : null,
    'test-command': debugging ? (options.debug?.testCommand ?? null) : null,
    tools: options.runner.tools?.use ? JSON.stringify(options.runner.tools.use) : null,
    // A digest, not the servers: their URLs, headers and environments may carry tokens, and run.json is kept with the records.
    mcp: options.mcpServers
      ? `sha256:${createHash('sha256').update(JSON.stringify(options.mcpServers)).digest('hex').slice(0, 16)}`
      : null,
    'judge-model': swarm.judgeModel === undefined ? null : JSON.stringify(swarm.judgeModel),
  };
}

/** What run.json records of a `delm run` or `delm bench` of `workload` in `modes` (see RunIdentity): `--resume` continues only the same. */
export async function runIdentity(
  options: ReturnType<typeof resolveWorkloadOptions>,
  workload: Workload,
  modes: readonly Mode[],
  model: string,
): Promise<RunIdentity> {
  return {
    workload: workload.source,
    kind: workload.kind,
    modes,
    model,
    workloadSha256: await workloadHash(workload.source),
    settings: runSettings(options, workload),
  };
}
