import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectTestPlan } from '../../../src/workloads/debugging/runners/detect.js';
import { parseJestJson } from '../../../src/workloads/debugging/runners/json-report.js';
import { parseTap } from '../../../src/workloads/debugging/runners/tap.js';
import { runTests } from '../../../src/workloads/debugging/test-runner.js';
import { copyWorkspace, loadWorkspace } from '../../../src/workloads/debugging/workspace.js';

const OWN_MODULES = new URL('../../../node_modules', import.meta.url).pathname;
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A project in the temp folder; `modules` links this repo's node_modules (mocha and vitest are installed there). */
async function project(files: Record<string, string>, modules = false): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'delm-runner-'));
  dirs.push(dir);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  if (modules) await symlink(OWN_MODULES, path.join(dir, 'node_modules'), 'dir');
  return dir;
}
const statuses = (run: { results: readonly { id: string; status: string; reason?: string }[] }) =>
  Object.fromEntries(run.results.map((r) => [r.id, r.reason ? `${r.status}:${r.reason}` : r.status]));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('node:test projects', () => {
  it('fails only the test that blocks forever, with reason timeout, keeps the tests before it and the other files, and kills the process', async () => {
    const dir = await project({
      'package.json': '{"type":"module","scripts":{"test":"node --test test/"}}',
      'test/hang.test.js':
        "import { test } from 'node:test';\nimport { writeFileSync } from 'node:fs';\ntest('before', () => {});\ntest('spins', () => { writeFileSync('pid', String(process.pid)); for (;;) {} });\ntest('after', () => {});\n",
      'test/ok.test.js': "import { test } from 'node:test';\ntest('fine', () => {});\n",
    });
    const run = await runTests(dir, { timeoutMs: 4_000 });
    expect(statuses(run)).toEqual({
      'test/hang.test.js > before': 'pass',
      'test/hang.test.js > spins': 'fail:timeout',
      'test/ok.test.js > fine': 'pass',
    });
    expect(run.timedOut).toBe(true);
    expect(alive(Number(await readFile(path.join(dir, 'pid'), 'utf8')))).toBe(false);
  }, 60_000);

  it('fails a file whose test exhausts the memory cap, keeping the cause', async () => {
    const dir = await project({
      'package.json': '{"type":"module"}',
      'grow.test.js':
        "import { test } from 'node:test';\ntest('grows', () => { const a = []; for (;;) a.push(new Array(1e5).fill(a.length)); });\n",
    });
    const run = await runTests(dir, { timeoutMs: 20_000, memoryMb: 48 });
    expect(run.timedOut).toBe(false);
    expect(run.results).toHaveLength(1);
    expect(run.results[0]).toMatchObject({ file: 'grow.test.js', status: 'fail' });
    expect(run.results[0]?.error).toMatch(/heap|memory/i);
  }, 60_000);

  it('keeps why a file did not load', async () => {
    const dir = await project({ 'package.json': '{}', 'test/a.test.js': "describe('x', () => {});\n" });
    const run = await runTests(dir, { timeoutMs: 10_000 });
    expect(run.results).toMatchObject([{ id: 'test/a.test.js > test/a.test.js', status: 'fail', fileLevel: true }]);
    expect(run.results[0]?.error).toContain('describe is not defined');
  }, 30_000);

  it('runs only the files the test script names: a benchmark or build script under test/ is not a test', async () => {
    const dir = await project({
      'package.json': '{"type":"module","scripts":{"test":"node --test test/*.test.js"}}',
      'test/a.test.js': "import { test } from 'node:test';\ntest('a', () => {});\n",
      'test/bench.js': 'throw new Error("not a test")\n',
    });
    expect((await loadWorkspace(dir)).testFiles).toEqual(['test/a.test.js']);
    expect(statuses(await runTests(dir, { timeoutMs: 10_000 }))).toEqual({ 'test/a.test.js > a': 'pass' });
  }, 30_000);
});

