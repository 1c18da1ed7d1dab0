/**
 * A scaling series for `delm bench --scaling`: the workload item with the most sub-tasks, cut to its
 * first 2, 4, 8, … sub-tasks (and all of them), run in each mode. Only the number of sub-tasks
 * changes from point to point, so a fit of tokens against it is the growth exponent.
 */
import { labelsMentioned } from '../protocols/kit/prompt-reader.js';
import type { RunTask } from '../protocols/kit/protocol.js';
import type { Workload } from '../workloads/workload.js';
import type { Mode } from '../modes/result.js';
import { createRunner, type RunnerOptions } from '../modes/runner.js';
import { warmUpIsFree } from './warm-up.js';

/** One point of the series. */
export interface ScalingPoint {
  mode: Mode;
  subTasks: number;
  tokens: number;
  maxPromptTokens: number;
  wallTimeMs: number;
  stopReason: string;
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

/** Runs the series in every mode (one runner per mode, each warmed up alike first when that is free: {@link warmUpIsFree}). */
export async function runScaling(
  workload: Workload,
  modes: readonly Mode[],
  options: RunnerOptions,
  run: { signal?: AbortSignal; onPoint?: (p: ScalingPoint) => void } = {},
): Promise<ScalingPoint[]> {
  const item = [...workload.items].sort((a, b) => (b.task.subTasks?.length ?? 0) - (a.task.subTasks?.length ?? 0))[0];
  if (!item?.task.subTasks?.length) return [];
  const points: ScalingPoint[] = [];
  for (const mode of modes) {
    const resolved = { ...options, protocol: workload.protocol };
    const runner = createRunner(mode, resolved);
    try {
      if (warmUpIsFree(resolved)) await runner.run(cutTask(item.task, 2), run.signal ? { signal: run.signal } : {});
      for (const m of seriesSizes(item.task.subTasks.length)) {
        if (run.signal?.aborted) return points;
        const r = await runner.run(cutTask(item.task, m), run.signal ? { signal: run.signal } : {});
        const point = {
          mode,
          subTasks: m,
          tokens: r.usage.inputTokens + r.usage.outputTokens,
          maxPromptTokens: r.maxPromptTokens,
          wallTimeMs: r.wallTimeMs,
          stopReason: r.stopReason,
        };
        points.push(point);
        run.onPoint?.(point);
      }
    } finally {
      await runner.close();
    }
  }
  return points;
}
