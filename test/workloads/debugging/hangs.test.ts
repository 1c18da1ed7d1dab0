import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner } from '../../../src/modes/runner.js';
import type { Mode } from '../../../src/modes/result.js';
import { fixedCounts } from '../../../src/workloads/debugging/report.js';
import { runTests } from '../../../src/workloads/debugging/test-runner.js';
import { verifyPatch } from '../../../src/workloads/debugging/verify.js';

// The bug loops forever (and allocates) for odd n: every candidate that keeps it hangs its test file.
const name = `hangfix-${randomUUID().slice(0, 8)}`;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'delm-hangs-'));
  await mkdir(path.join(dir, 'lib'));
  await mkdir(path.join(dir, 'test'));
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name, scripts: { test: 'node --test test/' } }));
  await writeFile(
    path.join(dir, 'lib/steps.js'),
    'function stepsTo(n) {\n  const seen = [];\n  let i = 0;\n  while (i !== n) {\n    i += 2;\n    seen.push(new Array(1000).fill(i));\n  }\n  return seen.length;\n}\nmodule.exports = { stepsTo };\n',
  );
  await writeFile(path.join(dir, 'index.js'), "module.exports = require('./lib/steps');\n");
  await writeFile(
    path.join(dir, 'test/steps.test.js'),
    "const { test } = require('node:test');\nconst assert = require('node:assert');\nconst { stepsTo } = require('..');\ntest('even', () => assert.equal(stepsTo(4), 2));\ntest('odd', () => assert.equal(stepsTo(3), 2));\n",
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Scratch copies of this fixture still in the temp folder. */
async function leftoverCopies(): Promise<number> {
  let n = 0;
  for (const entry of await readdir(tmpdir())) {
    if (!entry.startsWith('delm-ws-')) continue;
    const pkg = await readFile(path.join(tmpdir(), entry, 'package.json'), 'utf8').catch(() => '');
    if (pkg.includes(name)) n++;
  }
  return n;
}

const task = () => ({
  prompt: 'fix it',
  meta: { workspace: dir, debug: { attemptsPerStep: 2, maxAttempts: 2, testTimeoutMs: 2_000 } },
});

/** A delm run on `workspace` whose model proposes `edits` (one attempt, one round, 2 s per test file). */
async function delmWithPatch(workspace: string, edits: ReadonlyArray<Record<string, string>>, idea: string) {
  const runner = createRunner('delm', {
    agents: 1,
    protocol: 'debug',
    maxRounds: 1,
    model: {
      module: new URL('../fixtures/scripted-patches-model.ts', import.meta.url).href,
      options: { patches: [{ edits, idea }] },
    },
  });
  try {
    return await runner.run({
      prompt: 'fix',
      meta: { workspace, debug: { attemptsPerStep: 1, maxAttempts: 1, testTimeoutMs: 2_000 } },
    });
  } finally {
    await runner.close();
  }
}

describe('a workspace whose bug hangs its test', () => {
  it('fails the hanging test with reason timeout and keeps the other test of its file', async () => {
    const run = await runTests(dir, { timeoutMs: 2_000 });
    expect(run.results.map((r) => [r.id, r.status, r.reason])).toEqual([
      ['test/steps.test.js > even', 'pass', undefined],
      ['test/steps.test.js > odd', 'fail', 'timeout'],
    ]);
  }, 30_000);

  it.each<Mode>(['delm', 'orchestrator'])(
    '%s: answers before its wall time, the hanging test still failing, no scratch copy left',
    async (mode) => {
      const runner = createRunner(mode, {
        agents: 1,
        protocol: 'debug',
        maxRounds: 1,
        budgets: { wallTimeMs: 240_000 },
      });
      try {
        const result = await runner.run(task());
        expect(result.stopReason).toBe('answered');
        expect(result.answer).toContain('still failing: test/steps.test.js > odd');
        expect(fixedCounts(result.answer ?? '')).toMatchObject({ total: 1, regressed: 0 });
      } finally {
        await runner.close();
      }
      expect(await leftoverCopies()).toBe(0);
    },
    240_000,
  );

  it('delm stopped by its wall time still answers with what was verified, and leaves no scratch copy', async () => {
    const runner = createRunner('delm', { agents: 1, protocol: 'debug', budgets: { wallTimeMs: 4_000 } });
    try {
      const result = await runner.run({
        ...task(),
        meta: { ...task().meta, debug: { attemptsPerStep: 50, maxAttempts: 500, testTimeoutMs: 2_000 } },
      });
      expect(result.stopReason).toBe('wall-time');
      expect(result.answer).toMatch(/stopped before its final round/);
      expect(fixedCounts(result.answer ?? '')).toEqual({ fixed: 0, total: 1, regressed: 0, stillFailing: 1 });
    } finally {
      await runner.close();
    }
    expect(await leftoverCopies()).toBe(0);
  }, 120_000);
});

describe('a suite with a test that hangs before any patch', () => {
  let other: string;
  beforeAll(async () => {
    other = await mkdtemp(path.join(tmpdir(), 'delm-hangs-other-'));
    await mkdir(path.join(other, 'src'));
    await mkdir(path.join(other, 'test'));
    await writeFile(path.join(other, 'package.json'), JSON.stringify({ name: 'hangs-other', type: 'module' }));
    await writeFile(
      path.join(other, 'src/m.js'),
      'export function add(a,b){ return a - b; }\nexport function twice(x){ return x*2; }\n',
    );
    const head = "import { test } from 'node:test';\nimport assert from 'node:assert';\n";
    await writeFile(
      path.join(other, 'test/add.test.js'),
      `${head}import { add } from '../src/m.js';\ntest('adds', () => assert.equal(add(2, 3), 5));\n`,
    );
    await writeFile(
      path.join(other, 'test/twice.test.js'),
      `${head}import { twice } from '../src/m.js';\ntest('doubles', () => assert.equal(twice(2), 4));\n`,
    );
    await writeFile(
      path.join(other, 'test/hang.test.js'),
      `${head}test('waits forever', async () => { await new Promise(() => setInterval(() => {}, 1000)); });\n`,
    );
  });
  afterAll(() => rm(other, { recursive: true, force: true }));

  const FIX = [{ file: 'src/m.js', search: 'return a - b;', replace: 'return a + b;' }];

  it('verifies a fix of another test, and still refuses a patch whose regression is a timeout', async () => {
    const baseline = await runTests(other, { timeoutMs: 2_000 });
    expect(baseline.timedOut).toBe(true);
    const fix = await verifyPatch(other, FIX, 'test/add.test.js > adds', { baseline, timeoutMs: 2_000 });
    expect(fix).toMatchObject({ applied: true, targetPasses: true, regressions: [], verified: true });
    const hangs = await verifyPatch(
      other,
      [...FIX, { file: 'src/m.js', search: 'return x*2;', replace: 'for (;;); return x*2;' }],
      'test/add.test.js > adds',
      { baseline, timeoutMs: 2_000 },
    );
    expect(hangs).toMatchObject({ targetPasses: true, regressions: ['test/twice.test.js > doubles'], verified: false });
  }, 60_000);

  it('delm fixes the other test: 1 of 2 fixed, the hanging one still failing', async () => {
    const result = await delmWithPatch(other, FIX, 'add with a plus');
    expect(fixedCounts(result.answer ?? '')).toEqual({ fixed: 1, total: 2, regressed: 0, stillFailing: 1 });
    expect(result.answer).toContain('still failing: test/hang.test.js > waits forever');
    expect(result.entries?.filter((e) => e.kind === 'failure' && /regresses\s*\n/.test(e.text))).toEqual([]);
  }, 120_000);
});

describe('a test file that hangs before any test is named', () => {
  let other: string;
  beforeAll(async () => {
    other = await mkdtemp(path.join(tmpdir(), 'delm-hangs-file-'));
    await mkdir(path.join(other, 'src'));
    await mkdir(path.join(other, 'test'));
    await writeFile(path.join(other, 'package.json'), JSON.stringify({ name: 'hangs-file', type: 'module' }));
    await writeFile(
      path.join(other, 'src/m.js'),
      "export function countdown(n){ while (n !== 0) n = n + 1; return 'done'; }\nexport function twice(x){ return x*2; }\n",
    );
    // The default import is not the export delm's preload wraps, so no mark names the test that hangs.
    const head = "import test from 'node:test';\nimport assert from 'node:assert';\n";
    await writeFile(
      path.join(other, 'test/countdown.test.js'),
      `${head}import { countdown } from '../src/m.js';\ntest('counts down', () => assert.equal(countdown(3), 'done'));\n`,
    );
    await writeFile(
      path.join(other, 'test/twice.test.js'),
      `${head}import { twice } from '../src/m.js';\ntest('doubles', () => assert.equal(twice(2), 4));\n`,
    );
  });
  afterAll(() => rm(other, { recursive: true, force: true }));

  const TARGET = 'test/countdown.test.js > test/countdown.test.js';
  const FIX = [{ file: 'src/m.js', search: 'n = n + 1', replace: 'n = n - 1' }];

  it('has a file-level target that a correct patch makes pass', async () => {
    const baseline = await runTests(other, { timeoutMs: 2_000 });
    expect(baseline.results.find((r) => r.status === 'fail')).toMatchObject({ id: TARGET, fileLevel: true });
    const fix = await verifyPatch(other, FIX, TARGET, { baseline, timeoutMs: 2_000 });
    expect(fix).toMatchObject({ targetPasses: true, regressions: [], verified: true });
  }, 60_000);

  it('delm screens, verifies and scores the fix: 1 of 1 fixed', async () => {
    const result = await delmWithPatch(other, FIX, 'count towards zero');
    expect(fixedCounts(result.answer ?? '')).toEqual({ fixed: 1, total: 1, regressed: 0, stillFailing: 0 });
  }, 120_000);
});
