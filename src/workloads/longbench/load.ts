import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WorkloadFileError } from '../errors.js';
import { utf8Text } from '../utf8-text.js';
import { longBenchItemSchema, type LongBenchItem } from './schema.js';

/** Reads a LongBench-v2 file (a JSON array, or JSON lines) and validates every item. */
export async function loadLongBenchFile(file: string): Promise<LongBenchItem[]> {
  const abs = path.resolve(file);
  let bytes: Buffer;
  try {
    bytes = await readFile(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new WorkloadFileError(abs, 'file not found', {}, { code: 'NOT_FOUND', cause: err });
    if (code === 'EISDIR')
      throw new WorkloadFileError(
        abs,
        'is a folder; expected a .json or .jsonl file of LongBench-v2 items',
        {},
        { cause: err },
      );
    throw new WorkloadFileError(abs, `cannot be read (${code ?? (err as Error).message})`, {}, { cause: err });
  }
  return parseLongBenchText(utf8Text(bytes, abs), abs);
}

/** Parses LongBench-v2 items from text; `file` only labels errors. */
export function parseLongBenchText(text: string, file: string): LongBenchItem[] {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '')
    throw new WorkloadFileError(file, 'is empty; expected a JSON array or JSON lines of LongBench-v2 items');
  const raw = trimmed.startsWith('[') ? parseArray(trimmed, file) : parseJsonLines(trimmed, file);
  if (raw.length === 0) throw new WorkloadFileError(file, 'holds no items');
  const items = raw.map((value, index) => validateItem(value, index, file));
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const first = seen.get(item._id);
    if (first !== undefined)
      throw new WorkloadFileError(file, `duplicate _id (also item ${first})`, {
        item: index,
        itemId: item._id,
        field: '_id',
      });
    seen.set(item._id, index);
  });
  return items;
}

function parseArray(text: string, file: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new WorkloadFileError(file, `is not valid JSON (${(err as Error).message})`, {}, { cause: err });
  }
  if (!Array.isArray(value)) throw new WorkloadFileError(file, 'expected a JSON array of items');
  return value;
}

function parseJsonLines(text: string, file: string): unknown[] {
  const out: unknown[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line));
    } catch (err) {
      throw new WorkloadFileError(
        file,
        `line ${i + 1} is not valid JSON (${(err as Error).message}); expected a JSON array or one item per line`,
        { item: out.length },
        { cause: err },
      );
    }
  });
  return out;
}

function validateItem(value: unknown, index: number, file: string): LongBenchItem {
  const parsed = longBenchItemSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const id = typeof value === 'object' && value !== null ? (value as { _id?: unknown })._id : undefined;
  const itemId = typeof id === 'string' ? id : undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WorkloadFileError(file, 'item must be a JSON object', { item: index });
  }
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  const present = issue !== undefined && issue.path.length > 0 && (issue.path[0] as string) in value;
  const problem = present ? (issue?.message ?? 'invalid value') : 'is missing';
  const more =
    parsed.error.issues.length > 1
      ? ` (and ${parsed.error.issues.length - 1} more problem${parsed.error.issues.length > 2 ? 's' : ''})`
      : '';
  return fail(file, `${problem}${more}`, index, itemId, field || undefined);
}

function fail(
  file: string,
  problem: string,
  item: number,
  itemId: string | undefined,
  field: string | undefined,
): never {
  throw new WorkloadFileError(file, problem, {
    item,
    ...(itemId !== undefined ? { itemId } : {}),
    ...(field !== undefined ? { field } : {}),
  });
}
