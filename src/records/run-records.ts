/**
 * The records of a `delm run` or `delm bench` in an output folder, as the published system keeps
 * them: `events.jsonl` (one line per model call, then one `tool.result` line per tool call), `results.csv` (one row per item and mode),
 * `answers.jsonl` (per item and mode: the question, the answer the scorer read, the expected answer and what the scorer decided),
 * `ledger/<mode>/<item>.jsonl` (the ledger), `trajectories/<mode>/<item>.jsonl` (every event, for
 * `delm inspect`), `patches/<mode>/<item>.diff` (a debugging run's merged patch), `run.json` (what the folder is a run of) and `summary.json`. Rows are appended as items finish, so an interrupted run
 * keeps what it did and `--resume` skips it. An item's row is written last and is what makes it
 * finished: opening a folder drops the other records of items without one (see unfinished.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { entryLine } from '../ledger/jsonl.js';
import type { LedgerEntry } from '../ledger/types.js';
import type { ModeResult, Mode } from '../modes/result.js';
import type { SwarmEvent } from '../runtime/events.js';
import { csvText } from './csv.js';
import { appendSynced } from './file-writes.js';
import { recordName } from './record-names.js';
import { appendResultRow, openResultsFile } from './results-io.js';
import { claimRunIdentity, type RunIdentity } from './run-identity.js';
import { rowKey, type ResultRow } from './results-file.js';
import { dropUnfinished, ITEM_FILE_FOLDERS } from './unfinished.js';

export { RESULT_COLUMNS, type ResultRow } from './results-file.js';

/** What one finished item contributes to the records. */
export interface ItemRecord {
  itemId: string;
  mode: Mode;
  result: ModeResult;
  correct: boolean | null;
  predicted: string;
  /** The question as the workload states it (text and choices, no documents). */
  question: string;
  /** What the scorer compared `predicted` with; '' when not known. */
  expected: string;
  /** How the scorer decided, in one sentence. */
  rule: string;
  /** Every event of the run, in order. */
  events: readonly SwarmEvent[];
  /** Debugging items: honestly scored counts (fixed only without regressions). */
  counts?: { fixed: number; regressed: number; stillFailing: number } | undefined;
  /** Debugging items: the merged patch as a unified diff, kept as `patches/<mode>/<item>.diff`. */
  patch?: string | undefined;
}

const CAPS = new Set(['budget', 'wall-time']);

/**
 * A cost in US dollars as results.csv keeps it: to 12 decimal places (a millionth of a cent, below
 * any per-token price), trailing zeros dropped, so summary.json's totals and averages over the rows
 * are the exact ones (events.jsonl's), not sums of values rounded to 6 places.
 */
export const costText = (usd: number): string => usd.toFixed(12).replace(/\.?0+$/, '');

/**
 * A share (0..1) as results.csv keeps it: like a cost, to 12 decimal places, trailing zeros dropped,
 * so summary.json averages the shares the runs measured, not values rounded to 4 places (rounding is
 * for what is printed).
 */
export const shareText = (share: number): string => costText(share);

/**
 * Appends to `file` (synced) one JSON line per model call, then per tool call, of `result`, each with
 * `where` (its mode, item, …) first: every call billed is on disk before the row that counts it.
 */
export async function appendCalls(file: string, result: ModeResult, where: Record<string, unknown>): Promise<void> {
  const calls = [
    ...result.calls.map((c) => JSON.stringify({ ...where, ...c })),
    ...(result.toolCalls ?? []).map((t) => JSON.stringify({ ...where, ...t })),
  ];
  if (calls.length) await appendSynced(file, `${calls.join('\n')}\n`);
}

/** `values` as JSON lines (a trajectory's events). */
export const jsonLines = (values: readonly unknown[]): string => values.map((v) => `${JSON.stringify(v)}\n`).join('');

/** Ledger entries that are not findings: the run's own sources (task, documents, files, tool results), rejections, the answer. */
const NOT_FINDINGS = new Set(['raw', 'failure', 'answer']);

/**
 * How many entries of a ledger the verifier admitted from the agents' proposals (gists, summaries,
 * FACT, PATCH_SUMMARY, …): every entry but the run's own sources, the records of rejected proposals
 * and the answer. 0 means an answer rests on nothing verified.
 */
export function verifiedEntries(entries: readonly LedgerEntry[]): number {
  return entries.filter((e) => !NOT_FINDINGS.has(e.kind)).length;
}

/**
 * The first two of `ids` whose records would be one item's (indexes, and what they share): the same
 * file name (`x/y` and `x_y` are both `x_y.jsonl`) or the same results.csv id (`q 1` and `q⏎1`). One
 * would overwrite the other's files, and only one would get a row.
 */
export function clashingRecords(ids: readonly string[]): { first: number; second: number; shared: string } | undefined {
  const names = new Map<string, number>();
  const rowIds = new Map<string, number>();
  for (const [index, id] of ids.entries()) {
    const name = `${recordName(id)}.jsonl`;
    const rowId = csvText(id);
    const first = names.get(name) ?? rowIds.get(rowId);
    if (first !== undefined)
      return { first, second: index, shared: names.has(name) ? `file ${name}` : `results.csv id "${rowId}"` };
    names.set(name, index);
    rowIds.set(rowId, index);
  }
  return undefined;
}

