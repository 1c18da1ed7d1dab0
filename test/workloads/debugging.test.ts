import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PatchError,
  WorkloadFileError,
  applyPatch,
  copyWorkspace,
  listFailingTests,
  loadWorkspace,
  mergePatches,
  runTests,
  verifyPatch,
  type Patch,
  type TestRun,
} from '../../src/workloads/debugging.js';

const WORKSPACE = new URL('../../examples/debug-workspace', import.meta.url).pathname;
const FIXES = new URL('../../examples/debug-workspace.fixes.json', import.meta.url).pathname;
interface Fix {
  testFile: string;
  testName: string;
  mutation: string;
  patch: Patch;
}
const fixes = (JSON.parse(readFileSync(FIXES, 'utf8')) as { fixes: Fix[] }).fixes;
// A hang guard on each test run (they take well under a second on an idle machine), not a speed bound.
const BOUND = { timeoutMs: 60_000 };

let failing: Awaited<ReturnType<typeof listFailingTests>>;
let baseline: TestRun;
beforeAll(async () => {
  // The failing tests, listed once; the first of its runs is the baseline the patches below are verified against.
  failing = await listFailingTests(WORKSPACE, BOUND);
  baseline = failing.run;
});

describe('the shipped debug workspace', () => {
  it('is a valid workspace with one test file per module', async () => {
    const ws = await loadWorkspace(WORKSPACE);
    expect(ws.name).toBe('tinykit');
    expect(ws.testFiles).toEqual([
      'test/arrays.test.js',
      'test/dates.test.js',
      'test/money.test.js',
      'test/query.test.js',
      'test/strings.test.js',
    ]);
    expect(ws.sourceFiles).toEqual(['src/arrays.js', 'src/dates.js', 'src/money.js', 'src/query.js', 'src/strings.js']);
  });

  it('has exactly one failing test per seeded bug, one sub-task each', async () => {
    const { tasks, run } = failing;
    expect(run.timedOut).toBe(false);
    expect(tasks.map((t) => t.id).sort()).toEqual(fixes.map((f) => `${f.testFile} > ${f.testName}`).sort());
    expect(run.passed).toBe(14);
    expect(run.failed).toBe(6);
    for (const t of tasks) {
      expect(t.error).toMatch(/AssertionError|Expected/);
      expect(t.relatedFiles).toEqual([t.testFile.replace(/^test\/(.*)\.test\.js$/, 'src/$1.js')]);
    }
  });

  it('each reference fix makes exactly its own test pass and regresses nothing', async () => {
    for (const fix of fixes) {
      const v = await verifyPatch(WORKSPACE, fix.patch, fix, { ...BOUND, baseline });
      expect(v, fix.testName).toMatchObject({ applied: true, targetPasses: true, regressions: [], verified: true });
      const nowPassing = v.run?.results.filter((r) => r.status === 'pass').map((r) => r.id) ?? [];
      expect(nowPassing).toHaveLength(baseline.passed + 1);
    }
  });

  it('merging all reference fixes passes the whole suite; the real workspace is untouched', async () => {
    const before = await readFile(path.join(WORKSPACE, 'src/money.js'), 'utf8');
    const merged = await mergePatches(
      WORKSPACE,
      fixes.map((f, i) => ({ id: `fix${i}`, patch: f.patch })),
      BOUND,
    );
    expect(merged.skipped).toEqual([]);
    expect(merged.applied).toHaveLength(fixes.length);
    expect(merged.allPass).toBe(true);
    expect(merged.run.passed).toBe(20);
    expect(merged.combined).toHaveLength(fixes.length);
    expect(await readFile(path.join(WORKSPACE, 'src/money.js'), 'utf8')).toBe(before);
  });
});

