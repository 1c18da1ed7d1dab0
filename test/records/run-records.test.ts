import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModeResult } from '../../src/modes/result.js';
import type { UsageEvent } from '../../src/runtime/events.js';
import { summarize } from '../../src/evaluation/summary.js';
import { parseCsv } from '../../src/records/csv.js';
import { RESULT_COLUMNS, RunRecords } from '../../src/records/run-records.js';

/** What the scorer recorded: not what these tests are about. */
const SCORING = { question: 'Q?', expected: 'A', rule: 'a test rule' };

const tmp = mkdtempSync(join(tmpdir(), 'delm-records-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(tmp, `out${++dirs}`);

function result(overrides: Partial<ModeResult> = {}): ModeResult {
  return {
    mode: 'delm',
    answer: 'A',
    stopReason: 'answered',
    error: undefined,
    usage: { inputTokens: 1_000, outputTokens: 100, cachedInputTokens: 0, modelCalls: 4 },
    costUsd: 0.001,
    wallTimeMs: 1_234,
    waitingShare: 0.02,
    subTasks: 3,
    maxPromptTokens: 400,
    calls: [],
    ...overrides,
  };
}

/** Writes items i1..i5 (i1, i2, i3 correct: 60 %) to a fresh folder and returns it. */
async function fiveItems(): Promise<string> {
  const dir = freshDir();
  const records = await RunRecords.open(dir);
  for (let i = 1; i <= 5; i++)
    await records.write({
      itemId: `i${i}`,
      mode: 'delm',
      result: result(),
      correct: i <= 3,
      predicted: i <= 3 ? 'A' : 'B',
      ...SCORING,
      ...SCORING,
      events: [],
    });
  return dir;
}

const csvPath = (dir: string) => join(dir, 'results.csv');
const lines = (dir: string) => readFileSync(csvPath(dir), 'utf8').split('\n');

/** Opens `dir` with --resume, collecting notices. */
async function resume(dir: string): Promise<{ records: RunRecords; notices: string[] }> {
  const notices: string[] = [];
  const records = await RunRecords.open(dir, { resume: true, onNotice: (l) => notices.push(l) });
  return { records, notices };
}

/** The file's rows as a CSV reader sees them, after checking every line is one complete 16-field row. */
function fileRows(dir: string): string[][] {
  const text = readFileSync(csvPath(dir), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  const rows = parseCsv(text);
  for (const row of rows) expect(row).toHaveLength(RESULT_COLUMNS.length);
  expect(rows).toHaveLength(text.split('\n').length - 1);
  return rows.slice(1);
}

/** Resumes a repaired file, finishes the missing items, and checks each item is in the file and the summary once. */
async function finishAndCheck(dir: string, records: RunRecords): Promise<void> {
  for (let i = 1; i <= 6; i++) {
    if (!records.isDone('delm', `i${i}`))
      await records.write({
        itemId: `i${i}`,
        mode: 'delm',
        result: result(),
        correct: i <= 3 || i === 6,
        predicted: 'A',
        ...SCORING,
        ...SCORING,
        events: [],
      });
  }
  const ids = fileRows(dir).map((r) => r[0]);
  expect([...ids].sort()).toEqual(['i1', 'i2', 'i3', 'i4', 'i5', 'i6']);
  const again = await resume(dir);
  expect(again.notices).toEqual([]);
  expect(summarize(again.records.rows, ['delm'])[0]).toMatchObject({ items: 6, correct: 4 });
}

function expectAside(dir: string, damaged: string): void {
  const aside = readdirSync(dir).filter((f) => f.startsWith('results.csv.damaged-'));
  expect(aside).toHaveLength(1);
  expect(readFileSync(join(dir, aside[0]!), 'utf8')).toBe(damaged);
}

describe('RunRecords on resume of a damaged results.csv', () => {
  it('repairs appended garbage without gluing the next row onto it', async () => {
    const dir = await fiveItems();
    const damaged = `${readFileSync(csvPath(dir), 'utf8')}garbage, not a row`;
    writeFileSync(csvPath(dir), damaged);
    const { records, notices } = await resume(dir);
    expect(notices.join('\n')).toMatch(/line 7 and after dropped \(it does not end with a line break/);
    expect(records.rows.map((r) => r.item_id)).toEqual(['i1', 'i2', 'i3', 'i4', 'i5']);
    expectAside(dir, damaged);
    await finishAndCheck(dir, records);
  });

  it('repairs a truncated last row: the item runs again instead of being merged with the next row', async () => {
    const dir = await fiveItems();
    const text = readFileSync(csvPath(dir), 'utf8');
    const damaged = text.slice(0, text.length - 20);
    writeFileSync(csvPath(dir), damaged);
    const { records, notices } = await resume(dir);
    expect(notices.join('\n')).toMatch(/line 6 and after dropped/);
    expect(records.isDone('delm', 'i5')).toBe(false);
    expect(records.rows).toHaveLength(4);
    expectAside(dir, damaged);
    await finishAndCheck(dir, records);
  });

  it('drops a duplicated row so the summary counts the item once (5 items, 60 %)', async () => {
    const dir = await fiveItems();
    const [header, ...rest] = lines(dir);
    const damaged = [header, rest[0], rest[1], rest[1], ...rest.slice(2)].join('\n');
    writeFileSync(csvPath(dir), damaged);
    const { records, notices } = await resume(dir);
    expect(notices.join('\n')).toMatch(/duplicate row on line 4 dropped/);
    expect(summarize(records.rows, ['delm'])[0]).toMatchObject({ items: 5, accuracy: 60 });
    expect(fileRows(dir)).toHaveLength(5);
    expectAside(dir, damaged);
    await finishAndCheck(dir, records);
  });

  it('repairs an unterminated quote in the last row, so a second resume does not write rows twice', async () => {
    const dir = await fiveItems();
    const text = readFileSync(csvPath(dir), 'utf8');
    const damaged = `${text}i6,delm,true,"A partial answer\n`;
    writeFileSync(csvPath(dir), damaged);
    const { records, notices } = await resume(dir);
    expect(notices.join('\n')).toMatch(/line 7 and after dropped \(a quoted value is never closed\)/);
    expectAside(dir, damaged);
    await finishAndCheck(dir, records);
    await finishAndCheck(dir, (await resume(dir)).records);
  });

  it('repairs NUL bytes at the end of the file (a crash that left zero-filled blocks)', async () => {
    const dir = await fiveItems();
    const text = readFileSync(csvPath(dir), 'utf8');
    const cut = text.lastIndexOf('\n', text.length - 2) + 1;
    const damaged = `${text.slice(0, cut + 3)}${'\u0000'.repeat(64)}`;
    writeFileSync(csvPath(dir), damaged);
    const { records, notices } = await resume(dir);
    expect(notices.join('\n')).toMatch(/line 6 and after dropped/);
    expect(records.rows.map((r) => r.item_id)).toEqual(['i1', 'i2', 'i3', 'i4']);
    await finishAndCheck(dir, records);
  });

  it('refuses NUL bytes inside an item id followed by good rows, naming the line', async () => {
    const dir = await fiveItems();
    const [header, ...rest] = lines(dir);
    writeFileSync(csvPath(dir), [header, rest[0], `i\u0000\u00002${rest[1]!.slice(2)}`, ...rest.slice(2)].join('\n'));
    await expect(resume(dir)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(
        /results\.csv line 3 is damaged \(it holds NUL bytes\) and complete rows follow it/,
      ),
    });
  });

  it('drops a trailing row with a non-numeric token count instead of summarizing it as null', async () => {
    const dir = await fiveItems();
    const [header, ...rest] = lines(dir);
    const fields = parseCsv(rest[4]!)[0]!;
    fields[RESULT_COLUMNS.indexOf('input_tokens')] = 'many';
    const damaged = [header, ...rest.slice(0, 4), fields.join(','), ''].join('\n');
    writeFileSync(csvPath(dir), damaged);
    const { records, notices } = await resume(dir);
    expect(notices.join('\n')).toMatch(
      /line 6 and after dropped \(column input_tokens: expected a whole number, got "many"\)/,
    );
    expect(summarize(records.rows, ['delm'])[0]!.tokensPerItem).toBe(1_100);
    await finishAndCheck(dir, records);
  });

  it('refuses a non-numeric token count in the middle with the line and column, leaving the file as it was', async () => {
    const dir = await fiveItems();
    const [header, ...rest] = lines(dir);
    const fields = parseCsv(rest[1]!)[0]!;
    fields[RESULT_COLUMNS.indexOf('output_tokens')] = '12abc';
    const damaged = [header, rest[0], fields.join(','), ...rest.slice(2)].join('\n');
    writeFileSync(csvPath(dir), damaged);
    await expect(resume(dir)).rejects.toThrow(
      /line 3 is damaged \(column output_tokens: expected a whole number, got "12abc"\)/,
    );
    expect(readFileSync(csvPath(dir), 'utf8')).toBe(damaged);
  });

  it('refuses an unterminated quote in the middle (the rows after it would vanish into one value)', async () => {
    const dir = await fiveItems();
    const [header, ...rest] = lines(dir);
    const damaged = [header, rest[0], rest[1]!.replace(',A,', ',"A,'), ...rest.slice(2)].join('\n');
    writeFileSync(csvPath(dir), damaged);
    await expect(resume(dir)).rejects.toThrow(/line 3 is damaged \(a quoted value is never closed\)/);
  });

  it('refuses two different rows for one item, naming both lines', async () => {
    const dir = await fiveItems();
    const [header, ...rest] = lines(dir);
    writeFileSync(csvPath(dir), [header, ...rest.slice(0, 5), rest[1]!.replace(',1234,', ',999,'), ''].join('\n'));
    // At the end it is the damaged tail: dropped, and the first row kept.
    const { records, notices } = await resume(dir);
    expect(notices.join('\n')).toMatch(
      /line 7 and after dropped \(item "i2" \(delm\) already has a different row on line 3\)/,
    );
    expect(records.rows.find((r) => r.item_id === 'i2')!.wall_ms).toBe('1234');
  });
});

describe('RunRecords writing rows', () => {
  it('keeps every row on one line: line breaks, quotes and NUL bytes in values do not split or corrupt it', async () => {
    const dir = freshDir();
    const records = await RunRecords.open(dir);
    await records.write({
      itemId: 'odd\u0000id',
      mode: 'delm',
      result: result({ stopReason: 'error', error: 'line one\nline "two",\r\nthree' }),
      correct: null,
      predicted: 'x,y',
      ...SCORING,
      ...SCORING,
      events: [],
    });
    const text = readFileSync(csvPath(dir), 'utf8');
    expect(text.split('\n')).toHaveLength(3);
    expect(fileRows(dir)[0]).toEqual(expect.arrayContaining(['oddid', 'line one line "two", three', 'x,y']));
    const { records: resumed, notices } = await resume(dir);
    expect(notices).toEqual([]);
    expect(resumed.isDone('delm', 'odd\u0000id')).toBe(true);
  });

  it('reads rows with quoted line breaks written by earlier versions', async () => {
    const dir = await fiveItems();
    const [header, ...rest] = lines(dir);
    const fields = parseCsv(rest[0]!)[0]!;
    const error = RESULT_COLUMNS.indexOf('error');
    const quoted = [...fields.slice(0, error), '"first\nsecond"', ...fields.slice(error + 1)].join(',');
    writeFileSync(csvPath(dir), [header, quoted, ...rest.slice(1)].join('\n'));
    const { records, notices } = await resume(dir);
    expect(notices).toEqual([]);
    expect(records.rows).toHaveLength(5);
    expect(records.rows[0]!.error).toBe('first\nsecond');
  });
});

describe('RunRecords output folder', () => {
  it('refuses an --out that names a file, with a sentence naming the path', async () => {
    const file = join(tmp, 'a-file.txt');
    writeFileSync(file, 'x');
    await expect(RunRecords.open(file)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: `--out ${file} is a file, not a folder: name a folder for the records`,
    });
    await expect(RunRecords.open(join(file, 'sub'))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining(`${file} is a file, not a folder`),
    });
  });

  it('refuses a results.csv that is a folder, naming it', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'results.csv'), { recursive: true });
    for (const resume of [false, true]) {
      await expect(RunRecords.open(dir, { resume })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining(`${join(dir, 'results.csv')} is a folder, not a file`),
      });
    }
    expect(existsSync(join(dir, 'results.csv', 'x'))).toBe(false);
  });
});

