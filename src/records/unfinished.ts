/**
 * An item's records are written before its results.csv row, and the row is what makes the item
 * finished. A run cut off in between (killed, a write that failed) leaves records of an item with no
 * row, which `--resume` runs again: without this, its events.jsonl (and answers.jsonl) lines were then there twice. When
 * a records folder is opened, whatever belongs to an item without a row is dropped, so the folder
 * holds each finished item's records once and nothing of unfinished ones.
 */
import { readdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { csvText } from './csv.js';
import { replaceFile } from './file-writes.js';
import { recordName } from './record-names.js';
import { rowKey, type ResultRow } from './results-file.js';

/** The per-line records, each line a JSON object naming its `mode` and `item`. */
export const ITEM_LINE_FILES = ['events.jsonl', 'answers.jsonl'] as const;
/** The per-item records: folder → file extension, one file per item at `<folder>/<mode>/<item><ext>`. */
export const ITEM_FILE_FOLDERS = { ledger: '.jsonl', trajectories: '.jsonl', patches: '.diff' } as const;

/** The key of a line's item, or undefined for a line that is not a complete record of one (a torn write). */
function lineKey(line: string): string | undefined {
  try {
    const json = JSON.parse(line) as { mode?: unknown; item?: unknown };
    return typeof json.mode === 'string' && typeof json.item === 'string'
      ? rowKey(json.mode, csvText(json.item))
      : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps `file`'s lines of finished items; returns how many lines were dropped. */
async function dropLines(file: string, done: ReadonlySet<string>): Promise<number> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!text) return 0;
  const lines = text.split('\n');
  // The piece after the last line break is a cut-off line (or empty).
  const kept = lines.slice(0, -1).filter((l) => done.has(lineKey(l) ?? ''));
  const dropped = lines.length - 1 - kept.length + (lines.at(-1) === '' ? 0 : 1);
  if (dropped > 0) await replaceFile(file, kept.map((l) => `${l}\n`).join(''));
  return dropped;
}

/** Deletes the files under `folder`/<mode>/ that are no finished item's; returns how many. */
async function dropFiles(folder: string, ext: string, rows: readonly ResultRow[]): Promise<number> {
  const modes = await readdir(folder, { withFileTypes: true }).catch(() => []);
  let dropped = 0;
  for (const mode of modes) {
    if (!mode.isDirectory()) continue;
    const names = new Set(rows.filter((r) => r.mode === mode.name).map((r) => `${recordName(r.item_id)}${ext}`));
    for (const file of await readdir(path.join(folder, mode.name), { withFileTypes: true })) {
      if (!file.isFile() || !file.name.endsWith(ext) || names.has(file.name)) continue;
      await unlink(path.join(folder, mode.name, file.name));
      dropped++;
    }
  }
  return dropped;
}

/**
 * Drops from `dir` the records of every item that has no row in `rows` (see the module comment), and
 * tells `onNotice` what it dropped, if anything.
 */
export async function dropUnfinished(
  dir: string,
  rows: readonly ResultRow[],
  onNotice: (line: string) => void,
): Promise<void> {
  const done = new Set(rows.map((r) => rowKey(r.mode, r.item_id)));
  const what: string[] = [];
  for (const name of ITEM_LINE_FILES) {
    const n = await dropLines(path.join(dir, name), done);
    if (n) what.push(`${n} line${n === 1 ? '' : 's'} of ${name}`);
  }
  for (const [folder, ext] of Object.entries(ITEM_FILE_FOLDERS)) {
    const n = await dropFiles(path.join(dir, folder), ext, rows);
    if (n) what.push(`${n} file${n === 1 ? '' : 's'} in ${folder}/`);
  }
  if (what.length)
    onNotice(
      `delm: dropped from ${dir} the records of items with no results.csv row, whose writing was cut off (${what.join(', ')})`,
    );
}
