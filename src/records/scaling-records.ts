/**
 * The records of `delm bench --scaling`'s series, kept like the measured items' so its numbers can be
 * re-checked and compared with theirs: `scaling.csv` (one row per point: tokens, model calls, cost,
 * tool calls, wall time, waiting share, stop reason), `scaling/events.jsonl` (one line per model call,
 * then one per tool call, each naming its mode, item and point) and
 * `scaling/trajectories/<mode>/<sub-tasks>.jsonl` (every event of the point's run). The series is
 * run again by each command that asks for it, so its records start empty each time, and each point
 * is appended as it finishes (events first, its row last), so calls billed before an interruption are
 * recorded. They are apart from events.jsonl and results.csv, whose rows they would not add up to.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModeResult } from '../modes/result.js';
import type { SwarmEvent } from '../runtime/events.js';
import { csvLine } from './csv.js';
import { appendSynced, replaceFile } from './file-writes.js';
import { appendCalls, costText, jsonLines, shareText } from './run-records.js';

/** Columns of scaling.csv, in order; as results.csv's, only ever added at the end. */
export const SCALING_COLUMNS = [
  'mode',
  'sub_tasks',
  'tokens',
  'max_prompt_tokens',
  'wall_ms',
  'stop_reason',
  // Added after the columns above (scaling.csv held only those before).
  'item_id',
  'input_tokens',
  'output_tokens',
  'cached_tokens',
  'model_calls',
  'cost_usd',
  'tool_calls',
  'waiting_share',
  'error',
] as const;

/** What one point of the series contributes to the records. */
export interface ScalingRecord {
  itemId: string;
  subTasks: number;
  result: ModeResult;
  /** Every event of the point's run, in order. */
  events: readonly SwarmEvent[];
}

/** A records folder's scaling series, being written. */
export class ScalingRecords {
  private constructor(private readonly dir: string) {}

  /** Starts the series' records in `dir` (the records folder), replacing those of an earlier series. */
  static async start(dir: string): Promise<ScalingRecords> {
    await rm(path.join(dir, 'scaling'), { recursive: true, force: true });
    await mkdir(path.join(dir, 'scaling'), { recursive: true });
    await replaceFile(path.join(dir, 'scaling.csv'), `${csvLine(SCALING_COLUMNS)}\n`);
    return new ScalingRecords(dir);
  }

  /** Writes one point: its calls (synced) and trajectory, then its scaling.csv row. */
  async write(record: ScalingRecord): Promise<void> {
    const { result, subTasks, itemId } = record;
    const mode = result.mode;
    await appendCalls(path.join(this.dir, 'scaling', 'events.jsonl'), result, { mode, item: itemId, subTasks });
    const trajectories = path.join(this.dir, 'scaling', 'trajectories', mode);
    await mkdir(trajectories, { recursive: true });
    await writeFile(path.join(trajectories, `${subTasks}.jsonl`), jsonLines(record.events));
    const row: Record<(typeof SCALING_COLUMNS)[number], string | number> = {
      mode,
      sub_tasks: subTasks,
      tokens: result.usage.inputTokens + result.usage.outputTokens,
      max_prompt_tokens: result.maxPromptTokens,
      wall_ms: result.wallTimeMs,
      stop_reason: result.stopReason,
      item_id: itemId,
      input_tokens: result.usage.inputTokens,
      output_tokens: result.usage.outputTokens,
      cached_tokens: result.usage.cachedInputTokens,
      model_calls: result.usage.modelCalls,
      cost_usd: costText(result.costUsd),
      tool_calls: result.toolCalls?.length ?? 0,
      waiting_share: shareText(result.waitingShare),
      error: result.error ?? '',
    };
    await appendSynced(path.join(this.dir, 'scaling.csv'), `${csvLine(SCALING_COLUMNS.map((c) => row[c]))}\n`);
  }
}
