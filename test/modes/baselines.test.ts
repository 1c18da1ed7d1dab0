import { describe, expect, it } from 'vitest';
import { InvalidConfigError, MissingApiKeyError } from '../../src/errors.js';
import { checkRunner, createRunner } from '../../src/modes/runner.js';
import { MODES, type Mode } from '../../src/modes/result.js';
import { REPLY_RESERVE_TOKENS } from '../../src/modes/context-window.js';
import { runOrchestrator } from '../../src/modes/orchestrator.js';
import { resolveRunnerOptions } from '../../src/modes/options.js';
import { runSinglePass } from '../../src/modes/single-pass.js';
import { truncateMiddle } from '../../src/modes/truncate.js';
import type { RunTask } from '../../src/protocols/kit/protocol.js';

const doc = (i: number, sentences = 30) => ({
  label: `D${i}`,
  text: Array.from(
    { length: sentences },
    (_, j) => `Sentence ${j + 1} of document ${i} says licence ${i} grants a patent license to recipients.`,
  ).join(' '),
});
const task = (k: number): RunTask => ({
  prompt: 'Which licences grant a patent license to recipients?',
  sources: Array.from({ length: k }, (_, i) => doc(i + 1)),
  subTasks: Array.from({ length: k }, (_, i) => ({ payload: `Read D${i + 1} and report what bears on the question.` })),
  meta: { choices: { A: 'All of them', B: 'None', C: 'Only D1', D: 'Only D2' } },
});

describe('the single-pass baseline', () => {
  it('answers in one call over every document when they fit', async () => {
    const r = await runSinglePass(task(3), resolveRunnerOptions({}));
    expect(r).toMatchObject({
      mode: 'single',
      stopReason: 'answered',
      subTasks: 1,
      truncatedTokens: 0,
      usage: { modelCalls: 1 },
    });
    expect(r.answer).toMatch(/^The correct answer is \([A-D]\)/);
  });

  it("cuts the middle of a context longer than the model's window, and says so", async () => {
    const prompts: number[] = [];
    const r = await runSinglePass(task(8), resolveRunnerOptions({ contextTokens: 4_000 }), {
      onEvent: (e) => e.type === 'usage' && prompts.push(e.inputTokens),
    });
    expect(r.truncatedTokens).toBeGreaterThan(0);
    expect(r.stopReason).toBe('answered');
    // The whole prompt (system prompt and template included) leaves the reply its room, as the orchestrator's do.
    expect(prompts[0]).toBeLessThanOrEqual(4_000 - REPLY_RESERVE_TOKENS);
    expect(prompts[0]).toBeGreaterThan(4_000 - REPLY_RESERVE_TOKENS - 300); // and uses the rest
  });

  it('fails before any call when the model needs a key that is not set', async () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      await expect(
        runSinglePass(task(1), resolveRunnerOptions({ model: 'anthropic:claude-haiku-4-5' })),
      ).rejects.toBeInstanceOf(MissingApiKeyError);
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
  });
});

