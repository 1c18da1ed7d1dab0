/**
 * results.csv on disk: the output folder checked before anything is written, each row appended as
 * one complete line in one write (then synced), and a damaged file repaired or refused on resume.
 */
import { constants, type Stats } from 'node:fs';
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DelmError } from '../errors.js';
import { csvLine } from './csv.js';
import { appendSynced, replaceFile } from './file-writes.js';
import { lockFolder } from './folder-lock.js';
import { FIRST_RESULT_COLUMNS, RESULT_COLUMNS, scanResults, type ResultRow } from './results-file.js';

const HEADER = csvLine(RESULT_COLUMNS);
/** The header of a results.csv written before the later columns were added. */
const FIRST_HEADER = csvLine(FIRST_RESULT_COLUMNS);

const usage = (message: string) => new DelmError('INVALID_ARGUMENT', message);

async function statOf(file: string): Promise<Stats | undefined> {
  return stat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    // ENOTDIR: a parent of `file` is a file, so it cannot exist either.
    if (error.code === 'ENOTDIR') return undefined;
    throw error;
  });
}

/** The nearest existing ancestor of `dir` that is not a folder, if any (it blocks creating `dir`). */
async function blockingFile(dir: string): Promise<string | undefined> {
  for (let p = dir; ; p = path.dirname(p)) {
    const s = await statOf(p);
    if (s) return s.isDirectory() ? undefined : p;
    if (path.dirname(p) === p) return undefined;
  }
}

/** Makes sure `dir` is (or can become) the records folder and that no record in it is the wrong kind of file. */
async function checkFolder(dir: string): Promise<void> {
  const blocker = await blockingFile(dir);
  if (blocker === dir) throw usage(`--out ${dir} is a file, not a folder: name a folder for the records`);
  if (blocker) throw usage(`cannot create the records folder ${dir}: ${blocker} is a file, not a folder`);
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw usage(`cannot create the records folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  for (const name of ['results.csv', 'events.jsonl', 'answers.jsonl', 'summary.json']) {
    if ((await statOf(path.join(dir, name)))?.isDirectory())
      throw usage(`${path.join(dir, name)} is a folder, not a file: move it away or choose another --out folder`);
  }
  for (const name of ['ledger', 'trajectories']) {
    const s = await statOf(path.join(dir, name));
    if (s && !s.isDirectory())
      throw usage(`${path.join(dir, name)} is a file, not a folder: move it away or choose another --out folder`);
  }
}

/** Reads an existing results.csv for a resume: its valid rows, repairing or refusing a damaged file. */
async function resumeFrom(file: string, text: string, onNotice: (line: string) => void): Promise<ResultRow[]> {
  const firstBreak = text.indexOf('\n');
  const header = (firstBreak < 0 ? text : text.slice(0, firstBreak)).replace(/\r$/, '');
  if (firstBreak < 0 && HEADER.startsWith(header)) {
    await replaceFile(file, `${HEADER}\n`); // only the header was being written
    return [];
  }
  // A file from before the later columns were added: its rows are kept with those columns empty.
  const older = header === FIRST_HEADER;
  if (header !== HEADER && !older)
    throw usage(`${file} has unexpected columns on line 1; it was not written by this version of delm`);
  const scan = scanResults(text, older ? FIRST_RESULT_COLUMNS : RESULT_COLUMNS);
  const { damage } = scan;
  if (damage && scan.validRowsAfterDamage) {
    throw usage(
      `${file} line ${damage.line} is damaged (${damage.reason}) and complete rows follow it, so delm cannot tell which rows to keep: fix or delete line ${damage.line}, or move ${path.basename(file)} away to start over`,
    );
  }
  const rewritten = () =>
    [HEADER, ...scan.rows.map((r) => csvLine(RESULT_COLUMNS.map((c) => r[c])))].map((l) => `${l}\n`).join('');
  if (!damage && scan.duplicateLines.length === 0) {
    if (!older) return scan.rows;
    // Nothing is lost: the same rows, each with the new columns empty, so new rows can be appended.
    await replaceFile(file, rewritten());
    const added = RESULT_COLUMNS.slice(FIRST_RESULT_COLUMNS.length).join(', ');
    onNotice(
      `delm: ${file} was written before results.csv had the column${added.includes(',') ? 's' : ''} ${added}: its ${scan.rows.length} row${scan.rows.length === 1 ? '' : 's'} are kept with ${added} empty (not recorded)`,
    );
    return scan.rows;
  }
  const aside = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  await copyFile(file, aside, constants.COPYFILE_EXCL);
  await replaceFile(file, rewritten());
  const what = [
    ...(damage ? [`line ${damage.line} and after dropped (${damage.reason})`] : []),
    ...(older
      ? [
          `the column${RESULT_COLUMNS.length - FIRST_RESULT_COLUMNS.length === 1 ? '' : 's'} added since it was written left empty`,
        ]
      : []),
    ...(scan.duplicateLines.length
      ? [
          `duplicate row${scan.duplicateLines.length === 1 ? '' : 's'} on line ${scan.duplicateLines.join(', ')} dropped`,
        ]
      : []),
  ];
  onNotice(
    `delm: repaired ${file}: ${what.join('; ')}; kept ${scan.rows.length} complete row${scan.rows.length === 1 ? '' : 's'}; the damaged file is saved as ${aside}`,
  );
  return scan.rows;
}

/**
 * Prepares `dir` (absolute) for records, as its one writer (see folder-lock.ts), and returns the rows
 * already done there. Without `resume`, an existing results.csv is refused; every problem is a
 * DelmError `INVALID_ARGUMENT` naming the path.
 */
export async function openResultsFile(
  dir: string,
  options: { resume: boolean; onNotice: (line: string) => void },
): Promise<ResultRow[]> {
  await checkFolder(dir);
  await lockFolder(dir);
  const file = path.join(dir, 'results.csv');
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw usage(`cannot read ${file}: ${error.code ?? String(error)}`);
  });
  if (existing !== undefined && !options.resume)
    throw usage(`${dir} already holds results.csv; pass --resume to continue that run, or choose another --out folder`);
  if (existing !== undefined && existing !== '') return resumeFrom(file, existing, options.onNotice);
  await writeFile(file, `${HEADER}\n`);
  return [];
}

/** Appends one row to `dir`/results.csv as one complete line, in one write, synced before it counts as done. */
export async function appendResultRow(dir: string, row: ResultRow): Promise<void> {
  await appendSynced(path.join(dir, 'results.csv'), `${csvLine(RESULT_COLUMNS.map((c) => row[c]))}\n`);
}
