/**
 * results.csv read back for `--resume`: every line checked (complete, one field per column, numbers that are
 * numbers, no NUL bytes, one row per item and mode), so a damaged file is either repaired to its
 * valid rows or refused at the line where it goes wrong, never half-read.
 */
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { MODES, type Mode } from '../modes/result.js';

/**
 * Columns of results.csv, in order. A column is only ever added at the end, never renamed or moved,
 * so a reader by position keeps working; a folder written before a column was added is read with
 * that column empty (see {@link scanResults}).
 */
export const RESULT_COLUMNS = [
  'item_id',
  'mode',
  'correct',
  'predicted',
  'fixed',
  'regressed',
  'still_failing',
  'stop_reason',
  'input_tokens',
  'output_tokens',
  'cached_tokens',
  'model_calls',
  'cost_usd',
  'wall_ms',
  'sub_tasks',
  'waiting_share',
  'max_prompt_tokens',
  'hit_cap',
  'error',
  // Added after the columns above: folders written before hold none of these.
  'verified_entries',
] as const;

/** The columns of results.csv as written before `verified_entries` was added; such a file is still read. */
export const FIRST_RESULT_COLUMNS = RESULT_COLUMNS.slice(0, RESULT_COLUMNS.indexOf('verified_entries'));

/** One row of results.csv. */
export type ResultRow = Record<(typeof RESULT_COLUMNS)[number], string>;

const whole = z.string().regex(/^\d+$/, 'expected a whole number');
const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'expected a number');
const RowSchema = z.object({
  item_id: z.string().min(1, 'the item id is empty'),
  mode: z.enum(MODES as [Mode, ...Mode[]]),
  correct: z.enum(['', 'true', 'false']),
  predicted: z.string(),
  fixed: z.union([z.literal(''), whole]),
  regressed: z.union([z.literal(''), whole]),
  still_failing: z.union([z.literal(''), whole]),
  stop_reason: z.string().regex(/^[a-z][a-z-]*$/, 'expected a stop reason'),
  input_tokens: whole,
  output_tokens: whole,
  cached_tokens: whole,
  model_calls: whole,
  cost_usd: decimal,
  wall_ms: whole,
  sub_tasks: whole,
  waiting_share: decimal,
  max_prompt_tokens: whole,
  hit_cap: z.enum(['true', 'false']),
  error: z.string(),
  verified_entries: z.union([z.literal(''), whole]),
});

/** The first line of results.csv that cannot be trusted, and why. */
export interface ResultsDamage {
  /** 1-based line number in the file. */
  line: number;
  reason: string;
}

/** What a scan of results.csv found. */
export interface ResultsScan {
  /** The valid rows before any damage, in file order, one per item and mode. */
  rows: ResultRow[];
  /** Lines that repeated an earlier row exactly (dropped; they carry nothing new). */
  duplicateLines: number[];
  /** The first damaged line, if any; nothing from it on is in `rows`. */
  damage?: ResultsDamage;
  /** Whether a valid row comes after the damage: dropping the tail would then lose good rows. */
  validRowsAfterDamage: boolean;
}

/** The key of an item's row: one row per item and mode. */
export const rowKey = (mode: string, itemId: string) => `${mode}\u0000${itemId}`;

// Files written before rows were kept to one line may hold quoted line breaks: a record may span this many lines.
const MAX_LINES_PER_ROW = 64;

type Parsed = { fields: string[]; next: number } | { error: string; next: number };

function describeParseError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'CSV_QUOTE_NOT_CLOSED') return 'a quoted value is never closed';
  if (code === 'CSV_INVALID_CLOSING_QUOTE') return 'a closing quote is followed by more text';
  return `malformed CSV (${error instanceof Error ? error.message.split('\n')[0]!.slice(0, 120) : String(error)})`;
}

/** Parses the record starting at `lines[i]`, joining following complete lines while a quoted value stays open. */
function recordAt(lines: readonly string[], i: number, complete: number): Parsed {
  let text = lines[i]!;
  for (let j = i; ;) {
    try {
      const records: string[][] = parse(text, { relax_column_count: true });
      if (records.length !== 1) return { error: `expected one row, got ${records.length}`, next: i + 1 };
      return { fields: records[0]!, next: j + 1 };
    } catch (error) {
      const open = (error as { code?: unknown }).code === 'CSV_QUOTE_NOT_CLOSED';
      if (!open || j + 1 >= complete || j + 1 - i >= MAX_LINES_PER_ROW)
        return { error: describeParseError(error), next: i + 1 };
      j++;
      text += `\n${lines[j]!}`;
    }
  }
}

/**
 * Validates one record's fields as a row of a file with `columns` (a first part of
 * {@link RESULT_COLUMNS}: the columns later added are empty); a string says what is wrong.
 */
function rowOf(fields: readonly string[], columns: readonly string[]): ResultRow | string {
  if (fields.some((f) => f.includes('\u0000'))) return 'it holds NUL bytes';
  if (fields.length !== columns.length) return `expected ${columns.length} fields, got ${fields.length}`;
  const row = Object.fromEntries(RESULT_COLUMNS.map((c, k) => [c, fields[k] ?? ''])) as ResultRow;
  const parsed = RowSchema.safeParse(row);
  if (parsed.success) return row;
  const issue = parsed.error.issues[0]!;
  const column = String(issue.path[0] ?? '');
  return `column ${column}: ${issue.message}, got ${JSON.stringify((row[column as keyof ResultRow] ?? '').slice(0, 40))}`;
}

/**
 * Checks results.csv text after its header line. A line counts only when it ends with a line break
 * (a row cut off mid-write does not); the header itself is checked by the caller, who passes the
 * columns it names (default: every column; {@link FIRST_RESULT_COLUMNS} for a file written before
 * the later ones were added, whose rows are read with those empty).
 */
export function scanResults(text: string, columns: readonly string[] = RESULT_COLUMNS): ResultsScan {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  // The last piece after the final line break is a torn write unless it is empty.
  const complete = lines.length - 1;
  const tail = lines[complete]!;
  const rows: ResultRow[] = [];
  const seen = new Map<string, { line: number; fields: string }>();
  const duplicateLines: number[] = [];
  let damage: ResultsDamage | undefined;
  let validRowsAfterDamage = false;
  for (let i = 1; i < complete;) {
    if (lines[i] === '') {
      i++;
      continue;
    }
    const line = i + 1;
    const record = recordAt(lines, i, complete);
    i = record.next;
    const row = 'fields' in record ? rowOf(record.fields, columns) : record.error;
    if (damage) {
      if (typeof row !== 'string') validRowsAfterDamage = true;
      continue;
    }
    if (typeof row === 'string') {
      damage = { line, reason: row };
      continue;
    }
    const key = rowKey(row.mode, row.item_id);
    const fields = JSON.stringify(row);
    const earlier = seen.get(key);
    if (earlier?.fields === fields) duplicateLines.push(line);
    else if (earlier)
      damage = {
        line,
        reason: `item ${JSON.stringify(row.item_id.slice(0, 80))} (${row.mode}) already has a different row on line ${earlier.line}`,
      };
    else {
      seen.set(key, { line, fields });
      rows.push(row);
    }
  }
  if (!damage && tail !== '')
    damage = { line: complete + 1, reason: 'it does not end with a line break: the write was cut off' };
  return { rows, duplicateLines, ...(damage ? { damage } : {}), validRowsAfterDamage };
}
