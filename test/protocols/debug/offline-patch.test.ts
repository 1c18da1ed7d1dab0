import { describe, expect, it } from 'vitest';
import { createOfflineModel } from '../../../src/providers/offline.js';
import { nextCandidate, patchSkill, rankMutations } from '../../../src/protocols/debug/offline/patch.js';
import { registerDebugSkills } from '../../../src/protocols/debug/offline/skills.js';
import { patchPrompt } from '../../../src/protocols/kit/prompts/patch.js';

const MATH = `export function clamp(x, lo, hi) {
  if (x < lo) return lo;
  if (x > hi) return hi;
  return x;
}

export function average(values) {
  let total = 0;
  for (const v of values) total += v;
  return total / values.length;
}

// Sum of 1..n inclusive.
export function sumTo(n) {
  let s = 0;
  for (let i = 1; i < n; i++) s += i;
  return s;
}

export function isEven(n) {
  return n % 2 === 0;
}
`;
const failure = {
  failingTest: 'test/math.test.js > sumTo includes n',
  output: `AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:\n\n6 !== 10\n\n    at TestContext.<anonymous> (file:///work/ws/test/math.test.js:8:10)\n    at sumTo (file:///work/ws/src/math.js:16:3)`,
  files: [{ path: 'src/math.js', text: MATH }],
};

function apply(source: string, edits: ReadonlyArray<{ search: string; replace: string }>): string {
  let out = source;
  for (const e of edits) {
    expect(out.split(e.search)).toHaveLength(2); // exactly one occurrence
    out = out.replace(e.search, () => e.replace);
  }
  return out;
}

function sumToOf(source: string): (n: number) => number {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluates the patched workspace source under test
  const module = new Function(`${source.replace(/export /g, '')}; return { sumTo };`) as () => {
    sumTo: (n: number) => number;
  };
  return module().sumTo;
}

describe('offline patch skill (mutation search)', () => {
  it('ranks the fix of a known off-by-one among its first 5 candidates', () => {
    const ranked = rankMutations(failure);
    expect(ranked.length).toBeGreaterThan(20);
    const fixedAt = ranked.findIndex((m) => {
      const sumTo = sumToOf(apply(MATH, m.patch));
      return sumTo(4) === 10 && sumTo(1) === 1 && sumTo(0) === 0;
    });
    expect(fixedAt).toBeGreaterThanOrEqual(0);
    expect(fixedAt).toBeLessThan(5);
    expect(ranked[fixedAt]!.description).toMatch(/^src\/math\.js:16:\d+ "<" → "<="$/);
  });

  it('is deterministic and skips candidates the ledger records as tried', () => {
    const first = nextCandidate(failure, '')!;
    expect(nextCandidate(failure, '')).toEqual(first);
    const ledger = `[#4 FAIL] ${first.description} — test still fails`;
    const second = nextCandidate(failure, ledger)!;
    expect(second.description).not.toBe(first.description);
    const order = rankMutations(failure).map((m) => m.description);
    expect(order.indexOf(second.description)).toBe(1);
  });

  it('walks the candidates step by step through the offline model until the test passes', async () => {
    registerDebugSkills();
    const model = createOfflineModel();
    const tried: string[] = [];
    for (let step = 0; step < 10; step++) {
      const digest = tried.map((d, i) => `[#${i} FAIL] ${d} — test still fails`).join('\n');
      const reply = await model.complete({
        messages: [{ role: 'user', content: patchPrompt.render({ ...failure, digest }) }],
        schema: patchPrompt.schema,
        schemaName: patchPrompt.schemaName,
      });
      const proposal = reply.object!;
      expect(tried).not.toContain(proposal.idea);
      if (sumToOf(apply(MATH, proposal.edits))(4) === 10) return;
      tried.push(proposal.idea);
    }
    throw new Error(`no fix within 10 steps; tried ${tried.join('; ')}`);
  });

  it('says so when every candidate was tried', () => {
    const tiny = {
      failingTest: 't > x',
      output: '',
      files: [{ path: 'a.js', text: 'export const f = (a) => a < 1;\n' }],
    };
    const all = rankMutations(tiny)
      .map((m) => m.description)
      .join('\n');
    expect(() => patchSkill(patchPrompt.render({ ...tiny, digest: all }))).toThrow(/exhausted/);
  });
});