describe('mocha projects, unchanged', () => {
  it('runs the BDD UI on test/*.js and reads each test, a skip and a timeout', async () => {
    const dir = await project(
      {
        'package.json': '{"scripts":{"test":"mocha --reporter spec"},"devDependencies":{"mocha":"*"}}',
        'test/a.js':
          "const assert = require('assert');\ndescribe('math', function () {\n  it('adds', function () { assert.equal(1 + 1, 2); });\n  it('fails', function () { assert.equal(1 + 1, 3); });\n  it('waits forever', function (done) {});\n  it.skip('later', function () {});\n});\n",
        'test/fixtures/data.js': 'module.exports = 1;\n',
        'index.js': 'module.exports = {};\n',
      },
      true,
    );
    const plan = await detectTestPlan(dir);
    expect(plan).toMatchObject({ kind: 'mocha', files: ['test/a.js'], ui: 'bdd' });
    const run = await runTests(dir, { timeoutMs: 20_000, testTimeoutMs: 1_000 });
    expect(statuses(run)).toEqual({
      'test/a.js > math > adds': 'pass',
      'test/a.js > math > fails': 'fail',
      'test/a.js > math > waits forever': 'fail:timeout',
      'test/a.js > math > later': 'skip',
    });
    expect(run.results.find((r) => r.name === 'math > fails')?.error).toMatch(/3/);
  }, 60_000);

  it('runs the TDD/QUnit UI named in .mocharc.json', async () => {
    const dir = await project(
      {
        'package.json': '{"scripts":{"test":"mocha"},"devDependencies":{"mocha":"*"}}',
        '.mocharc.json': '{"ui":"tdd","spec":"test/**/*.js"}',
        'test/unit/t.js':
          "const assert = require('assert');\nsuite('s', function () { test('ok', function () { assert.ok(true); }); });\n",
      },
      true,
    );
    const run = await runTests(dir, { timeoutMs: 20_000 });
    expect(statuses(run)).toEqual({ 'test/unit/t.js > s > ok': 'pass' });
  }, 60_000);
});

describe('vitest projects, unchanged', () => {
  it('reads each test from the JSON report', async () => {
    const dir = await project(
      {
        'package.json': '{"type":"module","scripts":{"test":"vitest run"},"devDependencies":{"vitest":"*"}}',
        'src/sum.spec.js':
          "import { describe, expect, it } from 'vitest';\ndescribe('sum', () => { it('adds', () => expect(1 + 1).toBe(2)); it('fails', () => expect(1 + 1).toBe(3)); });\n",
      },
      true,
    );
    expect((await detectTestPlan(dir)).kind).toBe('vitest');
    const run = await runTests(dir, { timeoutMs: 60_000 });
    expect(statuses(run)).toEqual({ 'src/sum.spec.js > sum > adds': 'pass', 'src/sum.spec.js > sum > fails': 'fail' });
  }, 90_000);
});

describe('TAP, jest reports and --test-command', () => {
  it('groups tape assertions under their test names', () => {
    const tap =
      'TAP version 13\n# adds\nok 1 should be equal\n# subtracts\nok 2 should be equal\nnot ok 3 should be equal\n  ---\n    operator: equal\n    expected: 2\n    actual:   8\n  ...\n# skipped\nok 4 later # SKIP\n\n1..4\n# tests 4\n# pass  3\n# fail  1\n';
    expect(parseTap(tap).map((r) => [r.name, r.status])).toEqual([
      ['adds', 'pass'],
      ['subtracts', 'fail'],
      ['skipped', 'skip'],
    ]);
    expect(parseTap(tap)[1]?.error).toContain('expected: 2');
  });

  it('reads test points without comments, ignoring indented subtests', () => {
    expect(
      parseTap('TAP version 14\n    ok 1 - inner\nok 1 - outer\nnot ok 2 - broken # TODO later\n1..2\n').map((r) => [
        r.name,
        r.status,
      ]),
    ).toEqual([
      ['outer', 'pass'],
      ['broken', 'skip'],
    ]);
  });

  it('reads a jest --json report, and a file that did not run', () => {
    const report = {
      testResults: [
        {
          assertionResults: [
            { ancestorTitles: ['a'], title: 'b', status: 'failed', failureMessages: ['Exceeded timeout of 5000 ms'] },
            { ancestorTitles: [], title: 'c', status: 'passed', failureMessages: [] },
          ],
        },
      ],
    };
    expect(parseJestJson(JSON.stringify(report)).results).toEqual([
      { name: 'a > b', status: 'fail', error: 'Exceeded timeout of 5000 ms', reason: 'timeout' },
      { name: 'c', status: 'pass' },
    ]);
    expect(
      parseJestJson(JSON.stringify({ testResults: [{ message: 'Cannot find module', assertionResults: [] }] }))
        .fileError,
    ).toBe('Cannot find module');
  });

  it('runs a --test-command and reads its TAP', async () => {
    const dir = await project({
      'package.json': '{}',
      'check.sh': "echo 'TAP version 13'; echo 'ok 1 - one'; echo 'not ok 2 - two'; echo '1..2'\n",
    });
    const run = await runTests(dir, { testCommand: 'sh check.sh', timeoutMs: 10_000 });
    expect(statuses(run)).toEqual({ '(command) > one': 'pass', '(command) > two': 'fail' });
  }, 30_000);
});

describe('working copies', () => {
  it('share the installed node_modules by a link and are removed', async () => {
    const dir = await project({ 'package.json': '{}', 'a.test.js': '' }, true);
    const copy = await copyWorkspace(dir);
    expect(await readFile(path.join(copy.dir, 'node_modules', 'vitest', 'package.json'), 'utf8')).toContain(
      '"name": "vitest"',
    );
    await copy.remove();
    expect(existsSync(copy.dir)).toBe(false);
    expect(existsSync(path.join(OWN_MODULES, 'vitest'))).toBe(true);
  });
});
