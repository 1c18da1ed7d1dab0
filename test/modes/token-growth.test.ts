import { afterAll, describe, expect, it } from 'vitest';
import { fitPowerLaw } from '../../src/modes/growth.js';
import { countTokens } from '../../src/providers/tokenizer.js';
import { createRunner, type Runner } from '../../src/modes/runner.js';
import type { ModeResult } from '../../src/modes/result.js';
import type { RunTask } from '../../src/protocols/kit/protocol.js';

/** k documents of the same shape, each with one sentence bearing on the question. */
function scaledTask(k: number): RunTask {
  const sources = Array.from({ length: k }, (_, i) => ({
    label: `D${i + 1}`,
    text: [
      `Module ${i + 1} of the library is distributed under its own licence.`,
      `The licence of module ${i + 1} grants each recipient a royalty-free patent license for the module.`,
      ...Array.from(
        { length: 50 },
        (_, j) =>
          `Paragraph ${j + 1} of module ${i + 1} describes configuration options, file formats and build steps in ordinary detail.`,
      ),
    ].join(' '),
  }));
  return {
    prompt: 'Which modules grant recipients a royalty-free patent license?',
    sources,
    subTasks: sources.map((s) => ({ payload: `Read ${s.label} and report what bears on the question.` })),
    meta: { choices: { A: 'Every module', B: 'No module', C: 'Only module 1', D: 'Only the build steps' } },
  };
}

const SIZES = [8, 16, 32, 64];
const DIGEST_TOKENS = 300;

describe('token growth with the number of sub-tasks (offline model, measured token counts)', () => {
  const runners: Runner[] = [];
  afterAll(() => Promise.all(runners.map((r) => r.close())));
  const results: Record<'delm' | 'orchestrator', ModeResult[]> = { delm: [], orchestrator: [] };

  it('runs the same tasks through delm and the orchestrator', async () => {
    const delm = createRunner('delm', { agents: 4 });
    const orchestrator = createRunner('orchestrator', { agents: 4 });
    runners.push(delm, orchestrator);
    for (const k of SIZES) {
      const task = scaledTask(k);
      results.delm.push(await delm.run({ ...task, meta: { ...task.meta, delm: { digestTokens: DIGEST_TOKENS } } }));
      results.orchestrator.push(await orchestrator.run(task));
    }
    for (const r of [...results.delm, ...results.orchestrator]) expect(r.stopReason).toBe('answered');
  }, 300_000);

  it("keeps every delm agent's prompt bounded by its sub-task and the digest budget, whatever the number of sub-tasks", () => {
    const agentMax = results.delm.map((r) =>
      Math.max(...r.calls.filter((c) => c.role === 'agent').map((c) => c.inputTokens)),
    );
    // From 8 to 64 sub-tasks the ledger grows eightfold; an agent's prompt grows by at most the digest
    // budget and the list of labels it may unfold, which is capped at 24 (the rest are counted).
    const labelList = countTokens(
      `${Array.from({ length: 24 }, (_, i) => `D${i + 40}`).join(', ')}, (and 40 more sources)`,
    );
    expect(agentMax.at(-1)! - agentMax[0]!).toBeLessThanOrEqual(DIGEST_TOKENS + labelList);
    expect(agentMax.at(-1)!).toBeLessThan(2_500);
  });

  it("grows the orchestrator manager's prompt with every sub-agent's output, turn after turn", () => {
    for (const r of results.orchestrator) {
      const manager = r.calls.filter((c) => c.role === 'manager').map((c) => c.inputTokens);
      expect(manager.length).toBeGreaterThanOrEqual(1);
      for (let i = 1; i < manager.length; i++) expect(manager[i]!).toBeGreaterThan(manager[i - 1]!);
    }
    const largest = results.orchestrator.map((r) => r.maxPromptTokens);
    expect(largest.at(-1)!).toBeGreaterThan(6 * largest[0]!);
  });

  it('fits a growth exponent of at most 1.1 for delm and well above it for the orchestrator', () => {
    // Fitted from 16 sub-tasks on: below that the digest is still filling up to its budget, so each
    // step costs a little more than the one before; once it is full, a step's cost is constant. How
    // soon it fills depends on which gists are committed before a claim, so the budget is kept small
    // enough to fill early whatever the scheduling (at 600 tokens the fit wavered around 1.08-1.11).
    const fit = (rs: ModeResult[]) =>
      fitPowerLaw(rs.map((r, i) => ({ x: SIZES[i]!, y: r.usage.inputTokens + r.usage.outputTokens })).slice(1));
    const delm = fit(results.delm);
    const orchestrator = fit(results.orchestrator);
    expect(delm.exponent).toBeLessThanOrEqual(1.1);
    expect(orchestrator.exponent).toBeGreaterThan(1.4);
    const total = (r: ModeResult) => r.usage.inputTokens + r.usage.outputTokens;
    expect(total(results.delm.at(-1)!)).toBeLessThan(0.4 * total(results.orchestrator.at(-1)!));
  });
});

describe('fitPowerLaw', () => {
  it('recovers the exponent of an exact power law and refuses a single point', () => {
    const fit = fitPowerLaw([1, 2, 4, 8].map((x) => ({ x, y: 3 * x ** 1.5 })));
    expect(fit.exponent).toBeCloseTo(1.5, 10);
    expect(fit.coefficient).toBeCloseTo(3, 10);
    expect(fit.r2).toBeCloseTo(1, 10);
    expect(() => fitPowerLaw([{ x: 2, y: 3 }])).toThrow(RangeError);
  });
});