describe('verifyPatch', () => {
  const truncateFix = fixes.find((f) => f.testFile === 'test/strings.test.js');

  it('reports a regression when a patch fixes its target but breaks another test', async () => {
    if (!truncateFix) throw new Error('fixture missing');
    const patch: Patch = [
      ...truncateFix.patch,
      { file: 'src/strings.js', search: 'return text[0].toUpperCase() + text.slice(1);', replace: 'return text;' },
    ];
    const v = await verifyPatch(WORKSPACE, patch, truncateFix, { ...BOUND, baseline });
    expect(v.targetPasses).toBe(true);
    expect(v.regressions).toEqual(['test/strings.test.js > capitalize upper-cases only the first letter']);
    expect(v.verified).toBe(false);
  });

  it('counts every test of a file that no longer loads as a regression', async () => {
    const v = await verifyPatch(
      WORKSPACE,
      [{ file: 'src/arrays.js', search: 'export function unique', replace: 'export function unique(((' }],
      'test/arrays.test.js > sortBy sorts ascending by key without mutating the input',
      { ...BOUND, baseline },
    );
    expect(v.applied).toBe(true);
    expect(v.targetPasses).toBe(false);
    expect(v.regressions).toHaveLength(3);
    expect(v.run?.results.some((r) => r.fileLevel && r.file === 'test/arrays.test.js')).toBe(true);
  });

  it('returns a rejection instead of running anything when the patch does not apply', async () => {
    const v = await verifyPatch(WORKSPACE, [{ file: '../outside.js', search: 'a', replace: 'b' }], 'x > y', {
      ...BOUND,
      baseline,
    });
    expect(v).toMatchObject({ applied: false, verified: false, targetPasses: false });
    expect(v.rejection).toMatch(/\.\./);
  });
});

describe('applyPatch', () => {
  let dir: string;
  let outside: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'delm-patch-'));
    outside = await mkdtemp(path.join(tmpdir(), 'delm-outside-'));
    await mkdir(path.join(dir, 'src'));
    await writeFile(path.join(dir, 'src/a.js'), 'const x = 1;\nconst y = 1;\n');
    await writeFile(path.join(outside, 'secret.js'), 'const x = 1;\n');
    await symlink(path.join(outside, 'secret.js'), path.join(dir, 'src/link.js'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });
  const reason = async (patch: unknown) => {
    const err = await applyPatch(dir, patch as Patch).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PatchError);
    expect((err as PatchError).code).toBe('INVALID_ARGUMENT');
    return (err as PatchError).reason;
  };

  it('rejects paths that leave the workspace: "..", absolute, and symlinks pointing out', async () => {
    expect(await reason([{ file: '../x.js', search: 'a', replace: 'b' }])).toBe('outside-workspace');
    expect(await reason([{ file: 'src/../../x.js', search: 'a', replace: 'b' }])).toBe('outside-workspace');
    expect(await reason([{ file: path.join(outside, 'secret.js'), search: 'x', replace: 'z' }])).toBe(
      'outside-workspace',
    );
    expect(await reason([{ file: 'src/link.js', search: 'x = 1', replace: 'x = 2' }])).toBe('outside-workspace');
    expect(await readFile(path.join(outside, 'secret.js'), 'utf8')).toBe('const x = 1;\n');
  });

  it('rejects a search that does not match, matches twice, a missing file, and malformed patches', async () => {
    expect(await reason([{ file: 'src/a.js', search: 'const z', replace: '' }])).toBe('no-match');
    expect(await reason([{ file: 'src/a.js', search: '= 1;', replace: '= 2;' }])).toBe('ambiguous-match');
    expect(await reason([{ file: 'src/missing.js', search: 'a', replace: 'b' }])).toBe('missing-file');
    expect(await reason([])).toBe('invalid');
    expect(await reason([{ file: 'src/a.js', search: '', replace: 'b' }])).toBe('invalid');
    expect(await reason([{ file: 'src/a.js', search: 'x', replace: 'y', extra: 1 }])).toBe('invalid');
  });

  it('writes nothing when any edit of the patch fails', async () => {
    expect(
      await reason([
        { file: 'src/a.js', search: 'const x = 1;', replace: 'const x = 5;' },
        { file: 'src/a.js', search: 'nope', replace: '' },
      ]),
    ).toBe('no-match');
    expect(await readFile(path.join(dir, 'src/a.js'), 'utf8')).toBe('const x = 1;\nconst y = 1;\n');
  });

  it('applies edits in order, literally (no $-patterns), each seeing the previous one', async () => {
    await applyPatch(dir, [
      { file: 'src/a.js', search: 'const x = 1;', replace: "const x = '$&';" },
      { file: './src/a.js', search: "'$&'", replace: "'ok'" },
    ]);
    expect(await readFile(path.join(dir, 'src/a.js'), 'utf8')).toBe("const x = 'ok';\nconst y = 1;\n");
  });
});

