import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTestsTool } from '../../../src/protocols/debug/run-tests-tool.js';
import { createToolbox } from '../../../src/tools/loader.js';
import type { Toolbox } from '../../../src/tools/toolbox.js';

const BUGGY = 'exports.add = (a, b) => a - b;\n';
let workspace: string;
let toolbox: Toolbox;
const signal = new AbortController().signal;
const call = (input: unknown) => toolbox.call({ id: 'c', name: 'run_tests', input }, signal);

beforeAll(async () => {
  workspace = await mkdtemp(path.join(tmpdir(), 'delm-run-tests-'));
  await mkdir(path.join(workspace, 'src'));
  await mkdir(path.join(workspace, 'test'));
  await writeFile(
    path.join(workspace, 'package.json'),
    JSON.stringify({ name: 'calc', scripts: { test: 'node --test' } }),
  );
  await writeFile(path.join(workspace, 'src/calc.js'), BUGGY);
  await writeFile(
    path.join(workspace, 'test/calc.test.js'),
    "const test = require('node:test');\nconst assert = require('node:assert');\nconst { add } = require('../src/calc.js');\n" +
      "test('adds', () => assert.strictEqual(add(2, 3), 5));\ntest('adds zero', () => assert.strictEqual(add(2, 0), 2));\n",
  );
  toolbox = await createToolbox([runTestsTool({ testTimeoutMs: 20_000 })], { workspace });
});
afterAll(() => rm(workspace, { recursive: true, force: true }));

describe('run_tests', () => {
  it('runs the suite as it is and lists each failing test with its error', async () => {
    const record = await call({});
    expect(record.error).toBeUndefined();
    expect(record.text).toMatch(/^1 passed, 1 failed, 0 skipped\nFAIL test\/calc\.test\.js > adds: .*5/);
  });

  it('tries edits on a private copy and leaves the workspace as it was', async () => {
    const record = await call({
      files: ['test/calc.test.js'],
      edits: [{ file: 'src/calc.js', search: 'a - b', replace: 'a + b' }],
    });
    expect(record.text).toBe('2 passed, 0 failed, 0 skipped with 1 edit applied');
    expect(await readFile(path.join(workspace, 'src/calc.js'), 'utf8')).toBe(BUGGY);
  });

  it('refuses edits of test files, edits that do not apply, and paths outside the workspace', async () => {
    const testEdit = await call({ edits: [{ file: 'test/calc.test.js', search: '5', replace: '-1' }] });
    expect(testEdit.error).toMatchObject({
      code: 'TOOL_FAILED',
      message: expect.stringMatching(/may not touch test files/),
    });
    // node --test runs `*_test.js` wherever it is, test folder or not.
    const rootTest = await call({ edits: [{ file: 'calc_test.js', search: '5', replace: '-1' }] });
    expect(rootTest.error?.message).toMatch(/may not touch test files \(calc_test\.js\)/);
    const missing = await call({ edits: [{ file: 'src/calc.js', search: 'a * b', replace: 'a + b' }] });
    expect(missing.error).toMatchObject({ code: 'TOOL_FAILED', message: expect.stringMatching(/edits do not apply/) });
    const escape = await call({ files: ['../outside.test.js'] });
    expect(escape.error?.code).toBe('WORKSPACE_ESCAPE');
    expect(await readFile(path.join(workspace, 'test/calc.test.js'), 'utf8')).toContain('5));');
  });
});