/** `n` model calls of one item, told apart by their latency. */
const calls = (n: number, tag: number): UsageEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    type: 'usage',
    at: i,
    agentId: 0,
    role: 'worker',
    model: 'offline',
    taskId: i,
    inputTokens: 10,
    outputTokens: 1,
    cachedInputTokens: 0,
    costUsd: 0.001,
    latencyMs: tag * 100 + i,
  }));
const eventLines = (dir: string) =>
  readFileSync(join(dir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { item: string; latencyMs: number });

describe('RunRecords after an interrupted write', () => {
  it("keeps each finished item's events and files once and nothing of an item whose row was never written", async () => {
    const dir = freshDir();
    const records = await RunRecords.open(dir);
    const item = (id: string, tag: number) => ({
      itemId: id,
      mode: 'orchestrator' as const,
      result: result({ calls: calls(3, tag), entries: [] }),
      correct: true,
      predicted: 'A',
      ...SCORING,
      ...SCORING,
      events: [],
    });
    await records.write(item('i1', 1));
    // A folder where i2's trajectory goes: the write fails after i2's events are in events.jsonl.
    const blocker = join(dir, 'trajectories', 'orchestrator', 'i2.jsonl');
    mkdirSync(blocker, { recursive: true });
    await expect(records.write(item('i2', 2))).rejects.toMatchObject({ code: 'EISDIR' });
    expect(eventLines(dir).map((e) => e.item)).toEqual(['i1', 'i1', 'i1', 'i2', 'i2', 'i2']);
    rmdirSync(blocker);
    // A cut-off line (a write killed midway) at the end, and i3's ledger with no row (i2's is there too).
    writeFileSync(join(dir, 'events.jsonl'), `${readFileSync(join(dir, 'events.jsonl'), 'utf8')}{"mode":"orch`);
    writeFileSync(join(dir, 'ledger', 'orchestrator', 'i3.jsonl'), '');

    const { records: resumed, notices } = await resume(dir);
    // Before: the resume appended i2's events again (9 lines for i2's 3 calls and i1's 3).
    expect(notices.join('\n')).toMatch(
      /dropped .* records of items with no results\.csv row.*\(4 lines of events\.jsonl, 1 line of answers\.jsonl, 2 files in ledger\/\)/,
    );
    await resumed.write(item('i2', 22));
    expect(eventLines(dir).map((e) => [e.item, e.latencyMs])).toEqual([
      ['i1', 100],
      ['i1', 101],
      ['i1', 102],
      ['i2', 2200],
      ['i2', 2201],
      ['i2', 2202],
    ]);
    expect(readdirSync(join(dir, 'ledger', 'orchestrator')).sort()).toEqual(['i1.jsonl', 'i2.jsonl']);
    expect(fileRows(dir).map((r) => r[0])).toEqual(['i1', 'i2']);
    // A folder whose records are whole is left as it is.
    expect((await resume(dir)).notices).toEqual([]);
    expect(eventLines(dir)).toHaveLength(6);
  });
});

describe('RunRecords costs', () => {
  it("keeps each item's cost to a millionth of a cent, so the summary averages exact costs, also after a resume", async () => {
    const dir = freshDir();
    const records = await RunRecords.open(dir);
    // The prober's item ($0.0129304) and items cheaper than the old 6-decimal resolution.
    const costs = [0.0129304, 0.0000004, 0.0000004 + 0.0000002, 12.5];
    for (const [i, costUsd] of costs.entries())
      await records.write({
        itemId: `c${i}`,
        mode: 'single',
        result: result({ costUsd }),
        correct: true,
        predicted: 'A',
        ...SCORING,
        ...SCORING,
        events: [],
      });
    const exact = costs.reduce((a, b) => a + b, 0) / costs.length;
    // Before: 0.012930, 0.000000, 0.000001, 12.500000, averaging 3.12823275 against the exact 3.12823295.
    expect(fileRows(dir).map((r) => r[RESULT_COLUMNS.indexOf('cost_usd')])).toEqual([
      '0.0129304',
      '0.0000004',
      '0.0000006',
      '12.5',
    ]);
    expect(summarize(records.rows, ['single'])[0]!.costPerItemUsd).toBeCloseTo(exact, 12);
    const { records: resumed } = await resume(dir);
    expect(summarize(resumed.rows, ['single'])[0]!.costPerItemUsd).toBeCloseTo(exact, 12);
  });
});

describe('RunRecords waiting shares', () => {
  it('keeps each waiting share unrounded, so the summary averages the measured shares, also after a resume', async () => {
    const dir = freshDir();
    const records = await RunRecords.open(dir);
    // Shares below the old 4-decimal resolution, and one that 4 places round up.
    const shares = [0.00004, 0.000049, 0.12345678, 0];
    for (const [i, waitingShare] of shares.entries())
      await records.write({
        itemId: `w${i}`,
        mode: 'delm',
        result: result({ waitingShare }),
        correct: true,
        predicted: 'A',
        ...SCORING,
        events: [],
      });
    const exact = shares.reduce((a, b) => a + b, 0) / shares.length;
    // Before: 0.0000, 0.0000, 0.1235, 0.0000, averaging 0.030875 against the measured 0.0308857...
    expect(fileRows(dir).map((r) => r[RESULT_COLUMNS.indexOf('waiting_share')])).toEqual([
      '0.00004',
      '0.000049',
      '0.12345678',
      '0',
    ]);
    expect(summarize(records.rows, ['delm'])[0]!.waitingShare).toBeCloseTo(exact, 12);
    const { records: resumed } = await resume(dir);
    expect(summarize(resumed.rows, ['delm'])[0]!.waitingShare).toBeCloseTo(exact, 12);
  });
});

describe('RunRecords verified ledger entries', () => {
  const entry = (id: number, kind: string) =>
    ({ id, kind, level: kind === 'raw' ? 2 : 0, text: `${kind} ${id}`, taskId: 0, authorId: 0, parentId: -1 }) as never;

  it('counts the findings the verifier admitted, 0 for an answer over sources only, empty without a ledger', async () => {
    const dir = freshDir();
    const records = await RunRecords.open(dir);
    const ledgers = {
      empty: [entry(0, 'raw'), entry(1, 'raw'), entry(2, 'failure'), entry(3, 'answer')],
      found: [entry(0, 'raw'), entry(1, 'gist'), entry(2, 'summary'), entry(3, 'failure'), entry(4, 'answer')],
    };
    for (const [itemId, entries] of Object.entries(ledgers))
      await records.write({
        itemId,
        mode: 'delm',
        result: result({ entries }),
        correct: true,
        predicted: 'A',
        ...SCORING,
        events: [],
      });
    await records.write({
      itemId: 'empty',
      mode: 'single',
      result: result({ mode: 'single' }),
      correct: true,
      predicted: 'A',
      ...SCORING,
      events: [],
    });
    expect(fileRows(dir).map((r) => [r[0], r[1], r[RESULT_COLUMNS.indexOf('verified_entries')]])).toEqual([
      ['empty', 'delm', '0'],
      ['found', 'delm', '2'],
      ['empty', 'single', ''],
    ]);
    expect(summarize(records.rows, ['delm', 'single']).map((s) => s.answersWithoutVerifiedEntries)).toEqual([1, null]);
  });

  it('resumes a results.csv written before the column, keeping its rows with the column empty', async () => {
    const dir = await fiveItems();
    const old = RESULT_COLUMNS.length - 1;
    // The file as the version before verified_entries wrote it: the same columns less the last.
    const before = parseCsv(readFileSync(csvPath(dir), 'utf8')).map((r) => r.slice(0, old).join(','));
    writeFileSync(csvPath(dir), `${before.join('\n')}\n`);
    const { records, notices } = await resume(dir);
    expect(notices).toEqual([
      expect.stringMatching(
        /was written before results\.csv had the column verified_entries: its 5 rows are kept with verified_entries empty/,
      ),
    ]);
    expect(records.rows).toHaveLength(5);
    expect(records.rows.map((r) => r.verified_entries)).toEqual(['', '', '', '', '']);
    expect(summarize(records.rows, ['delm'])[0]).toMatchObject({
      items: 5,
      correct: 3,
      answersWithoutVerifiedEntries: null,
    });
    // Rows appended now line up with the rewritten header.
    await records.write({
      itemId: 'i6',
      mode: 'delm',
      result: result({ entries: [] }),
      correct: false,
      predicted: 'B',
      ...SCORING,
      events: [],
    });
    expect(fileRows(dir).map((r) => r[RESULT_COLUMNS.indexOf('verified_entries')])).toEqual(['', '', '', '', '', '0']);
    expect((await resume(dir)).notices).toEqual([]);
  });
});
