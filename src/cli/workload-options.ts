/** The options `delm run` and `delm bench` share: model, agents, budgets, chunking, output folder. */
import path from 'node:path';
import type { RunnerOptions } from '../modes/runner.js';
import { BUILT_IN_TOOL_NAMES, type BuiltInToolName } from '../tools/builtins/index.js';
import type { McpServerConfig } from '../tools/mcp/options.js';
import { nonNegativeArg, positiveIntArg, UsageError } from './command.js';
import { checkRecordNames } from '../evaluation/run-workload.js';
import { loadWorkload, type Workload } from '../workloads/workload.js';
import { checkToolsFor, mcpServersArg, withMcpServers } from './mcp-option.js';

/** Built-ins `--tools` may name: run_command needs an allow-list, which only the options can give. */
const CLI_TOOLS = BUILT_IN_TOOL_NAMES.filter((n) => n !== 'run_command');

/** `--tools a,b`: built-in tool names, each checked. */
function toolsArg(value: string | undefined): BuiltInToolName[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !(CLI_TOOLS as readonly string[]).includes(n));
  if (unknown.length || names.length === 0)
    throw new UsageError(
      `--tools takes built-in tool names separated by commas (${CLI_TOOLS.join(', ')}), got "${value.slice(0, 80)}"`,
    );
  return names as BuiltInToolName[];
}

/** The model's name for display: the spec, `offline` for the offline model with simulated latency, or the module of a custom one. */
export function modelName(runner: RunnerOptions): string {
  const model = runner.model ?? 'offline';
  return typeof model === 'string' ? model : 'provider' in model ? 'offline' : model.module;
}

/** parseArgs definitions of the shared options. */
export const WORKLOAD_OPTIONS = {
  model: { type: 'string' },
  'context-tokens': { type: 'string' },
  agents: { type: 'string' },
  threads: { type: 'string' },
  'budget-tokens': { type: 'string' },
  'budget-cost': { type: 'string' },
  'budget-calls': { type: 'string' },
  'wall-time': { type: 'string' },
  'chunk-tokens': { type: 'string' },
  limit: { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'boolean' },
  inspect: { type: 'boolean' },
  latency: { type: 'string' },
  'token-latency': { type: 'string' },
  'max-rounds': { type: 'string' },
  'test-timeout': { type: 'string' },
  'test-command': { type: 'string' },
  tools: { type: 'string' },
  mcp: { type: 'string', multiple: true },
} as const;

/** Help text of the shared options. */
export const WORKLOAD_OPTIONS_HELP = `  --model <spec>         offline (default), openai:<model>, anthropic:<model>,
                         openai-compatible:<model>@<baseURL>
  --context-tokens <n>   the model's context window, in tokens: the single pass's and the
                         orchestrator's prompts are cut in the middle to fit it (default by model:
                         128000 for offline, openai-compatible and any model delm does not know)
  --agents <n>           agents (delm) or parallel workers (orchestrator); default 4
  --threads <n>          delm: host the agents on n worker threads, many per thread (default: one
                         thread per agent, up to 256 agents; above that, one per core)
  --budget-tokens <n>    run-wide token budget per item
  --budget-cost <usd>    run-wide cost budget per item, in US dollars
  --budget-calls <n>     run-wide model-call budget per item
  --wall-time <s>        wall-time budget per item, in seconds
  --chunk-tokens <n>     largest document chunk (one sub-task each); default 3000
  --limit <n>            only the first n items
  --out <dir>            records folder (default runs/<command>-<time>)
  --resume               continue the run in --out, skipping items already recorded
  --latency <ms>         offline model only: simulated latency per call (timing like an LLM's)
  --token-latency <ms>   offline model only: simulated latency per output token
  --inspect              serve the live inspector while running
  --max-rounds <n>       finalization rounds that may enqueue more work (default 3)
  --test-timeout <s>     debugging: one test file's time limit, in seconds (default 30)
  --test-command <cmd>   debugging: a shell command printing TAP, instead of the detected runner
  --tools <names>        built-in tools the agents (and orchestrator workers) may call, comma-separated:
                         ${CLI_TOOLS.join(', ')}; a debugging run adds run_tests
  --mcp <server>         tool search: an MCP server whose tools replace the workload's built-ins
                         (a .js/.mjs file run with node, a command, or an http(s):// URL; repeatable),
                         e.g. --mcp examples/mcp/docs-server.mjs`;

/** Values of the shared options as parseArgs returns them. */
export type WorkloadOptionValues = {
  [K in keyof typeof WORKLOAD_OPTIONS]?: (typeof WORKLOAD_OPTIONS)[K] extends { multiple: true }
    ? string[]
    : (typeof WORKLOAD_OPTIONS)[K]['type'] extends 'boolean'
      ? boolean
      : string;
};

