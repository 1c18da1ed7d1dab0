import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner } from '../../../src/modes/runner.js';
import { runWorkload } from '../../../src/evaluation/run-workload.js';
import { RunRecords } from '../../../src/records/run-records.js';
import { diffFromAnswer, fixedCounts } from '../../../src/workloads/debugging/report.js';
import { flakyTests, scoreMerge, targetStatus } from '../../../src/workloads/debugging/scoring.js';
import { unifiedDiff } from '../../../src/workloads/debugging/unified-diff.js';
import { WorkloadFileError } from '../../../src/workloads/errors.js';
import { loadWorkload } from '../../../src/workloads/workload.js';
import { runCli } from '../../helpers/cli.js';
import { writeCalcWorkspace } from '../fixtures/calc-workspace.js';
import type { Mode } from '../../../src/modes/result.js';

const model = { module: new URL('../fixtures/regressing-patch-model.ts', import.meta.url).href, options: {} };
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });

describe('scoreMerge', () => {
  const baseline = {
    results: [
      { id: 'a', status: 'fail' as const },
      { id: 'b', status: 'pass' as const },
      { id: 'c', status: 'pass' as const },
    ],
    flaky: ['c'],
  };

  it('counts a target as fixed only when nothing that passed before fails', () => {
    expect(
      scoreMerge(
        baseline,
        [
          { id: 'a', status: 'pass' },
          { id: 'b', status: 'pass' },
        ],
        ['a'],
      ),
    ).toMatchObject({ fixed: ['a'], regressed: [], stillFailing: [] });
    expect(
      scoreMerge(
        baseline,
        [
          { id: 'a', status: 'pass' },
          { id: 'b', status: 'fail' },
        ],
        ['a'],
      ),
    ).toMatchObject({ fixed: [], regressed: ['b'], passingWithRegressions: ['a'] });
    // A test that vanished from the run (its file no longer loads) regressed too.
    expect(scoreMerge(baseline, [{ id: 'a', status: 'pass' }], ['a']).regressed).toEqual(['b']);
  });

  it('never counts a flaky test as a regression', () => {
    expect(
      scoreMerge(
        baseline,
        [
          { id: 'a', status: 'fail' },
          { id: 'b', status: 'pass' },
          { id: 'c', status: 'fail' },
        ],
        ['a'],
      ),
    ).toMatchObject({ fixed: [], regressed: [], stillFailing: ['a'], flaky: ['c'] });
  });

  it('counts a file-level target as passing once every test of its file passes', () => {
    // The file hung before any test was named: its target is named after the file.
    const target = 't/a.test.js > t/a.test.js';
    const fixed = [
      { id: 't/a.test.js > counts down', status: 'pass' as const },
      { id: 't/a.test.js > skipped', status: 'skip' as const },
      { id: 't/b.test.js > other', status: 'fail' as const },
    ];
    expect(targetStatus(target, fixed)).toBe('pass');
    expect(targetStatus(target, [...fixed, { id: 't/a.test.js > also', status: 'fail' }])).toBe('fail');
    expect(targetStatus(target, [{ id: target, status: 'fail' }])).toBe('fail');
    expect(targetStatus(target, [{ id: 't/b.test.js > other', status: 'pass' }])).toBeUndefined();
    expect(targetStatus('t/a.test.js > counts down', [{ id: 't/a.test.js > x', status: 'pass' }])).toBeUndefined();
    expect(
      scoreMerge({ results: [{ id: target, status: 'fail' }], flaky: [] }, fixed.slice(0, 2), [target]),
    ).toMatchObject({ fixed: [target], stillFailing: [] });
  });

  it('calls flaky every test whose outcome differs between two runs', () => {
    expect(
      flakyTests(
        [
          { id: 'x', status: 'pass' },
          { id: 'y', status: 'fail' },
          { id: 'z', status: 'pass' },
        ],
        [
          { id: 'x', status: 'fail' },
          { id: 'y', status: 'fail' },
        ],
      ),
    ).toEqual(['x', 'z']);
  });
});

describe('unifiedDiff', () => {
  it('writes a diff that git apply takes, including a file without a final newline', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'delm-diff-'));
    try {
      await mkdir(path.join(dir, 'src'));
      await writeFile(path.join(dir, 'src/a.js'), 'one\ntwo\nthree\n');
      await writeFile(path.join(dir, 'b.js'), 'x\ny');
      git(dir, 'init', '-q');
      const diff = unifiedDiff([
        { file: 'src/a.js', before: 'one\ntwo\nthree\n', after: 'one\n2\nthree\n' },
        { file: 'b.js', before: 'x\ny', after: 'x\nz' },
        { file: 'same.js', before: 's', after: 's' },
      ]);
      await writeFile(path.join(dir, 'p.diff'), diff);
      git(dir, 'apply', 'p.diff');
      expect(await readFile(path.join(dir, 'src/a.js'), 'utf8')).toBe('one\n2\nthree\n');
      expect(await readFile(path.join(dir, 'b.js'), 'utf8')).toBe('x\nz');
      expect(diff).not.toContain('same.js');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a patch that fixes its target but regresses another test', () => {
  let dir: string;
  let out: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'delm-honest-'));
    out = await mkdtemp(path.join(tmpdir(), 'delm-honest-out-'));
    await writeCalcWorkspace(dir);
    git(dir, 'init', '-q');
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'fixture');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  });

  it('is not counted as fixed in either mode, and each mode keeps a merged diff that git apply takes', async () => {
    const workload = await loadWorkload(dir);
    const records = await RunRecords.open(out);
    const [delm] = await runWorkload(workload, 'delm', { agents: 1, model, maxRounds: 2 }, { records });
    const [orch] = await runWorkload(workload, 'orchestrator', { agents: 1, model }, { records });

    // The orchestrator has no verifier: it merges the regressing patch, and the honest score says so.
    expect(orch).toMatchObject({ correct: 'false', fixed: '0', regressed: '1', still_failing: '0' });
    const orchDiff = await readFile(path.join(out, 'patches/orchestrator/calc.diff'), 'utf8');
    expect(orchDiff).toContain('+export function sub(a, b) { return a + b; }');
    git(dir, 'apply', '--check', path.join(out, 'patches/orchestrator/calc.diff'));

    // delm's verifier refuses it: nothing merged, nothing regressed, the bug still open.
    expect(delm).toMatchObject({ correct: 'false', fixed: '0', regressed: '0', still_failing: '1' });
    expect(await readFile(path.join(out, 'patches/delm/calc.diff'), 'utf8')).toBe('');
    const csv = await readFile(path.join(out, 'results.csv'), 'utf8');
    expect(csv.split('\n')[0]).toContain('fixed,regressed,still_failing');
  }, 120_000);
});

