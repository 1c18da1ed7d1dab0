import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LONGBENCH_FIELDS,
  WorkloadFileError,
  loadLongBenchFile,
  parseLongBenchText,
} from '../../src/workloads/longbench.js';
import { loadWorkload } from '../../src/workloads/workload.js';

const SAMPLE = new URL('../../examples/multidoc/data.json', import.meta.url).pathname;

const item = (over: Record<string, unknown> = {}) => ({
  _id: 'x1',
  domain: 'Multi-Document QA',
  sub_domain: 'Legal',
  difficulty: 'hard',
  length: 'short',
  question: 'Which?',
  choice_A: 'a',
  choice_B: 'b',
  choice_C: 'c',
  choice_D: 'd',
  answer: 'B',
  context: 'Passage 1: one\n\nPassage 2: two',
  ...over,
});

function catchError(fn: () => unknown): WorkloadFileError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WorkloadFileError) return err;
    throw err;
  }
  throw new Error('expected a WorkloadFileError');
}

describe('loadLongBenchFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'delm-lb-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the shipped sample: 12 valid items with every LongBench-v2 field', async () => {
    const items = await loadLongBenchFile(SAMPLE);
    expect(items).toHaveLength(12);
    for (const it of items) for (const f of LONGBENCH_FIELDS) expect(it).toHaveProperty(f);
    expect(new Set(items.map((i) => i.length))).toEqual(new Set(['short', 'medium']));
  });

  it('reads JSON lines as well as a JSON array', async () => {
    const file = path.join(dir, 'items.jsonl');
    await writeFile(file, `${JSON.stringify(item({ _id: 'a' }))}\n\n${JSON.stringify(item({ _id: 'b' }))}\n`);
    expect((await loadLongBenchFile(file)).map((i) => i._id)).toEqual(['a', 'b']);
  });

  it('reports a missing file as NOT_FOUND naming the path', async () => {
    const file = path.join(dir, 'nope.json');
    const err = await loadLongBenchFile(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkloadFileError);
    expect((err as WorkloadFileError).code).toBe('NOT_FOUND');
    expect((err as WorkloadFileError).message).toContain(file);
  });

  it('reports malformed JSON with the file name and the parser message', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, '[{"_id": "a",');
    const err = await loadLongBenchFile(file).catch((e: unknown) => e);
    expect((err as WorkloadFileError).code).toBe('INVALID_ARGUMENT');
    expect((err as WorkloadFileError).message).toMatch(/bad\.json: is not valid JSON/);
  });

  it('names the file, item index, _id and field when a field is missing', () => {
    const { context: _omit, ...noContext } = item({ _id: 'q-7' });
    const err = catchError(() => parseLongBenchText(JSON.stringify([item({ _id: 'ok' }), noContext]), 'set.json'));
    expect(err.item).toBe(1);
    expect(err.itemId).toBe('q-7');
    expect(err.field).toBe('context');
    expect(err.message).toBe('set.json: item 1 (_id "q-7"), field "context": is missing');
  });

  it('names the field when a value is invalid (answer outside A-D, unknown difficulty)', () => {
    const bad = catchError(() => parseLongBenchText(JSON.stringify([item({ answer: 'E' })]), 'f.json'));
    expect(bad.field).toBe('answer');
    expect(bad.message).toContain('f.json: item 0 (_id "x1"), field "answer"');
    const diff = catchError(() => parseLongBenchText(JSON.stringify([item({ difficulty: 'medium' })]), 'f.json'));
    expect(diff.field).toBe('difficulty');
  });

  it('refuses a context with no text, and a file that is not UTF-8, naming the byte', async () => {
    const blank = catchError(() => parseLongBenchText(JSON.stringify([item({ context: ' \n\t ' })]), 'b.json'));
    expect(blank.field).toBe('context');
    expect(blank.message).toContain('has no text');
    const json = Buffer.from(JSON.stringify([item({ context: 'caf_ latte' })]));
    json[json.indexOf('_')] = 0xe9; // Latin-1 'é'
    const latin1 = path.join(dir, 'latin1.json');
    await writeFile(latin1, json);
    await expect(loadLongBenchFile(latin1)).rejects.toThrow(
      `${latin1}: is not UTF-8 text (an invalid byte at offset ${json.indexOf(0xe9)}); save it as UTF-8`,
    );
  });

  it('names the line of a broken JSON-lines file and rejects non-object items and duplicate ids', () => {
    const lines = catchError(() => parseLongBenchText(`${JSON.stringify(item())}\n{oops`, 'l.jsonl'));
    expect(lines.message).toMatch(/l\.jsonl: item 1: line 2 is not valid JSON/);
    expect(catchError(() => parseLongBenchText('[1]', 'n.json')).message).toBe(
      'n.json: item 0: item must be a JSON object',
    );
    const dup = catchError(() => parseLongBenchText(JSON.stringify([item(), item()]), 'd.json'));
    expect(dup.message).toContain('duplicate _id (also item 0)');
    expect(catchError(() => parseLongBenchText('  ', 'e.json')).message).toContain('is empty');
    expect(catchError(() => parseLongBenchText('{"a":1}', 'o.json')).message).toContain('item 0');
  });
});

describe('loadWorkload (LongBench file)', () => {
  it("builds an item's task (chunking its documents) when the task is first read, once: --limit 1 on a large file chunks one item", async () => {
    let built = 0;
    // itemToTask reads chunkTokens once per task it builds.
    const options = {
      get chunkTokens() {
        built++;
        return 3_000;
      },
    };
    const workload = await loadWorkload(SAMPLE, options);
    expect(workload.items).toHaveLength(12);
    expect(built).toBe(0);
    const task = workload.items[1]!.task;
    expect(task.sources?.length).toBeGreaterThan(0);
    expect(workload.items[1]!.task).toBe(task);
    expect(built).toBe(1);
  });
});
