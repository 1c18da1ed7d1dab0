/**
 * The orchestrator's prompts fit the model's window, as the single pass's does: the manager's (with
 * every document, `managerView: 'full'`) and each worker's, counted with delm's tokenizer by the
 * offline model that receives them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveWorkloadOptions } from '../../src/cli/workload-options.js';
import { resolveRunnerOptions } from '../../src/modes/options.js';
import { runOrchestrator } from '../../src/modes/orchestrator.js';
import { createRunner } from '../../src/modes/runner.js';
import { REPLY_RESERVE_TOKENS } from '../../src/modes/context-window.js';
import type { RunTask } from '../../src/protocols/kit/protocol.js';
import type { UsageEvent } from '../../src/runtime/events.js';
import { runCli } from '../helpers/cli.js';

const DATA = new URL('../../examples/multidoc/data.json', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'delm-window-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** `k` documents of about `tokens` tokens each, one sub-task per document, plus one sub-task naming them all. */
function bigTask(k: number, tokens: number): RunTask {
  const sentence = (i: number, j: number) =>
    `Sentence ${j} of document ${i} says licence ${i} grants a patent licence.`;
  const sources = Array.from({ length: k }, (_, i) => ({
    label: `D${i + 1}`,
    title: `Licence ${i + 1}`,
    text: Array.from({ length: Math.ceil(tokens / 16) }, (_, j) => sentence(i + 1, j)).join(' '),
  }));
  return {
    prompt: 'Which licences grant a patent licence to recipients?',
    sources,
    subTasks: [
      ...sources.map((s) => ({ payload: `Read ${s.label} and report what bears on the question.` })),
      { payload: `Compare ${sources.map((s) => s.label).join(', ')}.` },
    ],
    meta: { choices: { A: 'All of them', B: 'None', C: 'Only D1', D: 'Only D2' } },
  };
}

describe("the orchestrator and the model's window", () => {
  it('keeps the manager and every worker within the default 128k window of a ~190k-token item, and says what it cut', async () => {
    const calls: UsageEvent[] = [];
    const r = await runOrchestrator(bigTask(6, 32_000), resolveRunnerOptions({ agents: 3 }), {
      onEvent: (e) => void (e.type === 'usage' && calls.push(e)),
    });
    expect(r.stopReason).toBe('answered');
    expect(calls.filter((c) => c.role === 'manager').length).toBeGreaterThan(0);
    for (const c of calls) expect(c.inputTokens, `${c.role} prompt`).toBeLessThanOrEqual(128_000);
    expect(r.maxPromptTokens).toBeGreaterThan(100_000); // the manager still read most of it
    expect(r.truncatedTokens).toBeGreaterThan(60_000);
  }, 120_000);

  it('holds a window given with --context-tokens, in every prompt of a delm run --mode orchestrator', async () => {
    const items = JSON.parse(readFileSync(DATA, 'utf8')) as Array<{ context: string }>;
    const big = join(tmp, 'big.json');
    writeFileSync(big, JSON.stringify([{ ...items[0], context: items[0]!.context.repeat(3) }]));
    const out = join(tmp, 'run');
    const r = await runCli(tmp, [
      'run',
      big,
      '--mode',
      'orchestrator',
      '--context-tokens',
      '12000',
      '--agents',
      '2',
      '--out',
      out,
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const calls = readFileSync(join(out, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { role: string; inputTokens: number });
    expect(calls.some((c) => c.role === 'manager')).toBe(true);
    for (const c of calls) expect(c.inputTokens, `${c.role} prompt`).toBeLessThanOrEqual(12_000);
  }, 120_000);

  it('refuses a --context-tokens below 1000', () => {
    expect(resolveWorkloadOptions({ 'context-tokens': '64000' }, 'run', tmp).runner.contextTokens).toBe(64_000);
    expect(() => resolveWorkloadOptions({ 'context-tokens': '999' }, 'run', tmp)).toThrow(/at least 1000/);
  });
});

describe("the debugging orchestrator and the model's window", () => {
  const dir = join(tmp, 'calc');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });

  it("keeps the manager's prompt, with every file of a big workspace, within --context-tokens, and says what it cut", async () => {
    mkdirSync(join(dir, 'src'), { recursive: true });
    mkdirSync(join(dir, 'test'));
    writeFileSync(join(dir, 'package.json'), '{"name":"calc","type":"module"}');
    writeFileSync(join(dir, 'src/calc.js'), 'export function add(a, b) { return a - b; }\n');
    // ~20k tokens of source the manager reads in full (`managerView: 'full'`, the default).
    const lines = Array.from({ length: 1_500 }, (_, i) => `export const setting${i} = 'configuration value ${i}';`);
    writeFileSync(join(dir, 'src/settings.js'), `${lines.join('\n')}\n`);
    writeFileSync(
      join(dir, 'test/add.test.js'),
      "import { test } from 'node:test';\nimport assert from 'node:assert';\nimport { add } from '../src/calc.js';\ntest('adds', () => assert.equal(add(2, 3), 5));\n",
    );
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'fixture');
    const window = 8_000;
    const runner = createRunner('orchestrator', { agents: 1, protocol: 'debug', maxRounds: 1, contextTokens: window });
    const calls: UsageEvent[] = [];
    try {
      const r = await runner.run(
        { prompt: 'Fix the failing tests.', meta: { workspace: dir, debug: { testTimeoutMs: 10_000 } } },
        { onEvent: (e) => void (e.type === 'usage' && calls.push(e)) },
      );
      expect(r.stopReason, r.error).toBe('answered');
      const manager = calls.filter((c) => c.role === 'manager');
      expect(manager.length).toBeGreaterThan(0);
      // Before: the first turn held every file whole, 19,205 tokens in an 8k window.
      for (const c of manager) expect(c.inputTokens).toBeLessThanOrEqual(window - REPLY_RESERVE_TOKENS);
      expect(r.truncatedTokens).toBeGreaterThan(10_000);
    } finally {
      await runner.close();
    }
  }, 120_000);
});