describe('a delm agent whose patch the verifier refuses', () => {
  it('keeps searching within its budget and fixes the bug in the same round', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'delm-keepgoing-'));
    try {
      await mkdir(path.join(dir, 'src'));
      await mkdir(path.join(dir, 'test'));
      await writeFile(path.join(dir, 'package.json'), '{"name":"calc","type":"module"}');
      await writeFile(
        path.join(dir, 'src/calc.js'),
        'export function add(a, b) { return a - b; }\nexport function sub(a, b) { return a - b; }\n',
      );
      await writeFile(
        path.join(dir, 'test/add.test.js'),
        "import { test } from 'node:test';\nimport assert from 'node:assert';\nimport { add } from '../src/calc.js';\ntest('adds', () => assert.equal(add(2, 3), 5));\n",
      );
      await writeFile(
        path.join(dir, 'test/sub.test.js'),
        "import { test } from 'node:test';\nimport assert from 'node:assert';\nimport { sub } from '../src/calc.js';\ntest('subtracts', () => assert.equal(sub(5, 3), 2));\n",
      );
      const runner = createRunner('delm', {
        agents: 1,
        protocol: 'debug',
        maxRounds: 1,
        model: { ...model, options: { thenFix: true } },
      });
      try {
        const result = await runner.run({ prompt: 'fix', meta: { workspace: dir } });
        expect(fixedCounts(result.answer ?? '')).toEqual({ fixed: 1, total: 1, regressed: 0, stillFailing: 0 });
        expect(result.entries?.some((e) => e.kind === 'failure' && /regresses/.test(e.text))).toBe(true);
      } finally {
        await runner.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('a workspace whose tests all pass', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'delm-allpass-'));
    await mkdir(path.join(dir, 'src'));
    await mkdir(path.join(dir, 'test'));
    await writeFile(path.join(dir, 'package.json'), '{"name":"fine","type":"module"}');
    await writeFile(path.join(dir, 'src/m.js'), 'export function twice(x) { return x * 2; }\n');
    await writeFile(
      path.join(dir, 'test/twice.test.js'),
      "import { test } from 'node:test';\nimport assert from 'node:assert';\nimport { twice } from '../src/m.js';\ntest('doubles', () => assert.equal(twice(2), 4));\n",
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is refused at load as nothing to fix, not scored 0/0', async () => {
    const refused = loadWorkload(dir, { debug: { testTimeoutMs: 10_000 } });
    await expect(refused).rejects.toBeInstanceOf(WorkloadFileError);
    await expect(refused).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/nothing to fix: every test passes \(1 passed\)/),
    });
    // `delm run` says so with exit 2 (bad input) and records nothing, where it printed `✗ 0/0 fixed`.
    const out = path.join(dir, 'records');
    const cli = await runCli(dir, ['run', dir, '--test-timeout', '10', '--out', out]);
    expect(cli.code).toBe(2);
    expect(cli.err).toMatch(/nothing to fix: every test passes/);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it.each<Mode>(['delm', 'orchestrator'])(
    '%s: a run of it ends in that error, with no answer',
    async (mode) => {
      const runner = createRunner(mode, { agents: 1, protocol: 'debug', maxRounds: 1 });
      try {
        const result = await runner.run({ prompt: 'fix', meta: { workspace: dir, debug: { testTimeoutMs: 10_000 } } });
        expect(result).toMatchObject({ stopReason: 'error', answer: undefined });
        expect(result.error).toMatch(/nothing to fix: every test passes/);
      } finally {
        await runner.close();
      }
    },
    60_000,
  );
});

describe('debug answers', () => {
  it('round-trip their counts and their diff', () => {
    const answer =
      'Fixed 1 of 3 failing tests; regressed 2; still failing 1.\nMerged …\n\n```diff\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n```';
    expect(fixedCounts(answer)).toEqual({ fixed: 1, total: 3, regressed: 2, stillFailing: 1 });
    expect(diffFromAnswer(answer)).toBe('diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n');
    expect(diffFromAnswer('no diff here')).toBeUndefined();
  });
});
