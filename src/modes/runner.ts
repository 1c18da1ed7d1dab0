/**
 * One interface over the three ways to run a task — delm's swarm, the orchestrator baseline and a
 * single pass — so benchmarks and the CLI put them side by side on the same model and budgets.
 */
import type { SwarmEvent, ToolResultEvent, UsageEvent } from '../runtime/events.js';
import type { RunTask } from '../protocols/kit/protocol.js';
import { createSwarm, type Swarm } from '../runtime/swarm.js';
import { errorText, type RunResult } from '../runtime/run-result.js';
import { InvalidConfigError } from '../errors.js';
import { checkRunTask } from '../runtime/run-task.js';
import { checkModelRef } from '../runtime/model-loader.js';
import { runDebugOrchestrator } from './debug-orchestrator.js';
import { resolveRunnerOptions, type BaselineOptions, type RunnerOptions } from './options.js';
import { runOrchestrator } from './orchestrator.js';
import { MODES, type Mode, type ModeResult } from './result.js';
import { runSinglePass } from './single-pass.js';
import { answerFromLedger } from '../workloads/debugging/partial-answer.js';

/** Options of one task's run in any mode. */
export interface ModeRunOptions {
  signal?: AbortSignal;
  onEvent?: (event: SwarmEvent) => void;
}

/** Runs tasks in one mode. Create once, run many tasks, close when done. A task of the wrong shape rejects with InvalidConfigError in every mode. */
export interface Runner {
  readonly mode: Mode;
  run(task: RunTask, options?: ModeRunOptions): Promise<ModeResult>;
  close(): Promise<void>;
}

/** The options of a runner for `mode`, resolved; throws InvalidConfigError when they are invalid for it. */
function resolveFor(mode: Mode, options: RunnerOptions): BaselineOptions {
  if (!MODES.includes(mode))
    throw new InvalidConfigError(
      `unknown mode ${JSON.stringify(mode)}: expected ${MODES.slice(0, -1).join(', ')} or ${MODES.at(-1)}`,
    );
  const resolved = resolveRunnerOptions(options);
  if (mode === 'single' && resolved.swarm.protocol === 'debug')
    throw new InvalidConfigError(
      'a single pass is defined for question answering; the debugging workload compares delm with the orchestrator',
    );
  return resolved;
}

/**
 * Checks, starting nothing, what {@link createRunner} and its first run would refuse: the options for
 * `mode`, and that the model (and judge) is a known one whose API key is set. A CLI run calls it before
 * it opens its records folder, so a typo leaves no folder behind to block the next try.
 */
export async function checkRunner(mode: Mode, options: RunnerOptions = {}): Promise<void> {
  const { swarm } = resolveFor(mode, options);
  await checkModelRef(swarm.model);
  if (swarm.judgeModel) await checkModelRef(swarm.judgeModel);
}

/** Creates a runner for `mode`; a mode not in {@link MODES} or invalid options throw InvalidConfigError. The delm runner starts its worker threads now. */
export function createRunner(mode: Mode, options: RunnerOptions = {}): Runner {
  const resolved = resolveFor(mode, options);
  const debugging = resolved.swarm.protocol === 'debug';
  if (mode === 'delm') return new SwarmRunner(createSwarm(resolved.swarm), debugging);
  const run = mode === 'single' ? runSinglePass : debugging ? runDebugOrchestrator : runOrchestrator;
  // The baselines' workers run on this thread: their MCP clients (started on first use) close with the runner.
  const mcp = (resolved.swarm.tools?.mcpServers?.length ?? 0) > 0;
  return {
    mode,
    // The same check as the swarm's: every mode refuses a malformed task alike, before any model call.
    run: async (task, o = {}) => {
      checkRunTask(task);
      return run(task, resolved, o);
    },
    close: async () => {
      if (mcp) await (await import('../tools/mcp/clients.js')).closeMcpClients();
    },
  };
}

/**
 * A swarm's run as a {@link ModeResult}, with the model and tool calls its events reported: what the
 * delm runner returns, and what `delm resume` records of a run it finished. A debugging run
 * (`debugging`) stopped by a cap before its final round answers with the patches it verified.
 */
export async function swarmModeResult(
  result: RunResult,
  calls: UsageEvent[],
  toolCalls: ToolResultEvent[],
  debugging: boolean,
): Promise<ModeResult> {
  const stopped = result.stopReason === 'wall-time' || result.stopReason === 'budget';
  const answer =
    result.answer ?? (debugging && stopped ? await answerFromLedger(result.entries).catch(() => undefined) : undefined);
  return {
    mode: 'delm',
    answer,
    stopReason: result.stopReason,
    error: errorText(result),
    usage: result.usage,
    costUsd: result.costUsd,
    wallTimeMs: result.wallTimeMs,
    waitingShare: result.waitingShare,
    subTasks: result.tasks.total,
    maxPromptTokens: calls.reduce((m, c) => Math.max(m, c.inputTokens), 0),
    calls,
    ...(toolCalls.length ? { toolCalls } : {}),
    entries: result.entries,
    run: result,
  };
}

class SwarmRunner implements Runner {
  readonly mode = 'delm' as const;
  constructor(
    readonly swarm: Swarm,
    private readonly debugging: boolean,
  ) {}

  async run(task: RunTask, options: ModeRunOptions = {}): Promise<ModeResult> {
    const calls: UsageEvent[] = [];
    const toolCalls: ToolResultEvent[] = [];
    const result = await this.swarm.run(task, {
      ...(options.signal ? { signal: options.signal } : {}),
      onEvent: (e) => {
        if (e.type === 'usage') calls.push(e);
        else if (e.type === 'tool.result') toolCalls.push(e);
        options.onEvent?.(e);
      },
    });
    return swarmModeResult(result, calls, toolCalls, this.debugging);
  }

  close(): Promise<void> {
    return this.swarm.close();
  }
}

export type { BaselineOptions, RunnerOptions };