/** The runner options, item limit, chunk size and output folder the flags ask for. */
export function resolveWorkloadOptions(
  values: WorkloadOptionValues,
  command: string,
  cwd: string,
): {
  runner: RunnerOptions;
  limit: number | undefined;
  chunkTokens: number | undefined;
  debug: { testTimeoutMs?: number; testCommand?: string } | undefined;
  out: string;
  /** `--mcp` servers (apply them to the workload with withMcpServers). */
  mcpServers: McpServerConfig[] | undefined;
} {
  const cost = values['budget-cost'];
  if (cost !== undefined && !(Number(cost) > 0))
    throw new UsageError(`--budget-cost must be a positive number of US dollars, got "${cost}"`);
  const tokens = positiveIntArg('budget-tokens', values['budget-tokens']);
  const calls = positiveIntArg('budget-calls', values['budget-calls']);
  const wall = positiveIntArg('wall-time', values['wall-time']);
  const agents = positiveIntArg('agents', values.agents);
  const contextTokens = positiveIntArg('context-tokens', values['context-tokens']);
  if (contextTokens !== undefined && contextTokens < 1_000)
    throw new UsageError(`--context-tokens must be at least 1000, got "${values['context-tokens']}"`);
  const threads = positiveIntArg('threads', values.threads);
  const maxRounds = positiveIntArg('max-rounds', values['max-rounds']);
  const testTimeout = positiveIntArg('test-timeout', values['test-timeout']);
  if (values['test-command'] !== undefined && !values['test-command'].trim())
    throw new UsageError('--test-command must be a shell command that prints TAP');
  if (values.resume && !values.out)
    throw new UsageError('--resume needs --out <dir>: the folder of the run to continue');
  const perCallMs = nonNegativeArg('latency', values.latency);
  const perOutputTokenMs = nonNegativeArg('token-latency', values['token-latency']);
  const simulated = perCallMs !== undefined || perOutputTokenMs !== undefined;
  if (simulated && values.model && values.model !== 'offline')
    throw new UsageError(
      '--latency and --token-latency simulate a model on the offline model only; a real model has its own latency',
    );
  const tools = toolsArg(values.tools);
  const runner: RunnerOptions = {
    ...(simulated
      ? {
          model: {
            provider: 'offline',
            latency: { perCallMs: perCallMs ?? 0, perOutputTokenMs: perOutputTokenMs ?? 0 },
          },
        }
      : values.model
        ? { model: values.model }
        : {}),
    ...(agents ? { agents } : {}),
    ...(contextTokens ? { contextTokens } : {}),
    ...(threads ? { threads } : {}),
    ...(maxRounds ? { maxRounds } : {}),
    ...(tools ? { tools: { use: [...new Set(tools)] } } : {}),
    budgets: {
      ...(tokens ? { tokens } : {}),
      ...(cost ? { costUsd: Number(cost) } : {}),
      ...(calls ? { modelCalls: calls } : {}),
      ...(wall ? { wallTimeMs: wall * 1_000 } : {}),
    },
  };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return {
    runner,
    limit: positiveIntArg('limit', values.limit),
    chunkTokens: positiveIntArg('chunk-tokens', values['chunk-tokens']),
    debug:
      testTimeout || values['test-command']
        ? {
            ...(testTimeout ? { testTimeoutMs: testTimeout * 1_000 } : {}),
            ...(values['test-command'] ? { testCommand: values['test-command'] } : {}),
          }
        : undefined,
    out: path.resolve(cwd, values.out ?? path.join('runs', `${command}-${stamp}`)),
    mcpServers: mcpServersArg(values.mcp, cwd),
  };
}

/**
 * The workload at `file` (relative to `cwd`), loaded as `options` ask (chunk size, debugging settings,
 * `--mcp` servers for its tools) and checked before anything runs: `--tools` only where agents have a
 * folder to use them on, and item ids whose records cannot collide.
 */
export async function loadWorkloadFor(
  file: string,
  options: ReturnType<typeof resolveWorkloadOptions>,
  cwd: string,
): Promise<Workload> {
  const workload = withMcpServers(
    await loadWorkload(path.resolve(cwd, file), {
      ...(options.chunkTokens ? { chunkTokens: options.chunkTokens } : {}),
      ...(options.debug ? { debug: options.debug } : {}),
    }),
    options.mcpServers,
  );
  checkToolsFor(workload, options.runner.tools);
  checkRecordNames(workload);
  return workload;
}
