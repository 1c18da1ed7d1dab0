import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { singlePointMutations } from '../../../src/protocols/debug/offline/mutations.js';
import { searchMutationFix } from '../../../src/protocols/debug/offline/repair.js';
import { listFailingTests, type Patch } from '../../../src/workloads/debugging.js';

const WORKSPACE = new URL('../../../examples/debug-workspace', import.meta.url).pathname;
const FIXES = new URL('../../../examples/debug-workspace.fixes.json', import.meta.url).pathname;
const fixes = (JSON.parse(readFileSync(FIXES, 'utf8')) as { fixes: { testName: string; patch: Patch }[] }).fixes;

function applyInMemory(source: string, patch: Patch): string {
  let out = source;
  for (const e of patch) out = out.replace(e.search, () => e.replace);
  return out;
}

describe('singlePointMutations', () => {
  it('includes the reference fix of every seeded bug among its candidates', () => {
    for (const fix of fixes) {
      const file = fix.patch[0]?.file ?? '';
      const source = readFileSync(path.join(WORKSPACE, file), 'utf8');
      const fixed = applyInMemory(source, fix.patch);
      const found = singlePointMutations(file, source).some((m) => applyInMemory(source, m.patch) === fixed);
      expect(found, fix.testName).toBe(true);
    }
  });

  it('gives patches whose search text occurs exactly once', () => {
    const source = 'const a = 1;\nconst b = 1;\nif (a < b) x();\nif (a < b) y();\n';
    const muts = singlePointMutations('f.js', source);
    expect(muts.length).toBeGreaterThan(5);
    for (const m of muts) {
      const search = m.patch[0]?.search ?? '';
      expect(source.split(search).length - 1, m.description).toBe(1);
    }
  });

  it('leaves strings, template literals, comments and regex literals alone', () => {
    const source = "const s = 'a < b + 1';\nconst t = `x || y`;\n// if (a < 2) {}\nconst r = /a+b/;\n";
    const muts = singlePointMutations('f.js', source);
    expect(muts).toEqual([]);
  });

  it('swaps two call arguments and toggles negation', () => {
    const muts = singlePointMutations('f.js', 'function f(a, b) { return !ok(a) && cmp(b, a); }\n').map((m) =>
      m.description.replace(/^(f\.js:\d+):\d+ /, '$1 '),
    );
    expect(muts).toContain('f.js:1 swap arguments of cmp()');
    expect(muts).toContain('f.js:1 drop "!"');
    expect(muts).toContain('f.js:1 "&&" → "||"');
  });

  it('names every mutation uniquely, even the same token twice on one line', () => {
    const muts = singlePointMutations(
      'd.js',
      'const leap = (y) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;\n',
    ).map((m) => m.description);
    expect(new Set(muts).size).toBe(muts.length);
    expect(muts.filter((d) => / 0 → 1$/.test(d)).length).toBe(3);
  });
});

describe('searchMutationFix', () => {
  // The search's cost is bounded by candidates, not by time: the ranking is deterministic, so each fix
  // is found among its first 12 candidates on any machine (11 is the most one needs today). A wall-clock
  // budget would only measure how busy the machine is; the test's timeout is a hang guard.
  it('repairs every failing test of the shipped workspace offline within 12 candidates each, each fix verified on the whole suite', async () => {
    const { tasks, run } = await listFailingTests(WORKSPACE, { timeoutMs: 60_000 });
    expect(tasks).toHaveLength(6);
    for (const task of tasks) {
      const result = await searchMutationFix(WORKSPACE, task, {
        baseline: run,
        budgetMs: Number.POSITIVE_INFINITY,
        maxCandidates: 12,
        timeoutMs: 60_000,
      });
      expect(result.stoppedBy, task.testName).toBe('found');
      expect(result.tried).toBeLessThanOrEqual(12);
      expect(result.verification).toMatchObject({ verified: true, regressions: [] });
    }
  }, 300_000);
});