describe('truncateMiddle', () => {
  it('keeps the head and the tail, marks documents cut through and drops those wholly in the middle', () => {
    const docs = [1, 2, 3, 4, 5].map((i) => ({ label: `D${i}`, text: 'x'.repeat(100) }));
    const count = (t: string) => t.length;
    const { documents, cutTokens } = truncateMiddle(docs, 250, count);
    expect(cutTokens).toBe(250);
    expect(documents.map((d) => d.label)).toEqual(['D1', 'D2', 'D4', 'D5']);
    expect(documents[1]!.text).toMatch(/^x{25}\n\[… the rest of D2 was cut/);
    expect(documents[2]!.text).toMatch(/the start of D4 was cut to fit the model's window …\]\nx{25}$/);
    expect(truncateMiddle(docs, 1_000, count)).toEqual({ documents: docs, cutTokens: 0 });
  });
});

describe('the orchestrator baseline', () => {
  it('delegates in waves of `agents` workers and answers from their full reports', async () => {
    const roles: string[] = [];
    const r = await runOrchestrator(task(6), resolveRunnerOptions({ agents: 4 }), {
      onEvent: (e) => e.type === 'usage' && roles.push(e.role),
    });
    expect(r).toMatchObject({ mode: 'orchestrator', stopReason: 'answered', subTasks: 6 });
    // Supplied sub-tasks: no plan call; two waves (4 + 2 workers), each followed by a manager turn.
    expect(roles).toEqual(['worker', 'worker', 'worker', 'worker', 'manager', 'worker', 'worker', 'manager']);
    expect(r.answer).toMatch(/^The correct answer is \([A-D]\)/);
    expect(r.waitingShare).toBeGreaterThan(0);
  });

  it('plans with a model call when the workload supplies no sub-tasks', async () => {
    const { subTasks: _none, ...unplanned } = task(3);
    const roles: string[] = [];
    const r = await runOrchestrator(unplanned, resolveRunnerOptions({ agents: 2 }), {
      onEvent: (e) => e.type === 'usage' && roles.push(e.role),
    });
    expect(r.stopReason).toBe('answered');
    expect(roles[0]).toBe('manager');
    expect(roles.filter((x) => x === 'worker').length).toBeGreaterThanOrEqual(2);
  });

  it('holds only the outline of the task in the manager conversation when asked, so its prompts shrink', async () => {
    const full = await runOrchestrator(task(4), resolveRunnerOptions({ agents: 4 }));
    const outline = await runOrchestrator(task(4), resolveRunnerOptions({ agents: 4, managerView: 'outline' }));
    const manager = (r: typeof full) =>
      r.calls.filter((c) => c.role === 'manager').reduce((n, c) => n + c.inputTokens, 0);
    expect(manager(outline)).toBeLessThan(manager(full) / 2);
  });

  it('stops with reason budget when the shared budget runs out, and with aborted on abort', async () => {
    const spent = await runOrchestrator(task(6), resolveRunnerOptions({ agents: 4, budgets: { modelCalls: 3 } }));
    expect(spent).toMatchObject({ stopReason: 'budget', answer: undefined });
    expect(spent.error).toMatch(/budget exhausted: modelCalls/);
    const controller = new AbortController();
    controller.abort();
    const aborted = await runOrchestrator(task(2), resolveRunnerOptions({}), { signal: controller.signal });
    expect(aborted.stopReason).toBe('aborted');
  });
});

describe('every mode', () => {
  it('refuses a mode that is not one, naming it and the valid ones, before starting anything', async () => {
    // Before: anything not 'delm' or 'single' ran the orchestrator.
    const makers: (() => unknown)[] = [() => createRunner('delm-typo' as Mode), () => checkRunner('delm-typo' as Mode)];
    for (const make of makers) {
      const error: unknown = await Promise.resolve()
        .then(make)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(InvalidConfigError);
      expect((error as InvalidConfigError).message).toBe(
        'unknown mode "delm-typo": expected delm, orchestrator or single',
      );
    }
  });

  it('refuses options that are not an object (null was a plain TypeError), in every mode', () => {
    for (const mode of MODES) expect(() => createRunner(mode, null as never), mode).toThrow(InvalidConfigError);
  });

  it('refuses a task of the wrong shape alike, before any model call', async () => {
    const malformed = {
      prompt: 'Which licences grant a patent license?',
      sources: [doc(1), doc(1)],
      subTasks: ['Read D1'],
    } as unknown as RunTask;
    for (const mode of ['delm', 'orchestrator', 'single'] as const) {
      const runner = createRunner(mode, { agents: 2 });
      try {
        const calls: unknown[] = [];
        const error: unknown = await runner
          .run(malformed, { onEvent: (e) => e.type === 'usage' && calls.push(e) })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error, mode).toBeInstanceOf(InvalidConfigError);
        expect((error as InvalidConfigError).issues, mode).toEqual([
          'sources.1.label: duplicate label "D1"',
          'subTasks.0: Invalid input: expected object, received string',
        ]);
        expect(calls, mode).toEqual([]);
      } finally {
        await runner.close();
      }
    }
  });
});
