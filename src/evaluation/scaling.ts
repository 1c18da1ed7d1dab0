/**
 * A scaling series for `delm bench --scaling`: the workload item with the most sub-tasks, cut to its
 * first 2, 4, 8, … sub-tasks (and all of them), run in each mode. Only the number of sub-tasks
 * changes from point to point, so a fit of tokens against it is the growth exponent. Each point runs
 * as the measured items do (the workload's protocol and tools: {@link runnerOptions}) and reports
 * what they report (tokens, calls, cost, every event), so its numbers compare with theirs.
 */
import { labelsMentioned } from '../protocols/kit/prompt-reader.js';
import type { RunTask } from '../protocols/kit/protocol.js';
import type { SwarmEvent } from '../runtime/events.js';
import type { RunUsage } from '../runtime/run-result.js';
import type { Workload } from '../workloads/workload.js';
import type { Mode, ModeResult } from '../modes/result.js';
import { createRunner, type RunnerOptions } from '../modes/runner.js';
import { runnerOptions } from './run-workload.js';
import { warmUpIsFree } from './warm-up.js';

/** One point of the series. */
export interface ScalingPoint {
  mode: Mode;
  /** The item the series cuts. */
  itemId: string;
  subTasks: number;
  /** Input and output tokens. */
  tokens: number;
  usage: RunUsage;
  costUsd: number;
  /** Tool calls made (runs with tools). */
  toolCalls: number;
  maxPromptTokens: number;
  wallTimeMs: number;
  waitingShare: number;
  stopReason: string;
  /** Detail for `error` stops. */
  error: string | undefined;
}

/** The first `m` sub-tasks of `task` with the sources they name. */
export function cutTask(task: RunTask, m: number): RunTask {
  const subTasks = (task.subTasks ?? []).slice(0, m);
  const labels = (task.sources ?? []).map((s) => s.label);
  const named = new Set(subTasks.flatMap((t) => labelsMentioned(t.payload, labels)));
  return { ...task, subTasks, sources: (task.sources ?? []).filter((s) => named.has(s.label)) };
}

/** Sizes 2, 4, 8, … below `n`, then `n`. */
export function seriesSizes(n: number): number[] {
  const sizes: number[] = [];
  for (let m = 2; m < n; m *= 2) sizes.push(m);
  if (n >= 1) sizes.push(n);
  return sizes;
}

/** Options of {@link runScaling}. */
export interface ScalingRunOptions {
  signal?: AbortSignal;
  /**
   * Each point as it finishes, with the mode's result (its model and tool calls) and every event of
   * the run, for the records; awaited before the next point runs.
   */
  onPoint?: (point: ScalingPoint, result: ModeResult, events: readonly SwarmEvent[]) => void | Promise<void>;
}

/** Runs the series in every mode (one runner per mode, each warmed up alike first when that is free: {@link warmUpIsFree}). */
export async function runScaling(
  workload: Workload,
  modes: readonly Mode[],
  options: RunnerOptions,
  run: ScalingRunOptions = {},
): Promise<ScalingPoint[]> {
  const item = [...workload.items].sort((a, b) => (b.task.subTasks?.length ?? 0) - (a.task.subTasks?.length ?? 0))[0];
  if (!item?.task.subTasks?.length) return [];
  const points: ScalingPoint[] = [];
  const resolved = runnerOptions(workload, options);
  for (const mode of modes) {
    const runner = createRunner(mode, resolved);
    try {
      if (warmUpIsFree(resolved)) await runner.run(cutTask(item.task, 2), run.signal ? { signal: run.signal } : {});
      for (const m of seriesSizes(item.task.subTasks.length)) {
        if (run.signal?.aborted) return points;
        const events: SwarmEvent[] = [];
        const r = await runner.run(cutTask(item.task, m), {
          ...(run.signal ? { signal: run.signal } : {}),
          onEvent: (e) => void events.push(e),
        });
        const point: ScalingPoint = {
          mode,
          itemId: item.id,
          subTasks: m,
          tokens: r.usage.inputTokens + r.usage.outputTokens,
          usage: r.usage,
          costUsd: r.costUsd,
          toolCalls: r.toolCalls?.length ?? 0,
          maxPromptTokens: r.maxPromptTokens,
          wallTimeMs: r.wallTimeMs,
          waitingShare: r.waitingShare,
          stopReason: r.stopReason,
          error: r.error,
        };
        points.push(point);
        await run.onPoint?.(point, r, events);
      }
    } finally {
      await runner.close();
    }
  }
  return points;
}
