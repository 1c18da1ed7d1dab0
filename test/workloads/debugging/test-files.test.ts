import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner } from '../../../src/modes/runner.js';
import type { Mode } from '../../../src/modes/result.js';
import { fixedCounts } from '../../../src/workloads/debugging/report.js';
import { editedTestFiles, isTestFile } from '../../../src/workloads/debugging/test-files.js';
import { mergePatches, verifyPatch } from '../../../src/workloads/debugging/verify.js';

const model = { module: new URL('../fixtures/scripted-patches-model.ts', import.meta.url).href };
const ADD_TEST =
  "import { test } from 'node:test';\nimport assert from 'node:assert';\nimport { add } from './src/add.js';\ntest('adds', () => assert.equal(add(2, 3), 5));\n";
// Makes the failing assertion agree with the bug: the "fix" the refusal is for.
const CHEAT = [{ file: 'add_test.js', search: 'add(2, 3), 5', replace: 'add(2, 3), -1' }];

describe('isTestFile', () => {
  it("refuses node --test's default names, .spec. files and test folders, wherever they are", () => {
    for (const file of [
      'add_test.js',
      'add-test.mjs',
      'add.test.cjs',
      'test-add.js',
      'test.js',
      'lib/test.mjs',
      'lib/add.spec.ts',
      'test/helpers/setup.js',
      'src/__tests__/add.js',
      './add_test.js',
      'lib\\add_test.js',
    ])
      expect(isTestFile(file), file).toBe(true);
  });

  it('takes source files for source, and refuses any file the runner is known to run', () => {
    for (const file of ['src/add.js', 'latest.js', 'attest.js', 'src/contest-entry.js', 'testing.js'])
      expect(isTestFile(file), file).toBe(false);
    expect(isTestFile('checks/add.js', ['checks/add.js'])).toBe(true);
    expect(isTestFile('./checks/add.js', ['checks/add.js'])).toBe(true);
    expect(
      editedTestFiles([{ file: 'src/a.js' }, { file: 'checks/b.js' }, { file: 'checks/b.js' }], ['checks/b.js']),
    ).toEqual(['checks/b.js']);
  });
});

describe('a patch that edits a test file outside any test folder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'delm-testedit-'));
    await mkdir(path.join(dir, 'src'));
    await writeFile(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'adder', type: 'module', scripts: { test: 'node --test' } }),
    );
    await writeFile(path.join(dir, 'src/add.js'), 'export function add(a,b){ return a - b; }\n');
    await writeFile(path.join(dir, 'add_test.js'), ADD_TEST);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is refused by verifyPatch unrun, and skipped by mergePatches', async () => {
    const verification = await verifyPatch(dir, CHEAT, 'add_test.js > adds', { timeoutMs: 10_000 });
    expect(verification).toMatchObject({ applied: false, verified: false });
    expect(verification.rejection).toMatch(/edits test file add_test\.js/);
    const merge = await mergePatches(dir, [{ id: '#1', patch: CHEAT }], { timeoutMs: 10_000 });
    expect(merge.applied).toEqual([]);
    expect(merge.skipped[0]?.reason).toMatch(/add_test\.js; fix the code, not the test/);
    expect(merge.diff).toBe('');
  }, 60_000);

  it('is refused when the runner runs the file, whatever its name', async () => {
    const other = await mkdtemp(path.join(tmpdir(), 'delm-testedit-'));
    try {
      await mkdir(path.join(other, 'src'));
      await mkdir(path.join(other, 'checks'));
      await writeFile(
        path.join(other, 'package.json'),
        JSON.stringify({ name: 'adder', type: 'module', scripts: { test: 'node --test checks/' } }),
      );
      await writeFile(path.join(other, 'src/add.js'), 'export function add(a,b){ return a - b; }\n');
      await writeFile(path.join(other, 'checks/add.js'), ADD_TEST.replace('./src/', '../src/'));
      const verification = await verifyPatch(
        other,
        [{ file: 'checks/add.js', search: 'add(2, 3), 5', replace: 'add(2, 3), -1' }],
        'checks/add.js > adds',
        { timeoutMs: 10_000 },
      );
      expect(verification).toMatchObject({ applied: false, verified: false });
      expect(verification.rejection).toMatch(/checks\/add\.js/);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  }, 60_000);

  it.each<Mode>(['delm', 'orchestrator'])(
    '%s: a model that only rewrites the assertion fixes nothing',
    async (mode) => {
      const runner = createRunner(mode, {
        agents: 1,
        protocol: 'debug',
        maxRounds: 1,
        model: { ...model, options: { patches: [{ edits: CHEAT, idea: 'expect what add returns' }] } },
      });
      try {
        const result = await runner.run({
          prompt: 'fix',
          meta: { workspace: dir, debug: { attemptsPerStep: 2, maxAttempts: 2, testTimeoutMs: 10_000 } },
        });
        expect(fixedCounts(result.answer ?? '')).toEqual({ fixed: 0, total: 1, regressed: 0, stillFailing: 1 });
      } finally {
        await runner.close();
      }
      expect(await readFile(path.join(dir, 'add_test.js'), 'utf8')).toBe(ADD_TEST);
    },
    120_000,
  );
});
