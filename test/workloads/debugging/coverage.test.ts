import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rankMutations } from '../../../src/protocols/debug/offline/patch.js';
import { formatLines, parseLines } from '../../../src/workloads/debugging/coverage.js';
import { listFailingTests } from '../../../src/workloads/debugging/verify.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

// A module of which the failing test calls one function through one branch of a switch.
const SOURCE = [
  "'use strict';", // 1
  'function unit(kind) {', // 2
  '  switch (kind) {', // 3
  "    case 'k':", // 4
  '      return 1000;', // 5
  "    case 'm':", // 6
  '      return 1000000;', // 7
  '    default:', // 8
  '      return 1;', // 9
  '  }', // 10
  '}', // 11
  'function scale(n, kind) {', // 12
  '  if (n < 0) {', // 13
  '    return -scale(-n, kind);', // 14
  '  }', // 15
  '  return n * unit(kind) + 1;', // 16
  '}', // 17
  'function label(n) {', // 18
  "  return n > 1 ? 'many' : 'one';", // 19
  '}', // 20
  'module.exports = { scale, label };', // 21
  '',
].join('\n');

async function workspace(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'delm-coverage-'));
  dirs.push(dir);
  await mkdir(path.join(dir, 'test'));
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'p', scripts: { test: 'node --test' } }));
  await writeFile(path.join(dir, 'index.js'), SOURCE);
  await writeFile(
    path.join(dir, 'test', 'scale.test.js'),
    "const test = require('node:test');\nconst assert = require('node:assert');\nconst { scale } = require('..');\ntest('scales kilo', () => assert.strictEqual(scale(2, 'k'), 2000));\n",
  );
  await writeFile(
    path.join(dir, 'test', 'label.test.js'),
    "const test = require('node:test');\nconst assert = require('node:assert');\nconst { label } = require('..');\ntest('labels', () => assert.strictEqual(label(2), 'many'));\n",
  );
  return dir;
}

describe('coverage of a failing test (spectrum-based fault localisation)', () => {
  it('says which lines the failing test file ran, from V8 block coverage of a real run', async () => {
    const { tasks } = await listFailingTests(await workspace(), { timeoutMs: 30_000 });
    expect(tasks.map((t) => t.id)).toEqual(['test/scale.test.js > scales kilo']);
    const lines = parseLines(tasks[0]!.executedLines?.['index.js'] ?? '');
    // Ran: the functions called, the taken case, the statement after the untaken `if`.
    for (const l of [2, 3, 4, 5, 12, 13, 16]) expect(lines.has(l), `line ${l}`).toBe(true);
    // Not run: the untaken `if` body, the uncalled function's body and header.
    for (const l of [14, 18, 19]) expect(lines.has(l), `line ${l}`).toBe(false);
    // Case labels count whenever their switch may compare them, though V8 counts them with their clause.
    for (const l of [6, 8]) expect(lines.has(l), `line ${l}`).toBe(true);
    // Clause bodies that never ran do not.
    for (const l of [7, 9]) expect(lines.has(l), `line ${l}`).toBe(false);
  }, 60_000);

  it('runs a failing test alone for the lines it ran itself: fewer than its file ran', async () => {
    const dir = await workspace();
    await writeFile(
      path.join(dir, 'test', 'scale.test.js'),
      "const test = require('node:test');\nconst assert = require('node:assert');\nconst { scale } = require('..');\ntest('scales negative', () => assert.strictEqual(scale(-1, 'x'), -2));\ntest('scales kilo', () => assert.strictEqual(scale(2, 'k'), 2000));\n",
    );
    const { tasks } = await listFailingTests(dir, { timeoutMs: 30_000 });
    expect(tasks.map((t) => t.id)).toEqual(['test/scale.test.js > scales kilo']);
    const file = parseLines(tasks[0]!.executedLines?.['index.js'] ?? '');
    const alone = parseLines(tasks[0]!.executedByTest?.['index.js'] ?? '');
    // The passing test in the same file took the negative branch and the default case; the failing one did not.
    for (const l of [9, 14]) {
      expect(file.has(l), `line ${l}`).toBe(true);
      expect(alone.has(l), `line ${l}`).toBe(false);
    }
    for (const l of [5, 13, 16]) expect(alone.has(l), `line ${l}`).toBe(true);
  }, 60_000);

  it('line sets round-trip through their compact form', () => {
    const lines = new Set([1, 2, 3, 5, 9, 10]);
    expect(formatLines(lines)).toBe('1-3,5,9-10');
    expect(parseLines('1-3,5,9-10')).toEqual(lines);
    expect(parseLines('x,4')).toEqual(new Set([4]));
  });

  it('the offline ranking proposes no edit on a line the failing test never ran, and keeps the others', () => {
    const input = {
      failingTest: 'test/scale.test.js > scales kilo',
      output: 'AssertionError: 2001 !== 2000',
      files: [{ path: 'index.js', text: SOURCE }],
    };
    const all = rankMutations(input);
    const executed = new Set([1, 2, 3, 4, 5, 6, 8, 10, 11, 12, 13, 15, 16, 17, 21]);
    const pruned = rankMutations({ ...input, executedLines: new Map([['index.js', executed]]) });
    expect(all.some((m) => m.line === 19)).toBe(true);
    expect(pruned.length).toBeGreaterThan(0);
    expect(pruned.length).toBeLessThan(all.length);
    for (const m of pruned) expect(executed.has(m.line), m.description).toBe(true);
    // Nothing on an executed line is lost, in the same order.
    expect(pruned.map((m) => m.description)).toEqual(all.filter((m) => executed.has(m.line)).map((m) => m.description));
    // Lines the failing test ran itself come first.
    const byTest = new Set([12, 13, 16]);
    const ranked = rankMutations({ ...input, executedByTest: new Map([['index.js', byTest]]) });
    const firstOther = ranked.findIndex((m) => !byTest.has(m.line));
    expect(firstOther).toBeGreaterThan(0);
    expect(ranked.slice(firstOther).some((m) => byTest.has(m.line))).toBe(false);
    // A file the coverage does not mention is not pruned.
    expect(rankMutations({ ...input, executedLines: new Map([['other.js', executed]]) })).toHaveLength(all.length);
  });
});
