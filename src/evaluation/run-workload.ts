/**
 * Runs a workload's items in one mode, writing records as each item finishes: what `delm run` and
 * `delm bench` share. An interrupted item is not recorded, so `--resume` runs it again.
 */
import { clashingRecords, type ItemRecord, type ResultRow, type RunRecords } from '../records/run-records.js';
import { WorkloadFileError } from '../workloads/errors.js';
import type { SwarmEvent } from '../runtime/events.js';
import type { Workload, WorkloadItem } from '../workloads/workload.js';
import type { RunTask } from '../types.js';
import type { Mode, ModeResult } from '../modes/result.js';
import { checkRunner, createRunner, type RunnerOptions } from '../modes/runner.js';
import { warmUpIsFree } from './warm-up.js';

/** Options of {@link runWorkload}. */
export interface RunWorkloadOptions {
  records: RunRecords;
  signal?: AbortSignal;
  /** At most this many items (the first ones). */
  limit?: number;
  /** Every event of every item, as it happens. */
  onEvent?: (item: WorkloadItem, event: SwarmEvent) => void;
  onItemStart?: (item: WorkloadItem, index: number, total: number) => void;
  onItemDone?: (item: WorkloadItem, row: ResultRow, result: ModeResult) => void;
  /**
   * Runs the first item once, unrecorded, before the measured items, so start-up (a swarm's worker
   * threads, code compiled on first use) is not measured: in every mode alike, and only when that
   * costs nothing and reaches no provider ({@link warmUpIsFree}); otherwise nothing is warmed up.
   */
  warmUp?: boolean;
  /**
   * The task run for `item` (default: its own). `delm run --redis` adds where the item's records go,
   * so `delm resume` can write them if this process dies (see cli/records-link.ts).
   */
  taskOf?: (item: WorkloadItem) => RunTask;
}

/**
 * Throws, naming both items, when two of `workload`'s items would share their records (see
 * `clashingRecords`): one item's files would overwrite the other's, and only one would get a row.
 */
export function checkRecordNames(workload: Workload): void {
  const clash = clashingRecords(workload.items.map((item) => item.id));
  if (!clash) return;
  const { first, second, shared } = clash;
  const id = workload.items[second]!.id;
  throw new WorkloadFileError(
    workload.source,
    `would share its records (${shared}) with item ${first} (_id ${JSON.stringify(workload.items[first]!.id)}): give them ids that differ in letters, digits, '.', '-' or '_'`,
    { item: second, itemId: id, field: '_id' },
  );
}

/**
 * The runner options of `workload`'s runs, the measured items' and the scaling series' alike: the
 * caller's, with the workload's protocol and tools.
 */
export function runnerOptions(workload: Workload, options: RunnerOptions): RunnerOptions {
  return {
    ...options,
    protocol: workload.protocol,
    // Tools the caller names replace the workload's list; the workload's folder stays theirs.
    ...(workload.tools ? { tools: { ...workload.tools, ...options.tools } } : {}),
  };
}

/** Checks, starting nothing, that {@link runWorkload} can run `workload` in `mode` with `options` (see `checkRunner`). */
export function checkWorkloadRun(workload: Workload, mode: Mode, options: RunnerOptions): Promise<void> {
  return checkRunner(mode, runnerOptions(workload, options));
}

/** Runs the workload's items in `mode`; resolves to the rows written (items already done are skipped). */
export async function runWorkload(
  workload: Workload,
  mode: Mode,
  options: RunnerOptions,
  run: RunWorkloadOptions,
): Promise<ResultRow[]> {
  const items = workload.items.slice(0, run.limit ?? workload.items.length);
  const todo = items.filter((item) => !run.records.isDone(mode, item.id));
  const rows: ResultRow[] = [];
  if (todo.length === 0) return rows;
  const resolved = runnerOptions(workload, options);
  const runner = createRunner(mode, resolved);
  try {
    if (run.warmUp && items[0] && warmUpIsFree(resolved))
      await runner.run(items[0].task, run.signal ? { signal: run.signal } : {});
    for (const [index, item] of todo.entries()) {
      if (run.signal?.aborted) break;
      run.onItemStart?.(item, index, todo.length);
      const events: SwarmEvent[] = [];
      const result = await runner.run(run.taskOf ? run.taskOf(item) : item.task, {
        ...(run.signal ? { signal: run.signal } : {}),
        onEvent: (e) => {
          events.push(e);
          run.onEvent?.(item, e);
        },
      });
      if (result.stopReason === 'aborted' && run.signal?.aborted) break;
      const row = await run.records.write(scoredRecord(item, mode, result, events));
      rows.push(row);
      run.onItemDone?.(item, row, result);
    }
  } finally {
    await runner.close();
  }
  return rows;
}

/** What the records keep of `item`'s `result` in `mode`: the result scored against the item, and its events. */
export function scoredRecord(
  item: WorkloadItem,
  mode: Mode,
  result: ModeResult,
  events: readonly SwarmEvent[],
): ItemRecord {
  const score = item.score(result.answer);
  return {
    itemId: item.id,
    mode,
    result,
    correct: score.correct,
    predicted: score.predicted,
    question: item.question,
    expected: score.expected,
    rule: score.rule,
    counts: score.counts,
    patch: score.patch,
    events,
  };
}