/** An output folder's records. */
export class RunRecords {
  private constructor(
    readonly dir: string,
    private readonly done: Set<string>,
    readonly rows: ResultRow[],
  ) {}

  /**
   * Opens `dir` for writing. Without `resume`, a folder that already holds results is refused (nothing
   * is overwritten); with it, the rows there count as done. A results.csv damaged at its end (a row cut
   * off, garbage, NUL bytes, an exact duplicate) is repaired to its valid rows, the damaged file kept
   * beside it and `onNotice` told; one damaged before valid rows is refused, naming the line. With
   * `identity`, a resumed folder must hold the same run (see run-identity.ts). Then the records of
   * items without a row (a write cut off) are dropped, `onNotice` told.
   */
  static async open(
    dir: string,
    options: { resume?: boolean; onNotice?: (line: string) => void; identity?: RunIdentity } = {},
  ): Promise<RunRecords> {
    const abs = path.resolve(dir);
    const rows = await openResultsFile(abs, {
      resume: Boolean(options.resume),
      onNotice: options.onNotice ?? (() => {}),
    });
    if (options.identity) await claimRunIdentity(abs, options.identity, Boolean(options.resume));
    await dropUnfinished(abs, rows, options.onNotice ?? (() => {}));
    return new RunRecords(abs, new Set(rows.map((r) => rowKey(r.mode, r.item_id))), rows);
  }

  /** Whether `itemId` already has a result in `mode` (from a run being resumed). */
  isDone(mode: Mode, itemId: string): boolean {
    return this.done.has(rowKey(mode, csvText(itemId)));
  }

  /**
   * The rows of the items `itemIds` names, in the folder's order: what a command that covers those
   * items (the workload's first `--limit`) summarises. A resume with a smaller `--limit` leaves the
   * rows of later items in results.csv, and out of this.
   */
  rowsOf(itemIds: readonly string[]): ResultRow[] {
    const ids = new Set(itemIds.map((id) => csvText(id)));
    return this.rows.filter((r) => ids.has(r.item_id));
  }

  /** Writes `<folder>/<mode>/<name><ext>`, the extension the folder's records have (the same table unfinished.ts drops by). */
  private async writeItemFile(
    folder: keyof typeof ITEM_FILE_FOLDERS,
    mode: string,
    name: string,
    text: string,
  ): Promise<void> {
    await mkdir(path.join(this.dir, folder, mode), { recursive: true });
    await writeFile(path.join(this.dir, folder, mode, `${name}${ITEM_FILE_FOLDERS[folder]}`), text);
  }

  /**
   * Writes one finished item: its calls (synced), ledger and trajectory first, its results row last;
   * until the row is on disk the item is unfinished, and a later open drops what was written of it.
   */
  async write(record: ItemRecord): Promise<ResultRow> {
    const { result, mode, itemId } = record;
    const name = recordName(itemId);
    const row: ResultRow = {
      item_id: itemId,
      mode,
      correct: record.correct === null ? '' : String(record.correct),
      predicted: record.predicted,
      fixed: record.counts ? String(record.counts.fixed) : '',
      regressed: record.counts ? String(record.counts.regressed) : '',
      still_failing: record.counts ? String(record.counts.stillFailing) : '',
      stop_reason: result.stopReason,
      input_tokens: String(result.usage.inputTokens),
      output_tokens: String(result.usage.outputTokens),
      cached_tokens: String(result.usage.cachedInputTokens),
      model_calls: String(result.usage.modelCalls),
      cost_usd: costText(result.costUsd),
      wall_ms: String(result.wallTimeMs),
      sub_tasks: String(result.subTasks),
      waiting_share: shareText(result.waitingShare),
      max_prompt_tokens: String(result.maxPromptTokens),
      hit_cap: String(CAPS.has(result.stopReason)),
      error: result.error ?? '',
      // Modes with a ledger (delm): what the answer could rest on; '' for modes without one.
      verified_entries: result.entries ? String(verifiedEntries(result.entries)) : '',
    };
    // The row as the file holds it, so what a resume reads back is what this run counted.
    const stored = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, csvText(v)])) as ResultRow;
    const key = rowKey(mode, stored.item_id);
    if (this.done.has(key)) return stored; // one row per item: a second result for it is not recorded
    await appendCalls(path.join(this.dir, 'events.jsonl'), result, { mode, item: itemId });
    // Every mode alike: enough to re-check `correct` from the records alone.
    const answer = {
      mode,
      item: itemId,
      question: record.question,
      answer: result.answer ?? null,
      expected: record.expected,
      predicted: record.predicted,
      correct: record.correct,
      ...(record.counts ? { counts: record.counts } : {}),
      rule: record.rule,
    };
    await appendSynced(path.join(this.dir, 'answers.jsonl'), `${JSON.stringify(answer)}\n`);
    if (result.entries)
      await this.writeItemFile('ledger', mode, name, result.entries.map((e) => `${entryLine(e)}\n`).join(''));
    if (record.patch !== undefined) await this.writeItemFile('patches', mode, name, record.patch);
    await this.writeItemFile('trajectories', mode, name, jsonLines(record.events));
    await appendResultRow(this.dir, stored);
    this.rows.push(stored);
    this.done.add(key);
    return stored;
  }

  /** Writes `summary.json`. */
  async summarize(summary: unknown): Promise<void> {
    await writeFile(path.join(this.dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  }
}