describe('mergePatches', () => {
  it('skips a patch that conflicts with one applied before it, and a duplicate, and says why', async () => {
    const [first] = fixes;
    if (!first) throw new Error('fixture missing');
    const rival: Patch = [
      { file: first.patch[0]?.file ?? '', search: first.patch[0]?.search ?? '', replace: 'return text;' },
    ];
    const merged = await mergePatches(
      WORKSPACE,
      [
        { id: 'a', patch: first.patch },
        { id: 'b', patch: rival },
        { id: 'c', patch: first.patch },
      ],
      BOUND,
    );
    expect(merged.applied).toEqual(['a']);
    expect(merged.skipped.map((s) => s.id)).toEqual(['b', 'c']);
    expect(merged.skipped[0]?.reason).toMatch(/conflicts/);
    expect(merged.skipped[1]?.reason).toMatch(/duplicate/);
    expect(merged.run.failed).toBe(5);
    expect(merged.allPass).toBe(false);
  });
});

describe('workspace handling', () => {
  it('copies into the temp folder and removes the copy', async () => {
    const copy = await copyWorkspace(WORKSPACE);
    expect(copy.dir.startsWith(tmpdir())).toBe(true);
    expect(existsSync(path.join(copy.dir, 'package.json'))).toBe(true);
    await copy.remove();
    await copy.remove();
    expect(existsSync(copy.dir)).toBe(false);
  });

  it('explains what is wrong with a bad workspace', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'delm-badws-'));
    try {
      const missing = await loadWorkspace(path.join(dir, 'nope')).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(WorkloadFileError);
      expect((missing as WorkloadFileError).code).toBe('NOT_FOUND');
      await expect(loadWorkspace(dir)).rejects.toThrow(/has no package\.json/);
      await writeFile(path.join(dir, 'package.json'), '{ nope');
      await expect(loadWorkspace(dir)).rejects.toThrow(/package\.json: is not valid JSON/);
      await writeFile(path.join(dir, 'package.json'), '{"type":"esm"}');
      await expect(loadWorkspace(dir)).rejects.toThrow(/field "type"/);
      await writeFile(path.join(dir, 'package.json'), '{"type":"module"}');
      await expect(loadWorkspace(dir)).rejects.toThrow(/no test files/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('kills a hanging test run at its time limit', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'delm-hang-'));
    try {
      await writeFile(path.join(dir, 'package.json'), '{"type":"module"}');
      await writeFile(
        path.join(dir, 'hang.test.js'),
        "import { test } from 'node:test';\ntest('spins', () => { for (;;) {} });\n",
      );
      const started = Date.now();
      const run = await runTests(dir, { timeoutMs: 1_500, testTimeoutMs: 60_000 });
      expect(run.timedOut).toBe(true);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(run.output).toContain('killed after 1500 ms');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names nested tests by their suites, and reports skips and file-level failures', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'delm-nest-'));
    try {
      await writeFile(path.join(dir, 'package.json'), '{"type":"module"}');
      await mkdir(path.join(dir, 'test'));
      await writeFile(
        path.join(dir, 'test/n.test.js'),
        "import { describe, test } from 'node:test';\ndescribe('outer', () => { describe('mid', () => { test('deep', () => {}); test.skip('later', () => {}); }); test('x', () => { throw new Error('boom'); }); });\n",
      );
      await writeFile(path.join(dir, 'test/broken.test.js'), 'this is not javascript(\n');
      const run = await runTests(dir, { ...BOUND, files: ['test/n.test.js', 'test/broken.test.js'] });
      const byId = Object.fromEntries(run.results.map((r) => [r.id, r.status]));
      expect(byId).toEqual({
        'test/n.test.js > outer > mid > deep': 'pass',
        'test/n.test.js > outer > mid > later': 'skip',
        'test/n.test.js > outer > x': 'fail',
        'test/broken.test.js > test/broken.test.js': 'fail',
      });
      expect(run.results.find((r) => r.name === 'outer > x')?.error).toContain('boom');
      expect(run.output).toContain('1 passed, 2 failed');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('does not pass the parent environment (API keys) to the tests it runs', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'delm-env-'));
    process.env['DELM_TEST_SECRET_KEY'] = 'sk-should-not-leak';
    try {
      await writeFile(path.join(dir, 'package.json'), '{"type":"module"}');
      await writeFile(
        path.join(dir, 'env.test.js'),
        "import { test } from 'node:test';\nimport assert from 'node:assert';\ntest('no secret', () => { assert.equal(process.env.DELM_TEST_SECRET_KEY, undefined); });\n",
      );
      const run = await runTests(dir, BOUND);
      expect(run.results.map((r) => [r.id, r.status])).toEqual([['env.test.js > no secret', 'pass']]);
    } finally {
      delete process.env['DELM_TEST_SECRET_KEY'];
      await rm(dir, { recursive: true, force: true });
    }
  });
});
